"""Typed settings of the bot's back end, read from the environment only.

Owns: the names, defaults and validation of every environment variable the tickets
service, the notifications and the web app read (documented in ``.env.example``).
Nothing is read at import time: call :func:`load_settings`.

In production (``APP_ENV=production``) placeholder secrets and insecure cookie
settings are refused with :class:`SettingsError`, naming the variable at fault.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_DATABASE_URL = "sqlite:///var/pharmabot.db"

# Values that mean "somebody copied .env.example and did not fill it in".
PLACEHOLDER_SECRETS = frozenset(
    {"change-me", "changeme", "change_me", "secret", "password", "example", "xxx", "todo"}
)

_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off", ""})


class SettingsError(ValueError):
    """An environment variable is missing, malformed or unsafe for this APP_ENV."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where new-ticket emails go; ``enabled`` only when host, sender and recipients are set."""

    host: str | None = None
    port: int = 587
    user: str | None = None
    password: str | None = None
    starttls: bool = True
    sender: str | None = None
    recipients: tuple[str, ...] = ()
    timeout_seconds: float = 10.0

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.sender and self.recipients)


@dataclass(frozen=True)
class Settings:
    """Everything the back end reads from the environment."""

    app_env: str = "development"
    database_url: str = DEFAULT_DATABASE_URL
    outbox_dir: Path = PROJECT_ROOT / "var" / "outbox"
    inbox_host: str = "0.0.0.0"
    inbox_port: int = 8000
    inbox_base_url: str = "http://localhost:8000"
    cookie_secure: bool = False
    session_hours: float = 8.0
    outbox_retry_seconds: float = 30.0
    smtp: SmtpSettings = SmtpSettings()
    webhook_url: str | None = None
    webhook_timeout_seconds: float = 10.0

    @property
    def production(self) -> bool:
        return self.app_env == "production"


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the settings from ``environ`` (default: ``os.environ``)."""
    env = os.environ if environ is None else environ
    app_env = _get(env, "APP_ENV", "development").lower()
    if app_env not in ("development", "production"):
        raise SettingsError(f"APP_ENV must be 'development' or 'production', not {app_env!r}")
    production = app_env == "production"

    smtp = SmtpSettings(
        host=_optional(env, "SMTP_HOST"),
        port=_int(env, "SMTP_PORT", 587),
        user=_optional(env, "SMTP_USER"),
        password=_optional(env, "SMTP_PASSWORD"),
        starttls=_bool(env, "SMTP_STARTTLS", True),
        sender=_optional(env, "NOTIFY_EMAIL_FROM"),
        recipients=tuple(
            address.strip() for address in _get(env, "NOTIFY_EMAIL_TO", "").split(",") if address.strip()
        ),
        timeout_seconds=_float(env, "NOTIFY_TIMEOUT_SECONDS", 10.0),
    )
    settings = Settings(
        app_env=app_env,
        database_url=resolve_database_url(_get(env, "DATABASE_URL", DEFAULT_DATABASE_URL)),
        outbox_dir=_path(env, "OUTBOX_DIR", "var/outbox"),
        inbox_host=_get(env, "INBOX_HOST", "0.0.0.0"),
        inbox_port=_int(env, "INBOX_PORT", 8000),
        inbox_base_url=_get(env, "INBOX_BASE_URL", "http://localhost:8000").rstrip("/"),
        cookie_secure=_bool(env, "INBOX_COOKIE_SECURE", production),
        session_hours=_float(env, "INBOX_SESSION_HOURS", 8.0),
        outbox_retry_seconds=_float(env, "OUTBOX_RETRY_SECONDS", 30.0),
        smtp=smtp,
        webhook_url=_optional(env, "NOTIFY_WEBHOOK_URL"),
        webhook_timeout_seconds=smtp.timeout_seconds,
    )
    _check_consistency(settings)
    if production:
        _check_production(settings)
    return settings


def resolve_database_url(url: str) -> str:
    """Make a relative SQLite path absolute, relative to the project root.

    ``sqlite:///var/pharmabot.db`` becomes ``sqlite:////<root>/var/pharmabot.db`` so the
    web app, the action server and the CLI find the same file whatever their working
    directory. Other URLs are returned unchanged.
    """
    prefix = "sqlite:///"
    if not url.startswith(prefix) or url == "sqlite://" or url.startswith("sqlite:///:memory:"):
        return url
    rest = url[len(prefix) :]
    path_part, sep, query = rest.partition("?")
    if path_part.startswith("/") or path_part == ":memory:" or not path_part:
        return url
    absolute = PROJECT_ROOT / path_part
    return f"{prefix}{absolute}{sep}{query}"


def _check_consistency(settings: Settings) -> None:
    if settings.smtp.host and not settings.smtp.sender:
        raise SettingsError("SMTP_HOST is set but NOTIFY_EMAIL_FROM is empty")
    if settings.smtp.host and not settings.smtp.recipients:
        raise SettingsError("SMTP_HOST is set but NOTIFY_EMAIL_TO is empty")
    if settings.smtp.user and not settings.smtp.password:
        raise SettingsError("SMTP_USER is set but SMTP_PASSWORD is empty")
    if settings.webhook_url and not settings.webhook_url.startswith(("http://", "https://")):
        raise SettingsError("NOTIFY_WEBHOOK_URL must start with http:// or https://")
    if settings.session_hours <= 0:
        raise SettingsError("INBOX_SESSION_HOURS must be positive")
    if settings.outbox_retry_seconds <= 0:
        raise SettingsError("OUTBOX_RETRY_SECONDS must be positive")


def _check_production(settings: Settings) -> None:
    if not settings.cookie_secure:
        raise SettingsError(
            "INBOX_COOKIE_SECURE must be true when APP_ENV=production "
            "(session cookies must only travel over HTTPS)"
        )
    if not settings.inbox_base_url.startswith("https://"):
        raise SettingsError("INBOX_BASE_URL must be an https:// URL when APP_ENV=production")
    if settings.smtp.password is not None and _is_placeholder(settings.smtp.password):
        raise SettingsError("SMTP_PASSWORD is a placeholder; set the real secret")
    if settings.webhook_url and "change-me" in settings.webhook_url.lower():
        raise SettingsError("NOTIFY_WEBHOOK_URL is a placeholder; set the real URL")
    password = _url_password(settings.database_url)
    if password is not None and _is_placeholder(password):
        raise SettingsError("DATABASE_URL contains a placeholder password; set the real secret")


def _is_placeholder(value: str) -> bool:
    return value.strip().lower() in PLACEHOLDER_SECRETS or "change-me" in value.lower()


def _url_password(url: str) -> str | None:
    _, _, rest = url.partition("://")
    userinfo, at, _ = rest.partition("@")
    if not at or ":" not in userinfo:
        return None
    return userinfo.split(":", 1)[1]


def _get(env: Mapping[str, str], name: str, default: str) -> str:
    value = env.get(name)
    return default if value is None or value.strip() == "" else value.strip()


def _optional(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name, "").strip()
    return value or None


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from None
    if not 0 <= value <= 65535:
        raise SettingsError(f"{name} must be between 0 and 65535, not {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = _get(env, name, str(default))
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise SettingsError(f"{name} must be true or false, not {raw!r}")


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(_get(env, name, default))
    return path if path.is_absolute() else PROJECT_ROOT / path

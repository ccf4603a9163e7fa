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
from datetime import timedelta
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
    bind_host: str = "127.0.0.1"
    inbox_host: str = "127.0.0.1"
    inbox_port: int = 8000
    rasa_port: int = 5005
    action_port: int = 5055
    allowed_origins: tuple[str, ...] = ("http://localhost:8000", "http://127.0.0.1:8000")
    rasa_api_token: str | None = None
    # where the web app reaches a Rasa server itself (a consultant's reply into the chat)
    rasa_internal_url: str = "http://127.0.0.1:5005"
    action_server_secret: str | None = None
    # shared by the web app and the Rasa servers: guards the consultant-reply push route
    chat_push_secret: str | None = None
    session_secret: str | None = None
    tracker_database_url: str = DEFAULT_DATABASE_URL
    retention: str = "90d"
    max_message_chars: int = 2000
    rate_per_sender: int = 30
    rate_per_client: int = 120
    trusted_proxies: tuple[str, ...] = ("127.0.0.1", "::1")
    max_request_bytes: int = 1_000_000
    action_max_request_bytes: int = 16_000_000
    inbox_base_url: str = "http://localhost:8000"
    cookie_secure: bool = False
    session_hours: float = 8.0
    outbox_retry_seconds: float = 30.0
    smtp: SmtpSettings = SmtpSettings()
    webhook_url: str | None = None
    webhook_timeout_seconds: float = 10.0
    consultant_contact: str | None = None
    # an open ticket not answered this long after filing is marked overdue in the inbox
    ticket_overdue_after: timedelta = timedelta(hours=24)

    @property
    def production(self) -> bool:
        return self.app_env == "production"

    @property
    def rasa_api_enabled(self) -> bool:
        """Rasa's HTTP API is on only with a token to guard it (``RASA_API_TOKEN``)."""
        return self.rasa_api_token is not None


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
    inbox_base_url = _get(env, "INBOX_BASE_URL", "http://localhost:8000").rstrip("/")
    rasa_port = _int(env, "RASA_PORT", 5005)
    settings = Settings(
        app_env=app_env,
        database_url=resolve_database_url(_get(env, "DATABASE_URL", DEFAULT_DATABASE_URL)),
        outbox_dir=_path(env, "OUTBOX_DIR", "var/outbox"),
        bind_host=_get(env, "BIND_HOST", "127.0.0.1"),
        inbox_host=_get(env, "INBOX_HOST", _get(env, "BIND_HOST", "127.0.0.1")),
        inbox_port=_int(env, "INBOX_PORT", 8000),
        inbox_base_url=inbox_base_url,
        rasa_port=rasa_port,
        rasa_internal_url=_get(env, "RASA_INTERNAL_URL", f"http://127.0.0.1:{rasa_port}").rstrip("/"),
        action_port=_int(env, "ACTION_PORT", 5055),
        allowed_origins=_origins(env, inbox_base_url),
        rasa_api_token=_optional(env, "RASA_API_TOKEN"),
        action_server_secret=_optional(env, "ACTION_SERVER_SECRET"),
        session_secret=_optional(env, "SESSION_SECRET"),
        chat_push_secret=_optional(env, "CHAT_PUSH_SECRET"),
        tracker_database_url=resolve_database_url(_tracker_url(env)),
        retention=_get(env, "RETENTION_PERIOD", "90d"),
        max_message_chars=_size(env, "MAX_MESSAGE_CHARS", 2000),
        rate_per_sender=_size(env, "RATE_PER_SENDER", 30),
        rate_per_client=_size(env, "RATE_PER_CLIENT", 120),
        trusted_proxies=tuple(
            address.strip()
            for address in _get(env, "TRUSTED_PROXIES", "127.0.0.1,::1").split(",")
            if address.strip()
        ),
        max_request_bytes=_size(env, "MAX_REQUEST_BYTES", 1_000_000),
        action_max_request_bytes=_size(env, "ACTION_MAX_REQUEST_BYTES", 16_000_000),
        cookie_secure=_bool(env, "INBOX_COOKIE_SECURE", production),
        session_hours=_float(env, "INBOX_SESSION_HOURS", 8.0),
        outbox_retry_seconds=_float(env, "OUTBOX_RETRY_SECONDS", 30.0),
        smtp=smtp,
        webhook_url=_optional(env, "NOTIFY_WEBHOOK_URL"),
        webhook_timeout_seconds=smtp.timeout_seconds,
        consultant_contact=_optional(env, "CONSULTANT_CONTACT"),
        ticket_overdue_after=_period(env, "TICKET_OVERDUE_AFTER", "24h"),
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
    if not settings.rasa_internal_url.startswith(("http://", "https://")):
        raise SettingsError("RASA_INTERNAL_URL must start with http:// or https://")
    if settings.session_hours <= 0:
        raise SettingsError("INBOX_SESSION_HOURS must be positive")
    if settings.outbox_retry_seconds <= 0:
        raise SettingsError("OUTBOX_RETRY_SECONDS must be positive")
    from bot.retention import RetentionError, parse_period

    try:
        parse_period(settings.retention)
    except RetentionError as exc:
        raise SettingsError(f"RETENTION_PERIOD: {exc}") from None


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
    if "*" in settings.allowed_origins:
        raise SettingsError("ALLOWED_ORIGINS must list the site's origins when APP_ENV=production, not '*'")
    for name, value in (
        ("ACTION_SERVER_SECRET", settings.action_server_secret),
        ("SESSION_SECRET", settings.session_secret),
    ):
        if value is None or _is_placeholder(value) or len(value) < 16:
            raise SettingsError(
                f"{name} must be set to a random secret of 16+ characters when APP_ENV=production"
            )
    if settings.chat_push_secret is not None and (
        _is_placeholder(settings.chat_push_secret) or len(settings.chat_push_secret) < 16
    ):
        raise SettingsError(
            "CHAT_PUSH_SECRET is too short or a placeholder; set a random secret of 16+ characters"
        )
    if settings.rasa_api_token is not None and (
        _is_placeholder(settings.rasa_api_token) or len(settings.rasa_api_token) < 16
    ):
        raise SettingsError(
            "RASA_API_TOKEN is too short or a placeholder; set a random secret of 16+ characters"
        )


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


def _size(env: Mapping[str, str], name: str, default: int) -> int:
    raw = _get(env, name, str(default))
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {value}")
    return value


def _tracker_url(env: Mapping[str, str]) -> str:
    """Where Rasa keeps conversations: TRACKER_DATABASE_URL, else the production profile's
    TRACKER_DB_* values (PostgreSQL), else the SQLite file of endpoints.yml."""
    explicit = _optional(env, "TRACKER_DATABASE_URL")
    if explicit:
        return explicit
    host = _optional(env, "TRACKER_DB_HOST")
    if host is None:
        return DEFAULT_DATABASE_URL
    from urllib.parse import quote

    user = quote(_get(env, "TRACKER_DB_USER", "postgres"), safe="")
    password = _optional(env, "TRACKER_DB_PASSWORD")
    credentials = f"{user}:{quote(password, safe='')}" if password else user
    port = _get(env, "TRACKER_DB_PORT", "5432")
    return f"postgresql://{credentials}@{host}:{port}/{_get(env, 'TRACKER_DB_NAME', 'rasa')}"


def _origins(env: Mapping[str, str], inbox_base_url: str) -> tuple[str, ...]:
    """The web origins allowed to open the chat (CORS and socket.io): ALLOWED_ORIGINS,
    comma-separated; by default the inbox's own address and its 127.0.0.1 twin."""
    raw = _get(env, "ALLOWED_ORIGINS", "")
    if raw:
        return tuple(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
    default = [inbox_base_url]
    if "://localhost" in inbox_base_url:
        default.append(inbox_base_url.replace("://localhost", "://127.0.0.1", 1))
    return tuple(default)


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


def _period(env: Mapping[str, str], name: str, default: str) -> timedelta:
    """A period such as ``24h``, ``90m`` or ``2d``."""
    from bot.retention import RetentionError, parse_period

    raw = _get(env, name, default)
    try:
        return parse_period(raw)
    except RetentionError:
        raise SettingsError(f"{name} must be a period such as 24h, 90m or 2d, not {raw!r}") from None


def _path(env: Mapping[str, str], name: str, default: str) -> Path:
    path = Path(_get(env, name, default))
    return path if path.is_absolute() else PROJECT_ROOT / path

"""Settings come from the environment only, with safe defaults; production refuses
placeholder secrets and insecure cookies."""

from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT, SettingsError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "INBOX_BASE_URL": "https://inbox.pharmacy.example",
    "DATABASE_URL": "postgresql://bot:s3cr3t-Value@db/pharmabot",
}


def test_defaults():
    settings = load_settings({})
    assert settings.app_env == "development"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT}/var/pharmabot.db"
    assert settings.outbox_dir == PROJECT_ROOT / "var" / "outbox"
    assert (settings.inbox_host, settings.inbox_port) == ("0.0.0.0", 8000)
    assert settings.cookie_secure is False
    assert settings.smtp.enabled is False
    assert settings.webhook_url is None


def test_values_from_the_environment():
    settings = load_settings(
        {
            "DATABASE_URL": "postgresql://u@h/db",
            "OUTBOX_DIR": "/srv/outbox",
            "INBOX_HOST": "127.0.0.1",
            "INBOX_PORT": "9000",
            "SMTP_HOST": "mail",
            "SMTP_PORT": "25",
            "SMTP_STARTTLS": "no",
            "NOTIFY_EMAIL_FROM": "bot@x.test",
            "NOTIFY_EMAIL_TO": "a@x.test, b@x.test",
            "NOTIFY_WEBHOOK_URL": "https://hooks.x.test/abc",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert str(settings.outbox_dir) == "/srv/outbox"
    assert settings.inbox_port == 9000
    assert settings.smtp.enabled and settings.smtp.starttls is False and settings.smtp.port == 25
    assert settings.smtp.recipients == ("a@x.test", "b@x.test")
    assert settings.webhook_url == "https://hooks.x.test/abc"


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"INBOX_PORT": "eighty"}, "INBOX_PORT"),
        ({"SMTP_STARTTLS": "maybe"}, "SMTP_STARTTLS"),
        ({"APP_ENV": "staging"}, "APP_ENV"),
        ({"SMTP_HOST": "mail", "NOTIFY_EMAIL_TO": "a@x.test"}, "NOTIFY_EMAIL_FROM"),
        ({"NOTIFY_WEBHOOK_URL": "ftp://x"}, "NOTIFY_WEBHOOK_URL"),
    ],
)
def test_bad_values_name_the_variable(env, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(env)


def test_production_turns_secure_cookies_on():
    assert load_settings(PRODUCTION).cookie_secure is True


@pytest.mark.parametrize(
    ("extra", "variable"),
    [
        ({"INBOX_COOKIE_SECURE": "false"}, "INBOX_COOKIE_SECURE"),
        ({"INBOX_BASE_URL": "http://inbox.pharmacy.example"}, "INBOX_BASE_URL"),
        (
            {
                "SMTP_HOST": "mail",
                "SMTP_USER": "bot",
                "SMTP_PASSWORD": "change-me",
                "NOTIFY_EMAIL_FROM": "a@x.test",
                "NOTIFY_EMAIL_TO": "b@x.test",
            },
            "SMTP_PASSWORD",
        ),
        ({"DATABASE_URL": "postgresql://bot:change-me@db/pharmabot"}, "DATABASE_URL"),
    ],
)
def test_production_refuses_placeholders_and_insecure_cookies(extra, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings(PRODUCTION | extra)
    # the same values are accepted while developing
    load_settings({k: v for k, v in extra.items() if k != "INBOX_COOKIE_SECURE"})

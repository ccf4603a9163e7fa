"""Settings come from the environment only, with safe defaults; production refuses
placeholder secrets and insecure cookies."""

from __future__ import annotations

import pytest

from bot.settings import PROJECT_ROOT, SettingsError, load_settings

PRODUCTION = {
    "APP_ENV": "production",
    "INBOX_BASE_URL": "https://inbox.pharmacy.example",
    "DATABASE_URL": "postgresql://bot:s3cr3t-Value@db/pharmabot",
    "ACTION_SERVER_SECRET": "9f2c1e7a5b3d4c6e8a0b",
    "SESSION_SECRET": "4d6f8a0c2e4b6d8f1a3c",
    "ALLOWED_ORIGINS": "https://pharmacy.example",
}


def test_defaults():
    settings = load_settings({})
    assert settings.app_env == "development"
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT}/var/pharmabot.db"
    assert settings.outbox_dir == PROJECT_ROOT / "var" / "outbox"
    assert (settings.inbox_host, settings.inbox_port) == ("127.0.0.1", 8000)
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
            "CONSULTANT_CONTACT": " call 555-0100 ",
        }
    )
    assert settings.database_url == "postgresql://u@h/db"
    assert str(settings.outbox_dir) == "/srv/outbox"
    assert settings.inbox_port == 9000
    assert settings.smtp.enabled and settings.smtp.starttls is False and settings.smtp.port == 25
    assert settings.smtp.recipients == ("a@x.test", "b@x.test")
    assert settings.webhook_url == "https://hooks.x.test/abc"
    assert settings.consultant_contact == "call 555-0100"


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


def test_servers_listen_on_loopback_and_the_api_is_off_by_default():
    settings = load_settings({})
    assert settings.bind_host == "127.0.0.1"
    assert settings.rasa_api_enabled is False
    assert settings.allowed_origins == ("http://localhost:8000", "http://127.0.0.1:8000")
    assert settings.max_message_chars == 2000


@pytest.mark.parametrize(
    ("change", "variable"),
    [
        ({"ACTION_SERVER_SECRET": ""}, "ACTION_SERVER_SECRET"),
        ({"ACTION_SERVER_SECRET": "change-me"}, "ACTION_SERVER_SECRET"),
        ({"SESSION_SECRET": "short"}, "SESSION_SECRET"),
        ({"ALLOWED_ORIGINS": "*"}, "ALLOWED_ORIGINS"),
        ({"RASA_API_TOKEN": "secret"}, "RASA_API_TOKEN"),
    ],
)
def test_production_refuses_open_doors(change, variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings({**PRODUCTION, **change})


def test_production_accepts_an_api_token_of_its_own():
    settings = load_settings({**PRODUCTION, "RASA_API_TOKEN": "7c1d9e3f5a2b4c6d8e0f"})
    assert settings.rasa_api_enabled


@pytest.mark.parametrize("variable", ["MAX_MESSAGE_CHARS", "MAX_REQUEST_BYTES"])
def test_limits_must_be_positive_numbers(variable):
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: "0"})
    with pytest.raises(SettingsError, match=variable):
        load_settings({variable: "lots"})

"""The demo pages' settings and Content-Security-Policy (no browser, no bot)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bot.settings import SettingsError
from bot.web.security import CONTENT_SECURITY_POLICY
from bot.web.widget import ARTICLES, HOME_ARTICLE, content_security_policy, load_widget_settings


def _request(host: str, scheme: str = "http") -> SimpleNamespace:
    return SimpleNamespace(host=host, scheme=scheme)


def test_the_rasa_url_defaults_to_the_pages_host_on_port_5005() -> None:
    settings = load_widget_settings({})
    assert settings.rasa_url_for(_request("localhost:8000")) == "http://localhost:5005"
    assert settings.rasa_url_for(_request("192.0.2.7:8000")) == "http://192.0.2.7:5005"
    assert settings.rasa_url_for(_request("[::1]:8000")) == "http://[::1]:5005"
    assert settings.rasa_url_for(_request("shop.example.org", "https")) == "https://shop.example.org:5005"
    assert load_widget_settings({"RASA_PORT": "5105"}).rasa_url_for(_request("h:1")) == "http://h:5105"


def test_a_strange_host_header_falls_back_to_localhost() -> None:
    settings = load_widget_settings({})
    assert settings.rasa_url_for(_request("evil'; script-src *:8000")) == "http://localhost:5005"
    assert settings.rasa_url_for(_request("[::1:8000")) == "http://localhost:5005"


def test_widget_rasa_url_wins_and_is_checked() -> None:
    settings = load_widget_settings({"WIDGET_RASA_URL": "https://bot.example.org/"})
    assert settings.rasa_url_for(_request("localhost:8000")) == "https://bot.example.org"
    for bad in ("bot.example.org", "ftp://bot.example.org", "http://", "http://h:1/?x=1"):
        with pytest.raises(SettingsError, match="WIDGET_RASA_URL"):
            load_widget_settings({"WIDGET_RASA_URL": bad})
    with pytest.raises(SettingsError, match="RASA_PORT"):
        load_widget_settings({"RASA_PORT": "http"})


def test_the_policy_adds_only_the_rasa_origin_to_connect_src() -> None:
    policy = content_security_policy("http://127.0.0.1:5005")
    assert "connect-src 'self' http://127.0.0.1:5005 ws://127.0.0.1:5005;" in policy
    assert policy.replace(" http://127.0.0.1:5005 ws://127.0.0.1:5005", "") == CONTENT_SECURITY_POLICY
    secure = content_security_policy("https://bot.example.org/rasa")
    assert "connect-src 'self' https://bot.example.org wss://bot.example.org;" in secure
    assert "script-src 'self';" in secure and "unsafe-inline" not in secure


def test_the_home_page_is_an_article_about_a_covered_drug() -> None:
    assert HOME_ARTICLE in ARTICLES
    assert {article.drug for article in ARTICLES.values()} == {"ocrelizumab", "elacestrant", "capmatinib"}

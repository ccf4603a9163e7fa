"""Fixtures for the widget's browser tests: one real bot (Rasa + action server), the web app
serving the demo pages (one pointed at the bot, one at a port that can be switched on and
off), headless Debian chromium, axe-core, and helpers that talk in the chat like a patient."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.localbot import LocalBot, free_port
from bot.settings import PROJECT_ROOT
from testkit import CHROMIUM, CHROMIUM_ARGS, TcpProxy

WIDGET_JS = PROJECT_ROOT / "bot" / "web" / "static" / "widget" / "widget.js"
AXE_JS = PROJECT_ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = PROJECT_ROOT / "reports" / "widget"
DESKTOP = {"width": 1280, "height": 860}
PHONE = {"width": 360, "height": 740}
REPLY_TIMEOUT_S = 60


@dataclass
class WebApp:
    base_url: str
    process: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _start_web(rasa_url: str, database_url: str, workdir: Path, name: str) -> WebApp:
    port = free_port()
    log = workdir / f"{name}.log"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("SMTP_", "NOTIFY_", "INBOX_", "APP_ENV", "WIDGET_", "RASA_PORT"))
    }
    env.update(
        PYTHONPATH=str(PROJECT_ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
        SQLALCHEMY_SILENCE_UBER_WARNING="1",
        DATABASE_URL=database_url,
        OUTBOX_DIR=str(workdir / "outbox"),
        WIDGET_RASA_URL=rasa_url,
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "web", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    base_url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web app exited: {log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):  # noqa: S310 (local URL)
                return WebApp(base_url, process, log)
        except urllib.error.HTTPError:  # up, but its database is not (503)
            return WebApp(base_url, process, log)
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"web app did not answer in 60 s: {log.read_text(errors='replace')}")


@pytest.fixture(scope="session")
def widget_built() -> None:
    if not WIDGET_JS.exists():
        pytest.fail(f"{WIDGET_JS} is not built: run `make widget` (cd widget && npm ci && npm run build)")


@pytest.fixture(scope="session")
def widget_bot(widget_built: None, local_bot: LocalBot) -> LocalBot:
    """The session's one bot (tests/conftest.py), shared with tests/e2e."""
    return local_bot


@pytest.fixture(scope="session")
def web(widget_bot: LocalBot, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebApp]:
    """The web app with the widget pointed at the running bot."""
    app = _start_web(widget_bot.url, widget_bot.database_url, tmp_path_factory.mktemp("web"), "web")
    yield app
    app.stop()


@pytest.fixture(scope="session")
def switch(widget_bot: LocalBot) -> Iterator[TcpProxy]:
    proxy = TcpProxy(widget_bot.rasa_port)
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def web_behind_switch(
    widget_bot: LocalBot, switch: TcpProxy, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[WebApp]:
    """The web app with the widget pointed at the switch (off: the bot cannot be reached)."""
    app = _start_web(
        f"http://127.0.0.1:{switch.port}",
        widget_bot.database_url,
        tmp_path_factory.mktemp("web-switch"),
        "web-switch",
    )
    yield app
    app.stop()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is not installed (make browser, or apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Page:
    """A browser tab on the demo site, with the console errors it logged."""

    page: Any
    errors: list[str]


@pytest.fixture
def new_page(browser: Any) -> Iterator[Callable[..., Page]]:
    """A fresh browser context (empty sessionStorage) per call; closed after the test."""
    contexts: list[Any] = []

    def make(viewport: dict[str, int] | None = None, **options: Any) -> Page:
        context = browser.new_context(viewport=viewport or DESKTOP, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(REPLY_TIMEOUT_S * 1000)
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        return Page(page, errors)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `cd widget && npm ci`")
    return AXE_JS.read_text()


@pytest.fixture
def run_axe(axe_source: str) -> Callable[[Any], list[dict[str, Any]]]:
    """axe-core on the whole page (demo page and widget): its serious and critical violations."""

    def run(page: Any) -> list[dict[str, Any]]:
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(axe_source)  # through the DevTools protocol: the page's CSP allows no inline script
        result = page.evaluate(
            """async () => {
                const r = await axe.run(document, {resultTypes: ['violations']});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
            }"""
        )
        return [v for v in result if v["impact"] in ("serious", "critical")]

    return run


class Chat:
    """Talking in the chat like a patient, and looking at it."""

    @staticmethod
    def shot(page: Any, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / name
        page.screenshot(path=str(path))
        return path

    @staticmethod
    def bot_messages(page: Any) -> Any:
        return page.locator(".pbw-msg--bot")

    @classmethod
    def open_chat(cls, page: Any) -> None:
        """Click the launcher and wait for the bot's greeting (its quick replies)."""
        page.get_by_role("button", name="Ask about your medicine").click()
        page.locator(".pbw-msg--bot .pbw-quick-button").first.wait_for()
        cls.settle(page)

    @classmethod
    def settle(cls, page: Any, quiet_s: float = 0.7) -> None:
        """Wait until no bot message has arrived for `quiet_s` (a turn's messages come in a burst)."""
        count = cls.bot_messages(page).count()
        still_since = time.monotonic()
        deadline = time.monotonic() + REPLY_TIMEOUT_S
        while time.monotonic() < deadline:
            time.sleep(0.1)
            now = cls.bot_messages(page).count()
            if now != count:
                count, still_since = now, time.monotonic()
            elif time.monotonic() - still_since >= quiet_s:
                return

    @classmethod
    def wait_for_reply(cls, page: Any, before: int) -> list[str]:
        """Wait for the bot's messages after there were `before`; returns their texts."""
        page.wait_for_function(
            "n => document.querySelectorAll('.pbw-msg--bot').length > n",
            arg=before,
            timeout=REPLY_TIMEOUT_S * 1000,
        )
        cls.settle(page)
        messages = cls.bot_messages(page)
        return [messages.nth(i).inner_text() for i in range(before, messages.count())]

    @classmethod
    def say(cls, page: Any, text: str) -> list[str]:
        """Type `text` and press Enter like a patient; returns the bot's answer (its messages)."""
        before = cls.bot_messages(page).count()
        box = page.get_by_label("Your message")
        box.fill(text)
        box.press("Enter")
        return cls.wait_for_reply(page, before)

    @classmethod
    def click_reply(cls, page: Any, title: str) -> list[str]:
        """Pick the quick reply `title` of the bot's last question."""
        before = cls.bot_messages(page).count()
        page.locator(".pbw-quick-button", has_text=title).last.click()
        return cls.wait_for_reply(page, before)

    @staticmethod
    def session_id(page: Any) -> str:
        return str(page.evaluate("JSON.parse(sessionStorage.getItem('pharmabot-widget:v1')).sessionId"))


@pytest.fixture
def chat() -> type[Chat]:
    return Chat

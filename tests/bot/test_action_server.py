"""The action server over HTTP: only Rasa (the shared secret) may call it, it listens on
loopback, bodies are bounded (inflated ones too), and a failing action gives an apology
with nothing of the conversation in its log."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.localbot import free_port
from bot.settings import PROJECT_ROOT
from testkit import listening_addresses
from tests.bot.conftest import subprocess_env

SECRET = "test-action-secret-0123456789"
LIMIT = 200_000


@dataclass
class ActionServer:
    url: str
    port: int
    log: Path


@pytest.fixture(scope="module")
def action_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ActionServer]:
    port = free_port()
    log = tmp_path_factory.mktemp("actions") / "actions.log"
    env = subprocess_env(ACTION_SERVER_SECRET=SECRET, ACTION_MAX_REQUEST_BYTES=str(LIMIT))
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "actions", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            urllib.request.urlopen(f"{url}/health", timeout=2).close()  # noqa: S310 (local URL)
            break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(errors="replace")) from None
            time.sleep(0.3)
    yield ActionServer(url, port, log)
    process.terminate()
    process.wait(timeout=20)


def _call(server: ActionServer, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    request = urllib.request.Request(f"{server.url}/webhook", data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:  # noqa: S310 (local URL)
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        text = exc.read()
        return exc.code, json.loads(text) if text.startswith(b"{") else text.decode(errors="replace")


def _action_call(action: str, text: str, latest: Any = None) -> dict[str, Any]:
    latest_message = latest if latest is not None else {"text": text, "intent": {"name": "ask_purchase"}}
    return {
        "next_action": action,
        "sender_id": "s-1",
        "version": "3.6.21",
        "domain": {},
        "tracker": {
            "sender_id": "s-1",
            "slots": {},
            "latest_message": latest_message,
            "events": [{"event": "user", "text": text, "parse_data": latest_message}],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "action_listen",
        },
    }


def _json(call: dict[str, Any]) -> bytes:
    return json.dumps(call).encode()


WITH_SECRET = {"Content-Type": "application/json", "X-Action-Secret": SECRET}


def test_it_listens_on_loopback_only(action_server: ActionServer) -> None:
    assert listening_addresses(action_server.port) == {"127.0.0.1"}


def test_only_calls_with_the_secret_run_an_action(action_server: ActionServer) -> None:
    body = _json(_action_call("action_answer_purchase", "how much does ocrevus cost"))
    for headers in ({"Content-Type": "application/json"}, {**WITH_SECRET, "X-Action-Secret": "guess"}):
        status, answer = _call(action_server, body, headers)
        assert status == 401 and "secret" in answer["error"]
    status, answer = _call(action_server, body, WITH_SECRET)
    assert status == 200
    assert "prices" in answer["responses"][0]["text"]


def test_bodies_are_bounded_inflated_ones_too(action_server: ActionServer) -> None:
    padded = _action_call("action_answer_purchase", "x" * (LIMIT + 10))
    status, _ = _call(action_server, _json(padded), WITH_SECRET)
    assert status == 413
    bomb = zlib.compress(b'{"next_action": "' + b"a" * (50 * LIMIT) + b'"}', 9)
    assert len(bomb) < LIMIT
    status, answer = _call(action_server, bomb, {**WITH_SECRET, "Content-Encoding": "deflate"})
    assert status == 413 and "inflated" in answer["error"]
    small = zlib.compress(_json(_action_call("action_answer_purchase", "price?")))
    status, answer = _call(action_server, small, {**WITH_SECRET, "Content-Encoding": "deflate"})
    assert status == 200 and answer["responses"]
    for junk in (b"not json", b"[1, 2]", b'{"no": "action"}'):
        status, answer = _call(action_server, junk, WITH_SECRET)
        assert status == 400 and answer["error"]


def test_a_failing_action_apologises_and_logs_nothing_of_the_conversation(
    action_server: ActionServer,
) -> None:
    # a latest message that is not an object makes the action raise
    call = _action_call("action_answer_side_effects", "my secret ferret-umbrella question", latest="broken")
    call["tracker"]["slots"] = {"contact_email": "ferret-umbrella@example.org"}
    status, answer = _call(action_server, _json(call), WITH_SECRET)
    assert status == 200
    apology, disclaimer = answer["responses"]
    assert apology["text"].startswith("Sorry") and apology["buttons"][0]["payload"] == "/request_consultant"
    assert "not medical advice" in disclaimer["text"]
    time.sleep(0.5)
    log = action_server.log.read_text(errors="replace")
    assert "action_answer_side_effects failed" in log
    assert "ferret-umbrella" not in log

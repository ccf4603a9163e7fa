"""Scale out for real (bot.prodstack, docs/production.md): nginx in front of two Rasa servers
and two action servers, the web app, PostgreSQL and Redis; one stack for the module.

One conversation moves between the Rasa servers in the middle of the handoff form; only the
chat and the web app's pages are reachable through nginx; nginx hands the client's address
on to the rate limits; a Rasa server killed mid-conversation is skipped and comes back. The
other faults are in test_faults.py, the widget through nginx in tests/widget.

The stack is the session's ``prod_stack`` (tests/conftest.py): it needs PostgreSQL, Redis and
nginx (`make nginx`), and is skipped with a reason when one is missing, failed instead when
REQUIRE_SERVICES=1 (CI).
"""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

from bot.prodstack import ProdStack
from bot.tickets import TicketRepository
from testkit import PG, PROD_RATE_PER_CLIENT, post_json, rest_message

pytestmark = [pytest.mark.services]

RATE_PER_CLIENT = PROD_RATE_PER_CLIENT
FAIL_TIMEOUT_S = 10  # render_nginx_conf's fail_timeout
REFERENCE = re.compile(r"\b(MC-[A-Z0-9]{4,8})\b")
REST_LINE = re.compile(r'"POST /webhooks/rest/webhook HTTP/[\d.]+" (\d{3}) .*upstream="([^"]*)"')


@pytest.fixture
def stack(prod_stack: ProdStack) -> ProdStack:
    """The session's production stack (tests/conftest.py)."""
    return prod_stack


def _say(url: str, sender: str, message: str) -> str:
    """One REST message to ``url`` (nginx or one Rasa server); the bot's texts."""
    status, text = rest_message(url, sender, message)
    assert status == 200, (status, text)
    return text


def _get(url: str) -> tuple[int, dict[str, str], str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:  # noqa: S310 (local URL)
            return resp.status, dict(resp.headers), resp.read().decode(errors="replace")
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode(errors="replace")


def _access_log(stack: ProdStack) -> Path:
    return stack.log_dir / "nginx-access.log"


def _log_mark(stack: ProdStack) -> int:
    """The access log's size once the lines of the requests already answered are in."""
    size = _access_log(stack).stat().st_size
    while True:
        time.sleep(0.3)
        now = _access_log(stack).stat().st_size
        if now == size:
            return size
        size = now


def _rest_lines(stack: ProdStack, since: int, count: int) -> list[tuple[int, list[str]]]:
    """(status, upstream addresses tried) of the REST requests nginx logged after byte ``since``,
    once there are ``count`` (nginx writes a line just after the response, so it may lag)."""
    deadline = time.monotonic() + 5
    while True:
        text = _access_log(stack).read_bytes()[since:].decode(errors="replace")
        lines = [
            (int(m.group(1)), [a.strip() for a in m.group(2).split(",")])
            for m in map(REST_LINE.search, text.splitlines())
            if m
        ]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.1)


def _upstream(stack: ProdStack, index: int) -> str:
    return f"127.0.0.1:{stack.ports.rasa[index - 1]}"


def _tracker_user_events(stack: ProdStack, sender: str) -> int:
    import psycopg2

    with psycopg2.connect(host=PG[0], port=PG[1], user="postgres", dbname=stack.env["TRACKER_DB_NAME"]) as c:
        cursor = c.cursor()
        cursor.execute("SELECT count(*) FROM events WHERE sender_id = %s AND type_name = 'user'", (sender,))
        return int(cursor.fetchone()[0])


def test_one_handoff_form_alternates_between_the_two_rasa_servers(stack: ProdStack) -> None:
    """Each message straight to the other Rasa server: the form goes on from PostgreSQL."""
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    turns = [
        ("can I breastfeed on ocrevus", "milk"),
        ("can a pharmacist call me?", "name"),
        ("Jane Doe", "email address or phone number"),
        ("jane@", "doesn't look like an email"),
        ("jane.doe@example.com", "best time"),
        ("weekday mornings", "can I breastfeed on ocrevus"),  # the question is prefilled
        ("/affirm", "consent"),
        ("/affirm", "jane.doe@example.com"),  # the summary
    ]
    for number, (message, expected) in enumerate(turns):
        reply = _say(stack.rasa_url(1 + number % 2), sender, message)
        assert expected in reply, (number, message, reply)
    done = _say(stack.rasa_url(2), sender, "/affirm")
    match = REFERENCE.search(done)
    assert match, done
    ticket = TicketRepository.for_url(stack.database_url).get(match.group(1))
    assert ticket.patient_name == "Jane Doe" and ticket.email == "jane.doe@example.com"
    assert ticket.question == "can I breastfeed on ocrevus" and ticket.drug == "ocrelizumab"
    assert _tracker_user_events(stack, sender) == len(turns) + 1


def test_rest_through_nginx_goes_round_robin_and_the_form_goes_on(stack: ProdStack) -> None:
    sender = f"scale-{uuid.uuid4().hex[:8]}"
    mark = _log_mark(stack)
    assert "What is your name?" in _say(stack.public_url, sender, "I want to talk to a consultant")
    reply = _say(stack.public_url, sender, "how often is the ocrevus infusion given?")
    assert "6 months" in reply and "What is your name?" in reply
    assert "email address or phone number" in _say(stack.public_url, sender, "Ana Smith")
    assert "Nothing was sent" in _say(stack.public_url, sender, "cancel")
    lines = _rest_lines(stack, mark, 4)
    assert len(lines) == 4 and all(status == 200 for status, _ in lines), lines
    used = [tried[-1] for _, tried in lines]
    assert set(used) == {_upstream(stack, 1), _upstream(stack, 2)}, used


def test_only_the_chat_and_the_web_app_are_reachable_through_nginx(stack: ProdStack) -> None:
    token = stack.env["RASA_API_TOKEN"]
    for path in ("/status", "/version", "/domain", "/conversations/x/tracker", "/webhooks/rest/"):
        joined = f"{path}?token={token}"
        assert _get(stack.rasa_url(1) + joined)[0] == 200, path  # Rasa serves it directly...
        status, headers, body = _get(stack.public_url + joined)
        assert status == 404 and headers.get("Server") == "nginx" and "nginx" in body, (path, status)
    status, _ = post_json(f"{stack.public_url}/model/parse?token={token}", {"text": "hello"})
    assert status == 404
    assert _get(f"{stack.public_url}/healthz")[0] == 404  # the web app's health check stays inside
    # the chat, the demo page with the widget pointed at nginx, the static files, the inbox
    assert "6 months" in _say(stack.public_url, f"scale-{uuid.uuid4().hex[:8]}", "how often is ocrevus given")
    status, _, page = _get(f"{stack.public_url}/")
    assert status == 200 and f'data-server-url="{stack.public_url}"' in page
    assert _get(f"{stack.public_url}/static/widget/widget.js")[0] == 200
    status, _, login = _get(f"{stack.public_url}/inbox")
    assert status == 200 and "password" in login.lower()
    status, _, body = _get(f"{stack.public_url}/api/tickets")
    assert status == 401 and "error" in json.loads(body)  # the web app's JSON, not an nginx page


def test_the_rate_limits_see_the_client_address_nginx_passes_on(stack: ProdStack) -> None:
    """X-Forwarded-For from nginx (trusted) names the client; each Rasa server counts its own."""
    client = {"X-Forwarded-For": "198.51.100.7"}
    statuses = [
        post_json(stack.rest_url, {"sender": f"rl-{i}", "message": "hello"}, client)[0]
        for i in range(3 * RATE_PER_CLIENT)
    ]
    allowed = statuses.count(200)
    assert RATE_PER_CLIENT <= allowed <= 2 * RATE_PER_CLIENT, statuses  # one bucket per server
    assert statuses.count(429) == len(statuses) - allowed, statuses
    other = post_json(
        stack.rest_url, {"sender": "rl-x", "message": "hello"}, {"X-Forwarded-For": "198.51.100.8"}
    )
    assert other[0] == 200


@pytest.mark.browser
def test_a_killed_rasa_server_is_skipped_and_the_conversation_goes_on(stack: ProdStack) -> None:
    sender = f"fault-{uuid.uuid4().hex[:8]}"
    assert "milk" in _say(stack.public_url, sender, "can I breastfeed on ocrevus")
    assert "name" in _say(stack.public_url, sender, "can a pharmacist call me?")
    stack.kill("rasa-1")
    mark = _log_mark(stack)
    failed_at = time.monotonic()
    assert "email address or phone number" in _say(stack.public_url, sender, "Jane Doe")
    assert "best time" in _say(stack.public_url, sender, "jane.doe@example.com")
    assert "can I breastfeed on ocrevus" in _say(stack.public_url, sender, "weekday mornings")
    lines = _rest_lines(stack, mark, 3)
    assert [status for status, _ in lines] == [200, 200, 200], lines
    assert all(tried[-1] == _upstream(stack, 2) for _, tried in lines), lines
    assert [_upstream(stack, 1), _upstream(stack, 2)] in [tried for _, tried in lines], lines  # retried

    stack.restart("rasa-1")
    # nginx tries a failed server again after fail_timeout (10 s); a restart can be quicker
    time.sleep(max(0.0, failed_at + FAIL_TIMEOUT_S + 1 - time.monotonic()))
    mark = _log_mark(stack)
    assert "consent" in _say(stack.public_url, sender, "/affirm")
    assert "Jane Doe" in _say(stack.public_url, sender, "/affirm")
    match = REFERENCE.search(_say(stack.public_url, sender, "/affirm"))
    assert match
    assert TicketRepository.for_url(stack.database_url).get(match.group(1)).patient_name == "Jane Doe"
    used = [tried[-1] for _, tried in _rest_lines(stack, mark, 3)]
    assert _upstream(stack, 1) in used, used  # back in the rotation

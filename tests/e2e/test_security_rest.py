"""The doors a public bot must keep shut, tried from outside against the real servers:
Rasa's HTTP API needs its token, every server listens on loopback, bad and huge input gets a
clear answer fast, a patient can have the conversation deleted, and logs hold no contact
details."""

from __future__ import annotations

import json
import re
import time
import urllib.error
import urllib.request
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.localbot import LocalBot, rss_mb
from testkit import listening_addresses

REFERENCE = re.compile(r"\b(MC-[A-Z0-9]{4,8})\b")


def _http(method: str, url: str, body: Any = None, raw: bytes | None = None) -> tuple[int, Any]:
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 (local URL)
            text = resp.read()
            return resp.status, json.loads(text) if text else None
    except urllib.error.HTTPError as exc:
        text = exc.read()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, text.decode(errors="replace")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/status", None),
        ("GET", "/domain", None),
        ("GET", "/conversations/someone/tracker", None),
        ("POST", "/conversations/someone/tracker/events", {"event": "slot", "name": "drug", "value": "x"}),
        ("POST", "/model/parse", {"text": "hello"}),
        ("DELETE", "/model", None),
    ],
)
def test_rasa_api_is_closed_to_anonymous_callers(
    local_bot: LocalBot, method: str, path: str, body: Any
) -> None:
    status, _ = _http(method, local_bot.url + path, body)
    assert status in (401, 403, 404)
    status, _ = _http(method, f"{local_bot.url}{path}?token=a-guess", body)
    assert status in (401, 403, 404)


def test_rasa_api_answers_with_the_token(local_bot: LocalBot) -> None:
    status, parsed = _http("POST", local_bot.api_url("/model/parse"), {"text": "hello"})
    assert status == 200 and parsed["intent"]["name"] == "greet"


def test_every_server_listens_on_loopback_only(local_bot: LocalBot) -> None:
    assert listening_addresses(local_bot.rasa_port) == {"127.0.0.1"}
    assert listening_addresses(local_bot.action_port) == {"127.0.0.1"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sender": "t", "message": 42}, "message"),
        ({"sender": "t", "message": ["a", "list"]}, "message"),
        ({"sender": "t", "message": None}, "message"),
        ({"message": "hello"}, "sender"),
        ({"sender": "t", "message": "hi", "metadata": [1]}, "metadata"),
        ([1, 2, 3], "JSON object"),
    ],
)
def test_wrong_types_get_a_clear_400(local_bot: LocalBot, body: Any, field: str) -> None:
    status, answer = _http("POST", local_bot.rest_url, body)
    assert status == 400 and field in answer["error"]


def test_a_body_that_is_not_json_gets_a_400(local_bot: LocalBot) -> None:
    status, answer = _http("POST", local_bot.rest_url, raw=b"message=hello")
    assert status == 400 and "JSON" in answer["error"]


def test_a_100_kb_message_is_answered_at_once_and_costs_no_memory(local_bot: LocalBot) -> None:
    _http("POST", local_bot.rest_url, {"sender": "warm-up", "message": "hello"})
    before = rss_mb(local_bot.pid("rasa"))
    started = time.monotonic()
    status, replies = _http("POST", local_bot.rest_url, {"sender": "big", "message": "I feel sick. " * 8000})
    elapsed = time.monotonic() - started
    assert status == 200 and "longer than I can read" in replies[0]["text"]
    assert elapsed < 3
    assert rss_mb(local_bot.pid("rasa")) - before < 200
    status, replies = _http("POST", local_bot.rest_url, {"sender": "big", "message": "how is ocrevus given?"})
    assert status == 200 and any("infusion" in (r.get("text") or "") for r in replies)


def test_a_request_body_over_the_limit_is_refused(local_bot: LocalBot) -> None:
    """Refused on its announced length, before the body is read (the client's upload of the
    whole body could otherwise meet the closed connection first: a reset, not the 413)."""
    import http.client
    from urllib.parse import urlsplit

    url = urlsplit(local_bot.rest_url)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        connection.putrequest("POST", url.path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Content-Length", "2000000")
        connection.endheaders()
        connection.send(b'{"sender": "huge", "message": "' + b"a" * 60_000)
        assert connection.getresponse().status == 413
    finally:
        connection.close()


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(message=st.one_of(st.text(min_size=1, max_size=2500), JSON_VALUES))
def test_any_message_gets_an_answer_or_a_clear_refusal(local_bot: LocalBot, message: Any) -> None:
    status, answer = _http(
        "POST", local_bot.rest_url, {"sender": f"prop-{uuid.uuid4().hex[:8]}", "message": message}
    )
    assert status < 500
    if isinstance(message, str) and message.strip():
        assert status == 200 and answer, f"empty reply to {message!r}"
        assert all(isinstance(r, dict) for r in answer)
    else:
        assert status == 400 and answer["error"]


def _say(ask, sender: str, message: str) -> str:
    return "\n".join(r.get("text") or "" for r in ask(message, sender=sender))


def test_a_patient_can_have_the_conversation_deleted(ask, local_bot: LocalBot) -> None:
    sender = f"forget-{uuid.uuid4().hex[:8]}"
    assert "infusion" in _say(ask, sender, "my wombatberry question: how is ocrevus given")
    confirm = _say(ask, sender, "please delete my conversation and forget all my data")
    assert "delete this conversation" in confirm
    assert "deleted" in _say(ask, sender, "yes")
    status, tracker = _http("GET", local_bot.api_url(f"/conversations/{sender}/tracker"))
    assert (
        status == 200
        and tracker["events"] in ([], None)
        or not any("wombatberry" in json.dumps(event) for event in tracker["events"])
    )
    for path in local_bot.workdir.glob("tracker.db*"):
        assert b"wombatberry" not in path.read_bytes(), path.name
    assert "infusion" in _say(ask, sender, "how is ocrevus given")  # a new conversation goes on


def test_saying_no_keeps_the_conversation(ask, local_bot: LocalBot) -> None:
    sender = f"keep-{uuid.uuid4().hex[:8]}"
    _say(ask, sender, "my platypusfern question: how is ocrevus given")
    _say(ask, sender, "delete my data")
    assert "nothing was deleted" in _say(ask, sender, "no")
    status, tracker = _http("GET", local_bot.api_url(f"/conversations/{sender}/tracker"))
    assert status == 200 and "platypusfern" in json.dumps(tracker["events"])


def test_contact_details_of_a_ticket_stay_out_of_the_logs(ask, local_bot: LocalBot) -> None:
    sender = f"logs-{uuid.uuid4().hex[:8]}"
    email = f"unique-{uuid.uuid4().hex[:10]}@example.org"
    _say(ask, sender, "can I breastfeed on ocrevus")
    _say(ask, sender, "can a pharmacist call me?")
    _say(ask, sender, "Quentin Oddname")
    _say(ask, sender, email)
    _say(ask, sender, "evenings")
    _say(ask, sender, "/affirm")
    _say(ask, sender, "/affirm")
    done = _say(ask, sender, "/affirm")
    assert REFERENCE.search(done), done
    time.sleep(1)
    for log in local_bot.workdir.glob("*.log"):
        text = log.read_text(errors="replace")
        assert email not in text and "Quentin Oddname" not in text, log.name


def _post_from(local_bot: LocalBot, client: str, sender: str, message: str) -> int:
    body = json.dumps({"sender": sender, "message": message}).encode()
    headers = {"Content-Type": "application/json", "X-Forwarded-For": client}
    request = urllib.request.Request(local_bot.rest_url, data=body, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=60) as resp:  # noqa: S310 (local URL)
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_a_client_behind_the_proxy_that_floods_is_slowed_down(local_bot: LocalBot) -> None:
    # messages over the length limit cost no NLU, so the flood is quick; they count all the same
    flood = "x" * 3000
    statuses = [_post_from(local_bot, "198.51.100.23", "flooder", flood) for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    statuses = [_post_from(local_bot, "198.51.100.24", f"many-{i}", flood) for i in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429
    assert _post_from(local_bot, "198.51.100.25", "a-patient", "hello") == 200  # others go on

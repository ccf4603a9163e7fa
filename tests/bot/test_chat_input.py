"""What the chat channels accept, and the signed session ids and origins they check."""

from __future__ import annotations

import pytest

from bot.chat_input import (
    ChatInputError,
    domain_reply,
    failure_reply,
    read_payload,
    read_rest_body,
    too_long_reply,
)
from bot.origins import cors_origin, origin_allowed
from bot.session_ids import SessionSigner


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (None, "JSON object"),
        ([], "JSON object"),
        ({"message": "hi"}, '"sender"'),
        ({"sender": 7, "message": "hi"}, '"sender"'),
        ({"sender": "x" * 200, "message": "hi"}, '"sender"'),
        ({"sender": "a"}, '"message"'),
        ({"sender": "a", "message": 42}, '"message"'),
        ({"sender": "a", "message": ["hi"]}, '"message"'),
        ({"sender": "a", "message": "  "}, '"message"'),
        ({"sender": "a", "message": "hi", "metadata": "drug"}, '"metadata"'),
    ],
)
def test_a_bad_rest_body_names_the_field_at_fault(body, field):
    with pytest.raises(ChatInputError, match=field):
        read_rest_body(body)


def test_a_good_rest_body():
    message = read_rest_body(
        {"sender": "s1", "message": "how is it given?", "metadata": {"drug": "ocrelizumab"}}
    )
    assert (message.sender, message.text, message.metadata) == (
        "s1",
        "how is it given?",
        {"drug": "ocrelizumab"},
    )
    assert read_payload({"message": "hi"}) == ("hi", {})


def test_replies_that_need_no_nlu_come_from_the_domain():
    (too_long,) = too_long_reply(2000)
    assert "2,000 characters" in too_long["text"] and "911" in too_long["text"]
    apology, disclaimer = failure_reply()
    assert "Sorry" in apology["text"] and apology["buttons"][0]["payload"] == "/request_consultant"
    assert "not medical advice" in disclaimer["text"]
    assert "directly" not in apology["text"]  # no contact configured: none made up
    apology, _ = failure_reply("call 555-0100")
    assert apology["text"].startswith("Sorry") and apology["text"].endswith("directly: call 555-0100.")
    assert "reload the page" in domain_reply("session_missing")[0]["text"]
    assert "wait a moment" in domain_reply("rate_limited")[0]["text"]


def test_session_tokens_are_the_servers_own():
    signer = SessionSigner("a-secret-of-some-length")
    token = signer.issue()
    conversation = signer.conversation_id(token)
    assert conversation is not None and token.startswith(conversation + ".")
    assert SessionSigner("a-secret-of-some-length").conversation_id(token) == conversation  # shared secret
    assert SessionSigner("another-secret-entirely").conversation_id(token) is None
    assert signer.conversation_id(conversation) is None  # the bare id, unsigned
    signature = token.split(".")[1]
    forged = ("1" if signature[0] == "0" else "0") + signature[1:]
    assert signer.conversation_id(f"{conversation}.{forged}") is None  # a forged signature
    for junk in (None, 7, "", ".", "a.b.c", "x" * 500):
        assert signer.conversation_id(junk) is None
    assert signer.issue() != token


@pytest.mark.parametrize(
    ("origin", "allowed", "expected"),
    [
        ("https://pharmacy.example", ("https://pharmacy.example",), True),
        ("https://evil.example", ("https://pharmacy.example",), False),
        ("https://pharmacy.example.evil.example", ("https://pharmacy.example",), False),
        ("http://127.0.0.1:41234", ("http://127.0.0.1:*",), True),
        ("http://127.0.0.1.evil.example:80", ("http://127.0.0.1:*",), False),
        ("https://anything.example", ("*",), True),
        (None, ("https://pharmacy.example",), True),  # not a browser: no Origin header
    ],
)
def test_origins(origin, allowed, expected):
    assert origin_allowed(origin, allowed) is expected


def test_cors_origins_as_sanic_cors_reads_them():
    assert cors_origin("https://pharmacy.example") == "https://pharmacy.example"
    assert cors_origin("http://127.0.0.1:*") == r"^http://127\.0\.0\.1:\d{1,5}$"

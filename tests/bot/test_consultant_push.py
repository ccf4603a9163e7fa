"""A consultant's reply in the chat, piece by piece (issue 25, part 2): the checked push body,
the token check, the text the patient reads, the reply kept in a conversation of Rasa's own
in-memory tracker and lock stores and read back once, and the web app's side of the push
(what it knows without asking Rasa, and a Rasa server that does not answer)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

import pytest
from rasa.core.lock_store import InMemoryLockStore
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import consultant_push as push
from bot.localbot import free_port
from bot.tickets.chat_delivery import ChatDelivery, ChatPusher

BODY = {
    "conversation": "c0ffee",
    "text": "Hello Ada,\n<b>ibuprofen</b> is fine with it.",
    "consultant": "alice",
    "reference": "MC-7K3Q9",
    "reply_id": 12,
}


def test_a_push_body_becomes_a_reply_or_names_the_field_at_fault() -> None:
    reply = push.ConsultantReply.from_body(BODY)
    assert (reply.conversation, reply.consultant, reply.reference, reply.reply_id) == (
        "c0ffee",
        "alice",
        "MC-7K3Q9",
        12,
    )
    bad = {
        "reply_id": [{**BODY, "reply_id": "12"}, {**BODY, "reply_id": True}, {**BODY, "reply_id": 0}],
        "reference": [{**BODY, "reference": "nope"}, {**BODY, "reference": None}],
        "conversation": [{**BODY, "conversation": ""}, {**BODY, "conversation": "x" * 255}],
        "text": [{**BODY, "text": "   "}, {**BODY, "text": "x" * 5001}],
        "consultant": [{k: v for k, v in BODY.items() if k != "consultant"}],
        "JSON object": [[BODY], None],
    }
    for field, bodies in bad.items():
        for body in bodies:
            with pytest.raises(push.PushError, match=field):
                push.ConsultantReply.from_body(body)


def test_the_token_is_required_and_compared() -> None:
    statuses = [
        getattr(push.refusal(expected, given), "status", None)
        for expected, given in ((None, "x"), ("s3cret", None), ("s3cret", "wrong"), ("s3cret", "s3cret"))
    ]
    assert statuses == [503, 401, 403, None]
    assert push.given_token({"authorization": "Bearer abc"}) == "abc"
    assert push.given_token({}) is None
    assert push.given_token({"authorization": "Basic abc"}) is None


def test_the_patient_reads_who_wrote_for_which_request() -> None:
    reply = push.ConsultantReply.from_body(BODY)
    assert push.chat_text(reply) == (
        "Message from your consultant alice (request MC-7K3Q9): Hello Ada,\n<b>ibuprofen</b> is fine with it."
    )
    payload = push.live_payload(reply)
    assert payload["text"] == push.chat_text(reply)
    assert payload["consultant"] == {
        "reply_id": 12,
        "reference": "MC-7K3Q9",
        "name": "alice",
        "text": BODY["text"],
    }


def test_replies_are_read_back_from_events_and_their_dicts_once_each() -> None:
    first = push.reply_event(push.ConsultantReply.from_body(BODY))
    second = push.reply_event(push.ConsultantReply.from_body({**BODY, "reply_id": 13, "text": "Later"}))
    events: list[Any] = [UserUttered("hi"), BotUttered("a bot answer"), first, second, first]
    found = push.replies_in(events)
    assert [(r["reply_id"], r["text"]) for r in found] == [(12, BODY["text"]), (13, "Later")]
    assert found[0]["at"] == first.timestamp
    as_dicts = push.replies_in(e.as_dict() for e in events)
    assert as_dicts == found


def _agent() -> SimpleNamespace:
    domain = Domain.empty()
    return SimpleNamespace(
        domain=domain, tracker_store=InMemoryTrackerStore(domain), lock_store=InMemoryLockStore()
    )


def test_a_reply_is_kept_in_a_known_conversation_once() -> None:
    with ThreadPoolExecutor(1) as pool:  # a loop of its own, whatever runs in this thread
        pool.submit(asyncio.run, _keep_a_reply_once()).result()


async def _keep_a_reply_once() -> None:
    agent = _agent()
    reply = push.ConsultantReply.from_body(BODY)
    assert await push.append_reply(agent, reply) is False  # unknown conversation: nothing kept
    assert await agent.tracker_store.retrieve("c0ffee") is None

    tracker = DialogueStateTracker("c0ffee", slots=[])
    tracker.update(UserUttered("can I take ibuprofen?"))
    await agent.tracker_store.save(tracker)
    assert await push.append_reply(agent, reply) is True
    assert await push.append_reply(agent, reply) is True  # a retried push: still once
    kept = await agent.tracker_store.retrieve("c0ffee")
    bot = [e for e in kept.events if isinstance(e, BotUttered)]
    assert [e.text for e in bot] == [push.chat_text(reply)]
    assert [r["reply_id"] for r in await push.stored_replies(agent, "c0ffee")] == [12]
    assert await push.stored_replies(agent, "unknown") == []


def test_the_web_app_knows_some_deliveries_without_asking_rasa() -> None:
    ready = ChatPusher("http://127.0.0.1:1", "token")
    assert ready.before_push(None) == ChatDelivery("no_chat")
    assert ready.before_push("c0ffee") is None
    assert ChatPusher("http://127.0.0.1:1", None).before_push("c0ffee") == ChatDelivery("not_configured")
    with pytest.raises(ValueError):
        ChatDelivery("sent")


def test_a_rasa_server_that_does_not_answer_is_a_failed_delivery() -> None:
    pusher = ChatPusher(f"http://127.0.0.1:{free_port()}", "token", timeout=2)
    delivery = pusher.push(
        conversation="c0ffee", text="hi", consultant="alice", reference="MC-7K3Q9", reply_id=1
    )
    assert delivery.status == "failed" and "Connection" in (delivery.detail or "")

"""A consultant's reply in the patient's chat, on the Rasa side.

Owns what ``POST /webhooks/socketio/consultant_reply`` (:mod:`bot.channels`) does with a
reply sent from a ticket: the secret check (:func:`refusal`, ``CHAT_PUSH_SECRET``), the checked
body (:class:`ConsultantReply`), the text the patient reads (:func:`chat_text`), the
``BotUttered`` event it becomes in the conversation (:func:`append_reply`, under Rasa's lock
store, as Rasa's own ``/conversations/<id>/tracker/events`` appends events), the
``bot_uttered`` payload a live socket gets (:func:`live_payload`), and reading the replies
of a conversation back (:func:`stored_replies`) for a patient who comes back. Sockets are
the channel's business: nothing here emits.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from rasa.shared.core.events import BotUttered

from bot.tickets.drafts import MAX_QUESTION
from bot.tickets.references import is_reference

MARKER = "consultant_reply"  # the key in the BotUttered metadata
REPLAY_EVENT = "consultant_replies"  # socket.io event: {"replies": [marker + "at", ...]}
MAX_CONVERSATION = 254  # tickets.sender_id
MAX_NAME = 100  # consultants.username


class PushError(ValueError):
    """The body of a push is not a consultant reply; the message names the field."""


@dataclass(frozen=True)
class Refusal:
    """Why a push is refused before its body is read."""

    status: int
    message: str


@dataclass(frozen=True)
class ConsultantReply:
    """One reply of a consultant to the conversation of a ticket."""

    conversation: str
    text: str
    consultant: str
    reference: str
    reply_id: int

    @classmethod
    def from_body(cls, body: Any) -> ConsultantReply:
        """The reply of a JSON body ``{"conversation", "text", "consultant", "reference",
        "reply_id"}``; :class:`PushError` names the first field at fault."""
        if not isinstance(body, dict):
            raise PushError("the body must be a JSON object")
        reply_id = body.get("reply_id")
        if isinstance(reply_id, bool) or not isinstance(reply_id, int) or reply_id <= 0:
            raise PushError("reply_id must be a positive whole number")
        reference = _field(body, "reference", 16)
        if not is_reference(reference):
            raise PushError("reference must be a request reference such as MC-7K3Q9")
        return cls(
            conversation=_field(body, "conversation", MAX_CONVERSATION),
            text=_field(body, "text", MAX_QUESTION),
            consultant=_field(body, "consultant", MAX_NAME),
            reference=reference,
            reply_id=reply_id,
        )

    def marker(self) -> dict[str, Any]:
        """What marks the message as this reply, for the widget (``reply_id`` to show it once)."""
        return {
            "reply_id": self.reply_id,
            "reference": self.reference,
            "name": self.consultant,
            "text": self.text,
        }


def _field(body: Mapping[str, Any], name: str, limit: int) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise PushError(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise PushError(f"{name} is longer than {limit} characters")
    return value.strip()


def refusal(expected: str | None, given: str | None) -> Refusal | None:
    """None when ``given`` is the push secret ``expected`` (``CHAT_PUSH_SECRET``); else why not
    (503 without one configured: the push is off, 401 without one given, 403 for a wrong one)."""
    if not expected:
        return Refusal(503, "consultant replies are off: CHAT_PUSH_SECRET is not set on this server")
    if not given:
        return Refusal(401, "give the push secret: Authorization: Bearer <CHAT_PUSH_SECRET>")
    if not hmac.compare_digest(given.encode(), expected.encode()):
        return Refusal(403, "wrong token")
    return None


def given_token(headers: Mapping[str, str]) -> str | None:
    """The secret of a request, from ``Authorization: Bearer ...`` only (never the URL: query
    strings end up in access logs)."""
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def chat_text(reply: ConsultantReply) -> str:
    """The reply as the patient reads it in the chat, whatever client shows it."""
    return f"Message from your consultant {reply.consultant} (request {reply.reference}): {reply.text}"


def live_payload(reply: ConsultantReply) -> dict[str, Any]:
    """The ``bot_uttered`` message of the reply: text as other bot messages, plus the marker."""
    return {"text": chat_text(reply), "consultant": reply.marker()}


def reply_event(reply: ConsultantReply) -> BotUttered:
    """The reply as it is kept in the conversation."""
    return BotUttered(text=chat_text(reply), data={}, metadata={MARKER: reply.marker()})


def replies_in(events: Iterable[Any]) -> list[dict[str, Any]]:
    """The consultant replies among ``events`` (Rasa events or their dicts), oldest first,
    each once: the marker with ``at`` (the event's timestamp)."""
    found: dict[int, dict[str, Any]] = {}
    for event in events:
        if isinstance(event, BotUttered):
            metadata, timestamp = event.metadata, event.timestamp
        elif isinstance(event, dict) and event.get("event") == BotUttered.type_name:
            metadata, timestamp = event.get("metadata") or {}, event.get("timestamp")
        else:
            continue
        marker = metadata.get(MARKER) if isinstance(metadata, dict) else None
        if isinstance(marker, dict) and isinstance(marker.get("reply_id"), int):
            found.setdefault(marker["reply_id"], {**marker, "at": timestamp})
    return list(found.values())


async def append_reply(agent: Any, reply: ConsultantReply) -> bool:
    """Keep ``reply`` in its conversation; False when the conversation is unknown. A reply
    already kept (a retried push) is not kept twice. The store's failures are the caller's to
    watch (:func:`bot.store_guard.watching`): the fail-safe store reads a failure as unknown."""
    async with agent.lock_store.lock(reply.conversation):
        tracker = await agent.tracker_store.retrieve(reply.conversation)
        if tracker is None:
            return False
        if any(r["reply_id"] == reply.reply_id for r in replies_in(tracker.events)):
            return True
        tracker.update(reply_event(reply), agent.domain)
        await agent.tracker_store.save(tracker)
    return True


async def stored_replies(agent: Any, conversation: str) -> list[dict[str, Any]]:
    """The consultant replies kept in ``conversation`` (every session of it), oldest first."""
    tracker = await agent.tracker_store.retrieve_full_tracker(conversation)
    return [] if tracker is None else replies_in(tracker.events)

"""What a chat channel accepts from a client, and the replies that need no NLU.

Owns the checks both chat channels (REST and socket.io) run before a message reaches Rasa:
the body is a JSON object, ``sender`` and ``message`` are non-empty strings of bounded
length, ``metadata`` an object; a message over ``MAX_MESSAGE_CHARS`` is not read at all but
answered with ``message_too_long``. Also the apology shown when something fails, so that a
patient never meets silence. The texts live in ``answer_templates`` of domain.yml.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

log = logging.getLogger(__name__)

MAX_SENDER_CHARS = 128


class ChatInputError(ValueError):
    """A request a client must fix (answered with 400 and this message)."""


@dataclass(frozen=True)
class ChatMessage:
    """One patient message as a channel received it."""

    sender: str
    text: str
    metadata: dict[str, Any]


def read_rest_body(body: object) -> ChatMessage:
    """The message in a REST webhook body, or :class:`ChatInputError` naming the field."""
    if not isinstance(body, dict):
        raise ChatInputError('the body must be a JSON object like {"sender": "...", "message": "..."}')
    sender = body.get("sender")
    if not isinstance(sender, str) or not sender.strip():
        raise ChatInputError('"sender" must be a non-empty string')
    if len(sender) > MAX_SENDER_CHARS:
        raise ChatInputError(f'"sender" must be at most {MAX_SENDER_CHARS} characters')
    text, metadata = read_payload(body)
    return ChatMessage(sender=sender, text=text, metadata=metadata)


def read_payload(data: object) -> tuple[str, dict[str, Any]]:
    """Text and metadata of a message (REST body or socket.io ``user_uttered`` payload)."""
    if not isinstance(data, dict):
        raise ChatInputError("the message must be a JSON object")
    text = data.get("message")
    if not isinstance(text, str):
        raise ChatInputError('"message" must be a string')
    if not text.strip():
        raise ChatInputError('"message" must not be empty')
    metadata = data.get("metadata")
    if metadata is None:
        metadata = {}
    if not isinstance(metadata, dict):
        raise ChatInputError('"metadata" must be a JSON object')
    return text, metadata


def domain_reply(name: str, **values: Any) -> list[dict[str, Any]]:
    """Template ``name`` of the domain's ``answer_templates`` as one bot message.

    ``message_too_long``, ``rate_limited``, ``session_missing``, ``conversation_forgotten``,
    ``forget_failed``: answers the channels give without the NLU.
    """
    from actions.phrases import buttons, phrase

    message: dict[str, Any] = {"text": phrase(name, **values)}
    if buttons(name):
        message["buttons"] = buttons(name)
    return [message]


def too_long_reply(limit: int) -> list[dict[str, Any]]:
    """The answer to a message over ``limit`` characters (its text is never read)."""
    return domain_reply("message_too_long", limit=f"{limit:,}")


def is_urgent(message: dict[str, Any]) -> bool:
    """Whether a bot message carries the ``custom.urgent`` marker of a red-flag reply."""
    custom = message.get("custom")
    return isinstance(custom, dict) and custom.get("urgent") is True


def failure_reply(contact: str | None = None) -> list[dict[str, Any]]:
    """What the patient sees when something failed: apology, a consultant (and how to reach one
    directly, ``CONSULTANT_CONTACT``, since the handoff form may be down too), the disclaimer."""
    try:
        apology = domain_reply("action_failed")
        if contact:
            apology[0]["text"] += " " + domain_reply("consultant_contact", contact=contact)[0]["text"]
        return [*apology, *domain_reply("disclaimer")]
    except Exception:  # the domain itself is unreadable: still never leave the patient in silence
        log.exception("the action_failed template could not be read")
        text = "Sorry, something went wrong on my side. Please try again, or ask to talk to a consultant."
        return [{"text": text}]

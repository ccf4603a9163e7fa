"""What the chat hands to the filing service, and what it gets back.

Owns :class:`TicketDraft` (a ticket as the patient confirmed it), :class:`TranscriptEntry`
(one line of the conversation), :class:`FiledTicket` (the reference the patient is given),
the draft's validation, and its JSON form (used by the outbox).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Literal

from bot.tickets.errors import ConsentRequiredError, IncompleteDraftError

Role = Literal["patient", "bot"]
ROLES: tuple[Role, ...] = ("patient", "bot")

MAX_NAME = 200
MAX_CONTACT = 254
MAX_QUESTION = 5000
MAX_SHORT = 200

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_PHONE_CHARS = re.compile(r"^[0-9+()./\s-]+$")


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(timezone.utc)


def as_utc(moment: datetime) -> datetime:
    """``moment`` in UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc)


@dataclass(frozen=True)
class TranscriptEntry:
    """One message of the conversation: who said it, what, and when (UTC).

    The optional fields carry what the consultant needs to read it right: ``payload``,
    the raw payload of a button the patient pressed (``text`` is then the button's title,
    "No preference" rather than "/deny"); ``buttons``, the titles of the buttons a bot
    message offered; ``urgency``, the level of a bot message that answered a red flag
    (``emergency``, ``same_day``, ``poisoning``, ``crisis``); ``red_flags``, the red-flag
    keys (``drug/flag``) found in a patient's message or answered by that bot message.
    """

    role: Role
    text: str
    timestamp: datetime
    payload: str | None = None
    buttons: tuple[str, ...] = ()
    urgency: str | None = None
    red_flags: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "role": self.role,
            "text": self.text,
            "timestamp": as_utc(self.timestamp).isoformat(),
        }
        if self.payload is not None:
            data["payload"] = self.payload
        if self.buttons:
            data["buttons"] = list(self.buttons)
        if self.urgency is not None:
            data["urgency"] = self.urgency
        if self.red_flags:
            data["red_flags"] = list(self.red_flags)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TranscriptEntry:
        role = data.get("role")
        if role not in ROLES:
            raise IncompleteDraftError("transcript", f"role must be 'patient' or 'bot', not {role!r}")
        timestamp = data.get("timestamp")
        if isinstance(timestamp, (int, float)):
            moment = datetime.fromtimestamp(timestamp, timezone.utc)
        elif isinstance(timestamp, str):
            moment = as_utc(datetime.fromisoformat(timestamp))
        elif isinstance(timestamp, datetime):
            moment = as_utc(timestamp)
        else:
            raise IncompleteDraftError("transcript", f"timestamp {timestamp!r} is not a time")
        payload = data.get("payload")
        urgency = data.get("urgency")
        return cls(
            role=role,
            text=str(data.get("text") or ""),
            timestamp=moment,
            payload=str(payload) if payload is not None else None,
            buttons=_strings(data.get("buttons")),
            urgency=str(urgency) if urgency else None,
            red_flags=_strings(data.get("red_flags")),
        )


def _strings(value: Any) -> tuple[str, ...]:
    """A list of strings from stored JSON (anything else: empty)."""
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(str(item) for item in value if isinstance(item, (str, int, float)))


@dataclass(frozen=True)
class TicketDraft:
    """A ticket as the patient confirmed it in the chat, before it has a reference.

    ``consent`` must be True (the patient agreed to be contacted and to have the
    conversation kept for this purpose); at least one of ``email`` and ``phone`` is
    needed. ``consented_at`` defaults to the time of filing. ``urgent`` is set when a
    red flag came up in the conversation.
    """

    patient_name: str
    question: str
    consent: bool
    email: str | None = None
    phone: str | None = None
    best_time: str | None = None
    drug: str | None = None
    topic: str | None = None
    urgent: bool = False
    consented_at: datetime | None = None
    sender_id: str | None = None
    transcript: Sequence[TranscriptEntry] = field(default_factory=tuple)

    def validated(self, now: datetime | None = None) -> TicketDraft:
        """A cleaned copy (stripped text, UTC times, tuple transcript) or a DraftError."""
        if self.consent is not True:
            raise ConsentRequiredError()
        name = _required(self.patient_name, "patient_name", MAX_NAME)
        question = _required(self.question, "question", MAX_QUESTION)
        email = _optional(self.email, "email", MAX_CONTACT)
        phone = _optional(self.phone, "phone", MAX_CONTACT)
        if email is None and phone is None:
            raise IncompleteDraftError("email", "an email address or a phone number is needed")
        if email is not None and not _EMAIL.match(email):
            raise IncompleteDraftError("email", f"{email!r} is not an email address")
        if phone is not None and (not _PHONE_CHARS.match(phone) or sum(c.isdigit() for c in phone) < 6):
            raise IncompleteDraftError("phone", f"{phone!r} is not a phone number")
        transcript = tuple(self.transcript)
        for entry in transcript:
            if not isinstance(entry, TranscriptEntry):
                raise IncompleteDraftError("transcript", "entries must be TranscriptEntry objects")
            if entry.role not in ROLES:
                raise IncompleteDraftError("transcript", f"role {entry.role!r} is not patient or bot")
        return replace(
            self,
            patient_name=name,
            question=question,
            email=email,
            phone=phone,
            best_time=_optional(self.best_time, "best_time", MAX_SHORT),
            drug=_optional(self.drug, "drug", MAX_SHORT),
            topic=_optional(self.topic, "topic", MAX_SHORT),
            urgent=bool(self.urgent),
            consented_at=as_utc(self.consented_at or now or utcnow()),
            sender_id=_optional(self.sender_id, "sender_id", MAX_CONTACT),
            transcript=tuple(replace(e, timestamp=as_utc(e.timestamp)) for e in transcript),
        )

    def to_dict(self) -> dict[str, Any]:
        """The draft as JSON-ready data (the outbox's file format)."""
        return {
            "patient_name": self.patient_name,
            "question": self.question,
            "consent": self.consent,
            "email": self.email,
            "phone": self.phone,
            "best_time": self.best_time,
            "drug": self.drug,
            "topic": self.topic,
            "urgent": self.urgent,
            "consented_at": as_utc(self.consented_at).isoformat() if self.consented_at else None,
            "sender_id": self.sender_id,
            "transcript": [entry.to_dict() for entry in self.transcript],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketDraft:
        consented_at = data.get("consented_at")
        return cls(
            patient_name=str(data.get("patient_name") or ""),
            question=str(data.get("question") or ""),
            consent=data.get("consent") is True,
            email=data.get("email"),
            phone=data.get("phone"),
            best_time=data.get("best_time"),
            drug=data.get("drug"),
            topic=data.get("topic"),
            urgent=bool(data.get("urgent")),
            consented_at=as_utc(datetime.fromisoformat(consented_at)) if consented_at else None,
            sender_id=data.get("sender_id"),
            transcript=tuple(TranscriptEntry.from_dict(e) for e in data.get("transcript") or ()),
        )


@dataclass(frozen=True)
class FiledTicket:
    """The result of filing: the reference to give the patient.

    ``queued`` is True when the database could not be reached and the ticket waits in
    the local outbox; it keeps the same reference when it is delivered.
    """

    reference: str
    queued: bool = False
    urgent: bool = False


def _required(value: str | None, name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise IncompleteDraftError(name, "must not be empty")
    if len(text) > limit:
        raise IncompleteDraftError(name, f"is longer than {limit} characters")
    return text


def _optional(value: str | None, name: str, limit: int) -> str | None:
    text = (value or "").strip()
    if len(text) > limit:
        raise IncompleteDraftError(name, f"is longer than {limit} characters")
    return text or None

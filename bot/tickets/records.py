"""Read-only views of tickets, handed out by the repository.

Owns :class:`TicketRecord`, :class:`TicketEventRecord`, :class:`TicketTransitionRecord`,
:class:`ReplyRecord`, :class:`ContactRecord`, :class:`TicketPage` and
:class:`InboxSummary`: plain frozen dataclasses copied out of the database session (so
no ORM object leaks out of an operation), and their JSON forms: ``to_dict`` (``python -m
bot tickets list --json``), ``to_summary_dict`` (a list of the API, no transcript) and
``to_detail_dict`` (one ticket of the API, with transcript, audit trail and history).
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any, TypeVar

from bot.tickets.drafts import TranscriptEntry
from bot.tickets.models import Ticket

R = TypeVar("R", bound="_Row")


class _Row:
    """A record copied field by field from the ORM row of the same field names; its JSON
    form has the same names, times in ISO 8601."""

    def to_dict(self) -> dict[str, Any]:
        values = ((f.name, getattr(self, f.name)) for f in fields(self))  # type: ignore[arg-type]
        return {name: v.isoformat() if isinstance(v, datetime) else v for name, v in values}

    @classmethod
    def from_model(cls: type[R], row: Any) -> R:
        return cls(**{f.name: getattr(row, f.name) for f in fields(cls)})  # type: ignore[arg-type]


@dataclass(frozen=True)
class TicketEventRecord(_Row):
    """One line of the audit trail (a TicketEvent row)."""

    at: datetime
    actor: str
    action: str
    detail: str | None


@dataclass(frozen=True)
class TicketTransitionRecord(_Row):
    """One change of status or assignee (a TicketTransition row)."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    assigned_to: str | None
    detail: str | None


@dataclass(frozen=True)
class ReplyRecord(_Row):
    """A consultant's reply to the patient and how it went out by email and to the chat
    (a TicketReply row; ``chat_status`` None: kept before replies reached the chat)."""

    id: int
    at: datetime
    author: str
    text: str
    email_to: str | None
    email_status: str
    email_detail: str | None
    chat_status: str | None = None
    chat_detail: str | None = None


@dataclass(frozen=True)
class ContactRecord(_Row):
    """One attempt to reach the patient (a TicketContact row)."""

    at: datetime
    actor: str
    kind: str
    note: str | None
    reply_id: int | None


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as stored, with its transcript and (when loaded) its audit trail."""

    reference: str
    status: str
    created_at: datetime
    updated_at: datetime
    patient_name: str
    email: str | None
    phone: str | None
    best_time: str | None
    question: str
    drug: str | None
    topic: str | None
    urgent: bool
    consent: bool
    consented_at: datetime
    sender_id: str | None
    transcript: tuple[TranscriptEntry, ...]
    assigned_to: str | None
    events: tuple[TicketEventRecord, ...] = ()
    history: tuple[TicketTransitionRecord, ...] = ()
    test: bool = False
    replies: tuple[ReplyRecord, ...] = ()
    contacts: tuple[ContactRecord, ...] = ()

    def to_summary_dict(self) -> dict[str, Any]:
        """Every field but the transcript, the audit trail and the history."""
        full = self.to_dict()
        del full["transcript"], full["events"]
        return full | {"test": self.test}

    def to_detail_dict(self) -> dict[str, Any]:
        """Every field with the transcript, the audit trail, the history, the replies and the
        contact attempts."""
        return self.to_dict() | {
            "test": self.test,
            "history": [row.to_dict() for row in self.history],
            "replies": [reply.to_dict() for reply in self.replies],
            "contacts": [contact.to_dict() for contact in self.contacts],
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "status": self.status,
            "created_at": self.created_at.isoformat(),
            "updated_at": self.updated_at.isoformat(),
            "patient_name": self.patient_name,
            "email": self.email,
            "phone": self.phone,
            "best_time": self.best_time,
            "question": self.question,
            "drug": self.drug,
            "topic": self.topic,
            "urgent": self.urgent,
            "consent": self.consent,
            "consented_at": self.consented_at.isoformat(),
            "sender_id": self.sender_id,
            "assigned_to": self.assigned_to,
            "transcript": [entry.to_dict() for entry in self.transcript],
            "events": [event.to_dict() for event in self.events],
        }

    @classmethod
    def from_model(
        cls, ticket: Ticket, with_events: bool = True, with_transcript: bool = True
    ) -> TicketRecord:
        """A copy of ``ticket``; without events its audit trail, history, replies and
        contact attempts are left empty."""
        return cls(
            reference=ticket.reference,
            status=ticket.status,
            created_at=ticket.created_at,
            updated_at=ticket.updated_at,
            patient_name=ticket.patient_name,
            email=ticket.email,
            phone=ticket.phone,
            best_time=ticket.best_time,
            question=ticket.question,
            drug=ticket.drug,
            topic=ticket.topic,
            urgent=bool(ticket.urgent),
            consent=bool(ticket.consent),
            consented_at=ticket.consented_at,
            sender_id=ticket.sender_id,
            transcript=(
                tuple(TranscriptEntry.from_dict(e) for e in ticket.transcript or ())
                if with_transcript
                else ()
            ),
            assigned_to=ticket.assigned_to.username if ticket.assigned_to else None,
            events=(tuple(TicketEventRecord.from_model(e) for e in ticket.events) if with_events else ()),
            history=(
                tuple(TicketTransitionRecord.from_model(h) for h in ticket.history) if with_events else ()
            ),
            test=bool(ticket.test),
            replies=tuple(ReplyRecord.from_model(r) for r in ticket.replies) if with_events else (),
            contacts=tuple(ContactRecord.from_model(c) for c in ticket.contacts) if with_events else (),
        )


@dataclass(frozen=True)
class TicketPage:
    """One page of a ticket list: the tickets (without transcripts) and where to go on."""

    tickets: tuple[TicketRecord, ...]
    total: int
    next_cursor: str | None
    prev_cursor: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "tickets": [ticket.to_summary_dict() for ticket in self.tickets],
            "total": self.total,
            "next_cursor": self.next_cursor,
            "prev_cursor": self.prev_cursor,
        }


@dataclass(frozen=True)
class InboxSummary:
    """What an open inbox polls for: how many open tickets, and how many were filed since
    the ticket it was showing as newest (``since``)."""

    open: int
    open_urgent: int
    latest_id: int
    new_since: int
    new_urgent_since: int
    newest_reference: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "open": self.open,
            "open_urgent": self.open_urgent,
            "latest_id": self.latest_id,
            "new_since": self.new_since,
            "new_urgent_since": self.new_urgent_since,
            "newest_reference": self.newest_reference,
        }

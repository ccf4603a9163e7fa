"""Read-only views of tickets, handed out by the repository.

Owns :class:`TicketRecord`, :class:`TicketEventRecord`, :class:`TicketTransitionRecord`
and :class:`TicketPage`: plain frozen dataclasses copied out of the database session (so
no ORM object leaks out of an operation), and their JSON forms: ``to_dict`` (``python -m
bot tickets list --json``), ``to_summary_dict`` (a list of the API, no transcript) and
``to_detail_dict`` (one ticket of the API, with transcript, audit trail and history).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.tickets.drafts import TranscriptEntry
from bot.tickets.models import Ticket, TicketEvent, TicketTransition


@dataclass(frozen=True)
class TicketEventRecord:
    """One line of the audit trail."""

    at: datetime
    actor: str
    action: str
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "detail": self.detail,
        }

    @classmethod
    def from_model(cls, event: TicketEvent) -> TicketEventRecord:
        return cls(at=event.at, actor=event.actor, action=event.action, detail=event.detail)


@dataclass(frozen=True)
class TicketTransitionRecord:
    """One change of status or assignee."""

    at: datetime
    actor: str
    action: str
    from_status: str | None
    to_status: str
    assigned_to: str | None
    detail: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "from_status": self.from_status,
            "to_status": self.to_status,
            "assigned_to": self.assigned_to,
            "detail": self.detail,
        }

    @classmethod
    def from_model(cls, row: TicketTransition) -> TicketTransitionRecord:
        return cls(
            at=row.at,
            actor=row.actor,
            action=row.action,
            from_status=row.from_status,
            to_status=row.to_status,
            assigned_to=row.assigned_to,
            detail=row.detail,
        )


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

    def to_summary_dict(self) -> dict[str, Any]:
        """Every field but the transcript, the audit trail and the history."""
        full = self.to_dict()
        del full["transcript"], full["events"]
        return full

    def to_detail_dict(self) -> dict[str, Any]:
        """Every field with the transcript, the audit trail, the history and the replies."""
        return self.to_dict() | {"history": [row.to_dict() for row in self.history], "replies": []}

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
        """A copy of ``ticket``; without events its audit trail and history are left empty."""
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

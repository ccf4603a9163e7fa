"""Read-only views of tickets, handed out by the repository.

Owns :class:`TicketRecord` and :class:`TicketEventRecord`: plain frozen dataclasses
copied out of the database session (so no ORM object leaks out of an operation), and
their JSON form (``python -m bot tickets list --json`` and the web API).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.tickets.drafts import TranscriptEntry
from bot.tickets.models import Ticket, TicketEvent


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
    def from_model(cls, ticket: Ticket, with_events: bool = True) -> TicketRecord:
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
            transcript=tuple(TranscriptEntry.from_dict(e) for e in ticket.transcript or ()),
            assigned_to=ticket.assigned_to.username if ticket.assigned_to else None,
            events=(tuple(TicketEventRecord.from_model(e) for e in ticket.events) if with_events else ()),
        )

"""Tickets in business terms: file, list, get, claim, add a note, resolve.

Owns every query and change of the ``tickets`` and ``ticket_events`` tables. Each method
is one operation in its own short session and transaction, and every change writes an
audit event. Claiming is a conditional UPDATE (``... WHERE status = 'new'``), so of two
consultants claiming at once exactly one wins, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from bot.tickets.db import get_engine, session_factory
from bot.tickets.drafts import MAX_QUESTION, TicketDraft, utcnow
from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyFiledError,
    AlreadyResolvedError,
    ConsultantError,
    IncompleteDraftError,
    ReferenceTakenError,
    TicketNotFoundError,
)
from bot.tickets.models import STATUSES, Consultant, Ticket, TicketEvent
from bot.tickets.records import TicketRecord

PATIENT = "patient"
SYSTEM = "system"


class TicketRepository:
    """The tickets store; safe to share between threads (it holds no session)."""

    def __init__(self, engine: Engine) -> None:
        self._sessions = session_factory(engine)

    @classmethod
    def for_url(cls, url: str) -> TicketRepository:
        return cls(get_engine(url))

    def file(
        self,
        draft: TicketDraft,
        *,
        reference: str,
        filing_id: str,
        filed_at: datetime | None = None,
        detail: str = "filed from the chat",
    ) -> TicketRecord:
        """Store a draft as a new ticket with status ``new``.

        Raises AlreadyFiledError when ``filing_id`` was stored before (the ticket is not
        duplicated) and ReferenceTakenError when another ticket has ``reference``.
        """
        clean = draft.validated()
        now = utcnow()
        created = filed_at or now
        ticket = Ticket(
            reference=reference,
            filing_id=filing_id,
            status="new",
            created_at=created,
            updated_at=now,
            patient_name=clean.patient_name,
            email=clean.email,
            phone=clean.phone,
            best_time=clean.best_time,
            question=clean.question,
            drug=clean.drug,
            topic=clean.topic,
            urgent=clean.urgent,
            consent=True,
            consented_at=clean.consented_at,
            sender_id=clean.sender_id,
            transcript=[entry.to_dict() for entry in clean.transcript],
        )
        ticket.events.append(TicketEvent(at=now, actor=PATIENT, action="filed", detail=detail))
        try:
            with self._sessions.begin() as session:
                session.add(ticket)
                session.flush()
                return _load(session, reference)
        except IntegrityError:
            with self._sessions() as session:
                existing = session.execute(
                    select(Ticket.reference).where(Ticket.filing_id == filing_id)
                ).scalar_one_or_none()
                if existing is not None:
                    raise AlreadyFiledError(existing) from None
                taken = session.execute(
                    select(Ticket.id).where(Ticket.reference == reference)
                ).scalar_one_or_none()
            if taken is not None:
                raise ReferenceTakenError(reference) from None
            raise

    def find_by_filing_id(self, filing_id: str) -> str | None:
        """The reference of the ticket filed under ``filing_id``, if any."""
        with self._sessions() as session:
            reference = session.execute(
                select(Ticket.reference).where(Ticket.filing_id == filing_id)
            ).scalar_one_or_none()
        return None if reference is None else str(reference)

    def list_tickets(
        self,
        *,
        status: str | None = None,
        urgent: bool | None = None,
        drug: str | None = None,
        limit: int | None = None,
        with_events: bool = False,
    ) -> list[TicketRecord]:
        """Tickets matching the filters, urgent first, then newest first."""
        if status is not None and status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        query = select(Ticket)
        if status is not None:
            query = query.where(Ticket.status == status)
        if urgent is not None:
            query = query.where(Ticket.urgent.is_(urgent))
        if drug:
            query = query.where(func.lower(Ticket.drug) == drug.strip().lower())
        query = query.order_by(Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id.desc())
        if with_events:
            query = query.options(selectinload(Ticket.events))
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            tickets = session.execute(query).unique().scalars().all()
            return [TicketRecord.from_model(t, with_events=with_events) for t in tickets]

    def export_all(self) -> list[TicketRecord]:
        """Every ticket with transcript and audit trail, oldest first (for scripts)."""
        query = select(Ticket).options(selectinload(Ticket.events)).order_by(Ticket.created_at, Ticket.id)
        with self._sessions() as session:
            tickets = session.execute(query).unique().scalars().all()
            return [TicketRecord.from_model(t) for t in tickets]

    def drugs(self) -> list[str]:
        """The distinct drugs named on tickets (case-insensitively), for the inbox's filter."""
        with self._sessions() as session:
            rows = session.execute(select(Ticket.drug).where(Ticket.drug.is_not(None)).distinct()).scalars()
            unique = {drug.lower(): drug for drug in sorted(rows, reverse=True) if drug}
        return sorted(unique.values(), key=str.lower)

    def get(self, reference: str) -> TicketRecord:
        """The ticket with its transcript and audit trail; TicketNotFoundError if none."""
        with self._sessions() as session:
            return _load(session, reference)

    def claim(self, reference: str, consultant: str) -> TicketRecord:
        """Assign a new ticket to ``consultant``; AlreadyClaimedError if someone was first.

        Claiming again a ticket one holds already is not an error (a double click).
        """
        now = utcnow()
        with self._sessions.begin() as session:
            consultant_id = _consultant_id(session, consultant)
            result = session.execute(
                update(Ticket)
                .where(Ticket.reference == reference, Ticket.status == "new")
                .values(status="claimed", assigned_to_id=consultant_id, updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                _add_event(session, reference, now, consultant, "claimed", None)
                return _load(session, reference)
            record = _load(session, reference)
        if record.status == "resolved":
            raise AlreadyResolvedError(reference)
        if record.assigned_to == consultant:
            return record
        raise AlreadyClaimedError(reference, record.assigned_to)

    def add_note(self, reference: str, consultant: str, text: str) -> TicketRecord:
        """Add a consultant's note to the audit trail."""
        note = text.strip()
        if not note:
            raise IncompleteDraftError("note", "must not be empty")
        if len(note) > MAX_QUESTION:
            raise IncompleteDraftError("note", f"is longer than {MAX_QUESTION} characters")
        now = utcnow()
        with self._sessions.begin() as session:
            _consultant_id(session, consultant)
            result = session.execute(
                update(Ticket)
                .where(Ticket.reference == reference)
                .values(updated_at=now)
                .execution_options(synchronize_session=False)
            )
            if result.rowcount != 1:
                raise TicketNotFoundError(reference)
            _add_event(session, reference, now, consultant, "note", note)
            return _load(session, reference)

    def resolve(self, reference: str, consultant: str, note: str | None = None) -> TicketRecord:
        """Mark a ticket resolved (from new or claimed); AlreadyResolvedError if it is."""
        now = utcnow()
        detail = (note or "").strip() or None
        with self._sessions.begin() as session:
            consultant_id = _consultant_id(session, consultant)
            result = session.execute(
                update(Ticket)
                .where(Ticket.reference == reference, Ticket.status != "resolved")
                .values(
                    status="resolved",
                    updated_at=now,
                    assigned_to_id=func.coalesce(Ticket.assigned_to_id, consultant_id),
                )
                .execution_options(synchronize_session=False)
            )
            if result.rowcount == 1:
                _add_event(session, reference, now, consultant, "resolved", detail)
                return _load(session, reference)
            _load(session, reference)  # raises TicketNotFoundError
        raise AlreadyResolvedError(reference)

    def record_event(self, reference: str, actor: str, action: str, detail: str | None) -> None:
        """Add a system event (for example an outbox delivery) to the audit trail."""
        with self._sessions.begin() as session:
            ticket_id = session.execute(
                select(Ticket.id).where(Ticket.reference == reference)
            ).scalar_one_or_none()
            if ticket_id is None:
                raise TicketNotFoundError(reference)
            session.add(
                TicketEvent(ticket_id=ticket_id, at=utcnow(), actor=actor, action=action, detail=detail)
            )


def _load(session: Session, reference: str) -> TicketRecord:
    ticket = (
        session.execute(
            select(Ticket)
            .options(selectinload(Ticket.events))
            .where(Ticket.reference == reference)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )
    if ticket is None:
        raise TicketNotFoundError(reference)
    return TicketRecord.from_model(ticket)


def _consultant_id(session: Session, username: str) -> int:
    consultant_id = session.execute(
        select(Consultant.id).where(Consultant.username == username, Consultant.active.is_(True))
    ).scalar_one_or_none()
    if consultant_id is None:
        raise ConsultantError(f"no active consultant named {username!r}")
    return int(consultant_id)


def _add_event(
    session: Session,
    reference: str,
    at: datetime,
    actor: str,
    action: str,
    detail: str | None,
) -> None:
    ticket_id = session.execute(select(Ticket.id).where(Ticket.reference == reference)).scalar_one()
    session.add(TicketEvent(ticket_id=ticket_id, at=at, actor=actor, action=action, detail=detail))
    session.flush()

"""Tickets in business terms: file, list, search and page, get, claim, add a note, the
lifecycle (unclaim, reassign, wait for the patient, resume, resolve, reopen), replies to
the patient and contact attempts, and the inbox's live summary.

Owns every query and change of the ``tickets``, ``ticket_events``, ``ticket_history``,
``ticket_replies`` and ``ticket_contacts`` tables. Tickets filed by test runs (senders
``convtest-...`` and ``t-...``, :func:`is_test_sender`) are marked ``test`` and left out
of lists, pages, drugs and the summary unless ``include_test`` is asked for.

Each method is one operation in its own short session and transaction; every change
writes an audit event, and every change of status or assignee a history row.
Claiming is a conditional UPDATE (``... WHERE status = 'new'``), so of two consultants
claiming at once exactly one wins, on SQLite and PostgreSQL alike; the other transitions
are conditional on the status and assignee they were decided on (``bot.tickets.lifecycle``
decides who may do what). The acting consultant's role is read at each operation, so a
new role counts at once.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, defer, selectinload

from bot.tickets import lifecycle
from bot.tickets.db import get_engine, session_factory
from bot.tickets.drafts import MAX_QUESTION, TicketDraft, utcnow
from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyFiledError,
    AlreadyResolvedError,
    ConsultantError,
    IncompleteDraftError,
    ReferenceTakenError,
    TicketChangedError,
    TicketNotFoundError,
)
from bot.tickets.models import (
    CHAT_DELIVERIES,
    DELIVERIES,
    LOGGED_CONTACT_KINDS,
    OPEN_STATUSES,
    STATUSES,
    Consultant,
    Ticket,
    TicketContact,
    TicketEvent,
    TicketReply,
    TicketTransition,
)
from bot.tickets.records import InboxSummary, TicketPage, TicketRecord
from bot.tickets.search import Cursor, inbox_order, matches, search_terms, search_text

PATIENT = "patient"
SYSTEM = "system"
MAX_PAGE = 200
TRANSITION_ATTEMPTS = 3
TEST_SENDER_PREFIXES = ("convtest-", "t-")
# What the audit trail says for each kind of contact attempt.
CONTACT_LABELS = {
    "reply_email": "reply sent by email",
    "reply_failed": "reply not delivered by email",
    "reply_recorded": "reply recorded (not emailed)",
    "call": "call made",
    "no_answer": "called, no answer",
    "email": "email sent",
}


def is_test_sender(sender_id: str | None) -> bool:
    """True for the senders of test runs: ``convtest-...`` (conversation tests) and
    ``t-...`` (end-to-end tests)."""
    return bool(sender_id) and str(sender_id).startswith(TEST_SENDER_PREFIXES)


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
            test=is_test_sender(clean.sender_id),
        )
        ticket.search_text = search_text(
            reference=reference,
            patient_name=clean.patient_name,
            email=clean.email,
            phone=clean.phone,
            question=clean.question,
            transcript=ticket.transcript,
        )
        ticket.events.append(TicketEvent(at=now, actor=PATIENT, action="filed", detail=detail))
        ticket.history.append(
            TicketTransition(
                at=now, actor=PATIENT, action="filed", from_status=None, to_status="new", detail=detail
            )
        )
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
        statuses: Sequence[str] | None = None,
        include_test: bool = False,
    ) -> list[TicketRecord]:
        """Tickets matching the filters (``status``, or any of ``statuses``), urgent first,
        then newest first; test tickets only with ``include_test``."""
        wanted = [status] if status is not None else list(statuses or ())
        for one in wanted:
            if one not in STATUSES:
                raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {one!r}")
        query = select(Ticket)
        if not include_test:
            query = query.where(Ticket.test.is_(False))
        if wanted:
            query = query.where(Ticket.status.in_(wanted))
        if urgent is not None:
            query = query.where(Ticket.urgent.is_(urgent))
        if drug:
            query = query.where(func.lower(Ticket.drug) == drug.strip().lower())
        query = query.order_by(Ticket.urgent.desc(), Ticket.created_at.desc(), Ticket.id.desc())
        if with_events:
            query = query.options(*_DETAILS)
        if limit is not None:
            query = query.limit(limit)
        with self._sessions() as session:
            tickets = session.execute(query).unique().scalars().all()
            return [TicketRecord.from_model(t, with_events=with_events) for t in tickets]

    def export_all(self) -> list[TicketRecord]:
        """Every ticket with transcript and audit trail, oldest first (for scripts)."""
        query = select(Ticket).options(*_DETAILS).order_by(Ticket.created_at, Ticket.id)
        with self._sessions() as session:
            tickets = session.execute(query).unique().scalars().all()
            return [TicketRecord.from_model(t) for t in tickets]

    def page(
        self,
        *,
        statuses: Sequence[str] | None = None,
        urgent: bool | None = None,
        drug: str | None = None,
        query: str | None = None,
        limit: int = 50,
        cursor: str | None = None,
        include_test: bool = False,
    ) -> TicketPage:
        """One page of tickets in the inbox order, without transcripts.

        Open urgent tickets first, then open ones, each oldest first, then resolved ones,
        newest first. ``statuses`` keeps only those; ``query`` keeps tickets whose name,
        contact, reference, question or transcript contain every word (any case);
        ``cursor`` is a ``next_cursor``/``prev_cursor`` of an earlier page
        (InvalidCursorError if malformed). Test tickets only with ``include_test``.
        """
        if not 1 <= limit <= MAX_PAGE:
            raise ValueError(f"limit must be between 1 and {MAX_PAGE}, not {limit}")
        position = Cursor.decode(cursor) if cursor else None
        conditions = self.conditions(
            statuses=statuses, urgent=urgent, drug=drug, query=query, include_test=include_test
        )
        backward = position is not None and position.backward
        rows_query = (
            select(Ticket)
            .where(*conditions)
            .options(defer(Ticket.transcript), defer(Ticket.search_text))
            .order_by(*inbox_order(backward))
            .limit(limit + 1)
        )
        if position is not None:
            rows_query = rows_query.where(position.beyond())
        with self._sessions() as session:
            total = session.execute(select(func.count(Ticket.id)).where(*conditions)).scalar_one()
            rows = list(session.execute(rows_query).unique().scalars().all())
            more = len(rows) > limit
            rows = rows[:limit]
            if backward:
                rows.reverse()
            records = tuple(
                TicketRecord.from_model(t, with_events=False, with_transcript=False) for t in rows
            )
            first, last = (Cursor.of(rows[0]), Cursor.of(rows[-1])) if rows else (None, None)
        # Going forward, there is a previous page if we started from a cursor; backward, a
        # next one. The far side has more only if the query found an extra row.
        has_next = (not backward and more) or (backward and position is not None)
        has_prev = (backward and more) or (not backward and position is not None)
        return TicketPage(
            tickets=records,
            total=int(total),
            next_cursor=last.encode() if has_next and last else None,
            prev_cursor=Cursor(first.bucket, first.created_at, first.id, True).encode()
            if has_prev and first
            else None,
        )

    def conditions(
        self,
        *,
        statuses: Sequence[str] | None = None,
        urgent: bool | None = None,
        drug: str | None = None,
        query: str | None = None,
        include_test: bool = False,
    ) -> list[Any]:
        """The WHERE conditions of a filtered list (the inbox's filters and search)."""
        for status in statuses or ():
            if status not in STATUSES:
                raise ValueError(f"status must be one of {', '.join(STATUSES)}, not {status!r}")
        conditions: list[Any] = []
        if not include_test:
            conditions.append(Ticket.test.is_(False))
        if statuses:
            conditions.append(Ticket.status.in_(list(statuses)))
        if urgent is not None:
            conditions.append(Ticket.urgent.is_(urgent))
        if drug:
            conditions.append(func.lower(Ticket.drug) == drug.strip().lower())
        terms = search_terms(query)
        if terms:
            conditions.append(matches(terms))
        return conditions

    def export(
        self,
        *,
        statuses: Sequence[str] | None = None,
        urgent: bool | None = None,
        drug: str | None = None,
        query: str | None = None,
        include_test: bool = False,
        limit: int = 10_000,
    ) -> list[TicketRecord]:
        """Every ticket of a filtered list (at most ``limit``), in the inbox order, without
        transcripts (for the CSV export)."""
        rows_query = (
            select(Ticket)
            .where(
                *self.conditions(
                    statuses=statuses, urgent=urgent, drug=drug, query=query, include_test=include_test
                )
            )
            .options(defer(Ticket.transcript), defer(Ticket.search_text))
            .order_by(*inbox_order())
            .limit(limit)
        )
        with self._sessions() as session:
            rows = session.execute(rows_query).unique().scalars().all()
            return [TicketRecord.from_model(t, with_events=False, with_transcript=False) for t in rows]

    def summary(self, *, since: int | None = None, include_test: bool = False) -> InboxSummary:
        """Counts for an open inbox: open and open urgent tickets, and those filed after the
        ticket with id ``since`` (``latest_id`` of an earlier summary, or of the page)."""
        shown = [] if include_test else [Ticket.test.is_(False)]
        is_open = Ticket.status.in_(OPEN_STATUSES)
        after = Ticket.id > (since if since is not None else 2**62)
        with self._sessions() as session:
            row = session.execute(
                select(
                    func.count(case((is_open, 1))),
                    func.count(case((is_open & Ticket.urgent.is_(True), 1))),
                    func.coalesce(func.max(Ticket.id), 0),
                    func.count(case((after, 1))),
                    func.count(case((after & Ticket.urgent.is_(True), 1))),
                ).where(*shown)
            ).one()
            newest = session.execute(
                select(Ticket.reference).where(*shown).order_by(Ticket.id.desc()).limit(1)
            ).scalar_one_or_none()
        return InboxSummary(
            open=int(row[0]),
            open_urgent=int(row[1]),
            latest_id=int(row[2]),
            new_since=int(row[3]),
            new_urgent_since=int(row[4]),
            newest_reference=newest,
        )

    def drugs(self, include_test: bool = False) -> list[str]:
        """The distinct drugs named on tickets (case-insensitively), for the inbox's filter."""
        shown = [] if include_test else [Ticket.test.is_(False)]
        with self._sessions() as session:
            rows = session.execute(
                select(Ticket.drug).where(Ticket.drug.is_not(None), *shown).distinct()
            ).scalars()
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
                _add_history(
                    session,
                    reference,
                    lifecycle.Change("claimed", "new", "claimed", consultant),
                    now,
                    consultant,
                )
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
        """Mark a ticket resolved from any open status, whoever holds it.

        The administrative resolve of scripts and old callers: it checks no ownership and
        keeps the holder (or assigns the resolver to an unclaimed ticket). The inbox and
        the API use :meth:`transition` (``"resolve"``), which only the assignee or a lead
        may do. AlreadyResolvedError if it is resolved.
        """
        return self._transition(reference, consultant, lifecycle.RESOLVE, note=note, check_owner=False)

    def transition(
        self,
        reference: str,
        consultant: str,
        action: str,
        *,
        to: str | None = None,
        reopen_to: str = "claimed",
        note: str | None = None,
    ) -> TicketRecord:
        """Apply a lifecycle ``action`` (``bot.tickets.lifecycle.ACTIONS``) as ``consultant``.

        ``to`` names the new assignee of ``reassign`` (an active consultant);
        ``reopen_to`` is ``claimed`` (by ``consultant``) or ``new``; ``note`` is kept
        with the change. Raises NotAllowedError (not the assignee, not a lead),
        TicketStateError and its kinds (the status does not allow it), ConsultantError
        (an unknown or inactive consultant) and TicketNotFoundError.
        """
        if action == lifecycle.CLAIM:
            return self.claim(reference, consultant)
        if action not in lifecycle.ACTIONS:
            raise ValueError(f"action must be one of {', '.join(lifecycle.ACTIONS)}, not {action!r}")
        if action == lifecycle.REASSIGN and not (to or "").strip():
            raise ConsultantError("name the consultant to reassign the ticket to")
        return self._transition(
            reference, consultant, action, target=(to or "").strip() or None, reopen_to=reopen_to, note=note
        )

    def unclaim(self, reference: str, consultant: str, note: str | None = None) -> TicketRecord:
        """Put a claimed or waiting ticket back in the queue (status ``new``)."""
        return self.transition(reference, consultant, lifecycle.UNCLAIM, note=note)

    def reassign(self, reference: str, consultant: str, to: str, note: str | None = None) -> TicketRecord:
        """Hand the ticket to another active consultant."""
        return self.transition(reference, consultant, lifecycle.REASSIGN, to=to, note=note)

    def wait_for_patient(self, reference: str, consultant: str, note: str | None = None) -> TicketRecord:
        """Mark a claimed ticket as waiting for the patient's answer."""
        return self.transition(reference, consultant, lifecycle.WAIT, note=note)

    def resume(self, reference: str, consultant: str, note: str | None = None) -> TicketRecord:
        """Take a ticket back from waiting for the patient (status ``claimed``)."""
        return self.transition(reference, consultant, lifecycle.RESUME, note=note)

    def reopen(
        self, reference: str, consultant: str, *, to: str = "claimed", note: str | None = None
    ) -> TicketRecord:
        """Reopen a resolved ticket: claimed by ``consultant``, or ``new`` for the queue."""
        return self.transition(reference, consultant, lifecycle.REOPEN, reopen_to=to, note=note)

    def _transition(
        self,
        reference: str,
        consultant: str,
        action: str,
        *,
        target: str | None = None,
        reopen_to: str = "claimed",
        note: str | None = None,
        check_owner: bool = True,
    ) -> TicketRecord:
        note = (note or "").strip() or None
        if note and len(note) > MAX_QUESTION:
            raise IncompleteDraftError("note", f"is longer than {MAX_QUESTION} characters")
        for _ in range(TRANSITION_ATTEMPTS):
            now = utcnow()
            with self._sessions.begin() as session:
                actor_id, role = _actor(session, consultant)
                row = session.execute(
                    select(Ticket.id, Ticket.status, Ticket.assigned_to_id, Consultant.username)
                    .outerjoin(Consultant, Ticket.assigned_to_id == Consultant.id)
                    .where(Ticket.reference == reference)
                ).one_or_none()
                if row is None:
                    raise TicketNotFoundError(reference)
                ticket_id, status, assignee_id, assignee = row
                change = lifecycle.plan(
                    reference,
                    action,
                    status=status,
                    assignee=assignee,
                    actor=consultant,
                    role=role,
                    target=target,
                    reopen_to=reopen_to,
                    check_owner=check_owner,
                )
                target_id = _actor(session, target)[0] if target else None
                # The new assignee is nobody, the old one, the actor or the target.
                ids = {None: None, assignee: assignee_id, consultant: actor_id, target: target_id}
                same_holder = (
                    Ticket.assigned_to_id.is_(None)
                    if assignee_id is None
                    else Ticket.assigned_to_id == assignee_id
                )
                result = session.execute(
                    update(Ticket)
                    .where(Ticket.id == ticket_id, Ticket.status == status, same_holder)
                    .values(status=change.to_status, assigned_to_id=ids[change.assignee], updated_at=now)
                    .execution_options(synchronize_session=False)
                )
                if result.rowcount == 1:
                    detail = _detail(change, assignee, note)
                    _add_event(session, reference, now, consultant, change.action, detail)
                    _add_history(session, reference, change, now, consultant, detail)
                    return _load(session, reference)
        raise TicketChangedError(reference)

    def check_contact(self, reference: str, consultant: str, action: str = lifecycle.REPLY) -> TicketRecord:
        """The ticket, if ``consultant`` may reply to its patient or log a contact
        (``bot.tickets.lifecycle.check_contact``); else NotAllowedError, NotClaimedError,
        AlreadyResolvedError, ConsultantError or TicketNotFoundError."""
        with self._sessions() as session:
            _, role = _actor(session, consultant)
            record = _load(session, reference)
        lifecycle.check_contact(
            reference,
            action,
            status=record.status,
            assignee=record.assigned_to,
            actor=consultant,
            role=role,
        )
        return record

    def record_reply(
        self,
        reference: str,
        consultant: str,
        text: str,
        *,
        email_to: str | None,
        email_status: str,
        email_detail: str | None = None,
        chat_status: str | None = None,
        chat_detail: str | None = None,
    ) -> TicketRecord:
        """Keep a reply to the patient (already sent, or not) with its contact attempt and
        its audit event. Nothing is checked but the ticket: a reply that went out is
        recorded even if the ticket changed meanwhile (check first with
        :meth:`check_contact`). How it reached the chat may follow
        (:meth:`record_chat_delivery`)."""
        clean = clean_text(text, "reply")
        if email_status not in DELIVERIES:
            raise ValueError(f"email_status must be one of {', '.join(DELIVERIES)}, not {email_status!r}")
        _check_chat_status(chat_status)
        kind = {"sent": "reply_email", "failed": "reply_failed"}.get(email_status, "reply_recorded")
        now = utcnow()
        with self._sessions.begin() as session:
            ticket_id = _ticket_id(session, reference)
            reply = TicketReply(
                ticket_id=ticket_id,
                at=now,
                author=consultant,
                text=clean,
                email_to=email_to,
                email_status=email_status,
                email_detail=email_detail,
                chat_status=chat_status,
                chat_detail=chat_detail,
            )
            session.add(reply)
            session.flush()
            note = {
                "sent": f"to {email_to}",
                "failed": f"to {email_to}: {email_detail or 'failed'}",
                "no_email": "the patient left no email address",
                "not_configured": "email is not configured on this server (SMTP_HOST)",
            }[email_status]
            session.add(
                TicketContact(
                    ticket_id=ticket_id, at=now, actor=consultant, kind=kind, note=note, reply_id=reply.id
                )
            )
            _touch(session, ticket_id, now)
            detail = f"{CONTACT_LABELS[kind]} ({note}): {clean}"
            _add_event(session, reference, now, consultant, "reply", detail)
            return _load(session, reference)

    def record_chat_delivery(
        self, reference: str, reply_id: int, chat_status: str, chat_detail: str | None = None
    ) -> TicketRecord:
        """Keep how reply ``reply_id`` of ``reference`` reached the patient's chat."""
        _check_chat_status(chat_status)
        with self._sessions.begin() as session:
            ticket_id = _ticket_id(session, reference)
            updated = session.execute(
                update(TicketReply)
                .where(TicketReply.id == reply_id, TicketReply.ticket_id == ticket_id)
                .values(chat_status=chat_status, chat_detail=chat_detail)
            )
            if updated.rowcount != 1:
                raise ValueError(f"ticket {reference} has no reply {reply_id}")
            return _load(session, reference)

    def log_contact(
        self, reference: str, consultant: str, kind: str, note: str | None = None
    ) -> TicketRecord:
        """Log an attempt to reach the patient: ``call``, ``no_answer`` or ``email`` (sent
        from the consultant's own mail client), as the holder or a lead."""
        if kind not in LOGGED_CONTACT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(LOGGED_CONTACT_KINDS)}, not {kind!r}")
        clean = clean_text(note, "note", required=False)
        now = utcnow()
        with self._sessions.begin() as session:
            _, role = _actor(session, consultant)
            row = session.execute(
                select(Ticket.id, Ticket.status, Consultant.username)
                .outerjoin(Consultant, Ticket.assigned_to_id == Consultant.id)
                .where(Ticket.reference == reference)
            ).one_or_none()
            if row is None:
                raise TicketNotFoundError(reference)
            ticket_id, status, assignee = row
            lifecycle.check_contact(
                reference, lifecycle.CONTACT, status=status, assignee=assignee, actor=consultant, role=role
            )
            session.add(TicketContact(ticket_id=ticket_id, at=now, actor=consultant, kind=kind, note=clean))
            _touch(session, ticket_id, now)
            label = CONTACT_LABELS[kind]
            detail = f"{label}: {clean}" if clean else label
            _add_event(session, reference, now, consultant, "contact", detail)
            return _load(session, reference)

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


_DETAILS = (
    selectinload(Ticket.events),
    selectinload(Ticket.history),
    selectinload(Ticket.replies),
    selectinload(Ticket.contacts),
)


def clean_text(text: str | None, name: str, *, required: bool = True) -> str | None:
    """``text`` stripped; IncompleteDraftError when empty (if ``required``) or too long."""
    clean = (text or "").strip()
    if not clean:
        if required:
            raise IncompleteDraftError(name, "must not be empty")
        return None
    if len(clean) > MAX_QUESTION:
        raise IncompleteDraftError(name, f"is longer than {MAX_QUESTION} characters")
    return clean


def _check_chat_status(chat_status: str | None) -> None:
    if chat_status is not None and chat_status not in CHAT_DELIVERIES:
        raise ValueError(f"chat_status must be one of {', '.join(CHAT_DELIVERIES)}, not {chat_status!r}")


def _ticket_id(session: Session, reference: str) -> int:
    ticket_id = session.execute(select(Ticket.id).where(Ticket.reference == reference)).scalar_one_or_none()
    if ticket_id is None:
        raise TicketNotFoundError(reference)
    return int(ticket_id)


def _touch(session: Session, ticket_id: int, now: datetime) -> None:
    session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id)
        .values(updated_at=now)
        .execution_options(synchronize_session=False)
    )


def _load(session: Session, reference: str) -> TicketRecord:
    ticket = (
        session.execute(
            select(Ticket)
            .options(*_DETAILS)
            .where(Ticket.reference == reference)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one_or_none()
    )
    if ticket is None:
        raise TicketNotFoundError(reference)
    return TicketRecord.from_model(ticket)


def _actor(session: Session, username: str) -> tuple[int, str]:
    """The id and role of an active consultant; ConsultantError if there is none."""
    row = session.execute(
        select(Consultant.id, Consultant.role).where(
            Consultant.username == username, Consultant.active.is_(True)
        )
    ).one_or_none()
    if row is None:
        raise ConsultantError(f"no active consultant named {username!r}")
    return int(row[0]), str(row[1])


def _detail(change: lifecycle.Change, assignee: str | None, note: str | None) -> str | None:
    """What the audit trail and the history say beside the action."""
    if change.action == "resolved":
        return note  # the outcome, as before
    facts = []
    if change.action == "reassigned":
        facts.append(f"to {change.assignee}" + (f" (from {assignee})" if assignee else ""))
    elif change.action == "unclaimed" and assignee:
        facts.append(f"released from {assignee}")
    elif change.action == "reopened":
        facts.append("claimed by the reopener" if change.to_status == "claimed" else "back in the queue")
    if note:
        facts.append(note)
    return "; ".join(facts) or None


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


def _add_history(
    session: Session,
    reference: str,
    change: lifecycle.Change,
    at: datetime,
    actor: str,
    detail: str | None = None,
) -> None:
    ticket_id = session.execute(select(Ticket.id).where(Ticket.reference == reference)).scalar_one()
    session.add(
        TicketTransition(
            ticket_id=ticket_id,
            at=at,
            actor=actor,
            action=change.action,
            from_status=change.from_status,
            to_status=change.to_status,
            assigned_to=change.assignee,
            detail=detail,
        )
    )
    session.flush()

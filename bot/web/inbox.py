"""The consultant inbox pages: the ticket list, a ticket, and its actions.

Owns ``/inbox`` (one page of tickets with search and filters: status, default "open" =
new, claimed and waiting for the patient; urgency; drug; test tickets only when asked;
in the inbox order, open urgent first, then open, each oldest first; resolved last;
next/previous by cursor; each ticket's age and an overdue marker past
``TICKET_OVERDUE_AFTER``; a live badge when new tickets arrive, polled by
``/static/inbox.js``), ``/inbox/export.csv`` (the filtered list as CSV),
``/inbox/tickets/<reference>`` (the red flag and its turn, contact details, question,
reply and contact forms, transcript, replies and contact attempts, status history, audit
trail, and the actions the consultant may take) and the POST actions claim, note,
resolve, unclaim, reassign, waiting, resume, reopen, reply and contact, each followed by
a redirect back to the ticket with a fixed message (nothing the user typed is reflected).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, raw, redirect

from bot.tickets import lifecycle
from bot.tickets.chat_delivery import ChatPusher
from bot.tickets.drafts import utcnow
from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyResolvedError,
    ConsultantError,
    DraftError,
    InvalidCursorError,
    NotAllowedError,
    NotClaimedError,
    TicketChangedError,
    TicketError,
    TicketNotFoundError,
    TicketStateError,
)
from bot.tickets.models import LOGGED_CONTACT_KINDS, OPEN_STATUSES, STATUSES
from bot.tickets.records import InboxSummary, ReplyRecord, TicketPage, TicketRecord
from bot.tickets.references import is_reference, normalize_reference
from bot.tickets.replies import PatientMailer, send_reply
from bot.tickets.repository import CONTACT_LABELS, TicketRepository
from bot.web.auth import current_session, login_required
from bot.web.state import run_blocking, state_of
from bot.web.templating import render
from bot.web.triage import age, is_overdue, patient_text, red_flag

blueprint = Blueprint("inbox", url_prefix="/inbox")

MESSAGES = {
    "claimed": "You claimed this ticket.",
    "noted": "Your note was added.",
    "resolved": "The ticket is resolved.",
    "unclaimed": "The ticket is back in the queue.",
    "reassigned": "The ticket was reassigned.",
    "waiting": "The ticket is waiting for the patient.",
    "resumed": "The ticket is no longer waiting for the patient.",
    "reopened": "The ticket was reopened.",
    "already_claimed": "Another consultant claimed this ticket first.",
    "already_resolved": "This ticket is already resolved.",
    "empty_note": "The note was empty; nothing was added.",
    "long_note": "The note is too long; nothing was changed.",
    "not_allowed": "Only the consultant who holds this ticket, or a lead, can do that.",
    "not_claimed": "Nobody holds this ticket: claim it first.",
    "bad_state": "The ticket's status does not allow that; it may have just changed.",
    "changed": "Someone else changed this ticket at the same moment; check it and try again.",
    "unknown_consultant": "That consultant cannot take tickets (unknown or disabled).",
    "reply_sent": "Your reply was emailed to the patient and kept on the ticket.",
    "reply_failed": "Your reply is kept on the ticket, but the email could not be sent: call the patient.",
    "reply_no_email": "Your reply is kept on the ticket; the patient left no email address: call them.",
    "reply_not_configured": "Your reply is kept on the ticket; email is not set up on this server.",
    "reply_sent_chat_live": (
        "Your reply was emailed to the patient, shown in their open chat and kept on the ticket."
    ),
    "reply_sent_chat_waiting": (
        "Your reply was emailed to the patient and kept on the ticket; "
        "their chat shows it when they come back."
    ),
    "reply_chat_live": (
        "Your reply was shown in the patient's open chat and kept on the ticket (not emailed)."
    ),
    "reply_chat_waiting": (
        "Your reply is kept on the ticket and the patient's chat shows it when they come back "
        "(not emailed): call them if it cannot wait."
    ),
    "empty_reply": "The reply was empty; nothing was sent.",
    "long_reply": "The reply is too long; nothing was sent.",
    "contact_logged": "The contact attempt was logged.",
    "bad_contact": "Choose what kind of contact it was.",
}
ERRORS = {
    "already_claimed",
    "already_resolved",
    "empty_note",
    "long_note",
    "not_allowed",
    "not_claimed",
    "bad_state",
    "changed",
    "unknown_consultant",
    "reply_failed",
    "empty_reply",
    "long_reply",
    "bad_contact",
}
STATUS_LABELS = {
    "new": "New",
    "claimed": "Claimed",
    "waiting_for_patient": "Waiting for patient",
    "resolved": "Resolved",
}
VIEWS = {"": OPEN_STATUSES, "open": OPEN_STATUSES, "all": None} | {s: (s,) for s in STATUSES}
URGENCY_FILTERS = {"": None, "urgent": True, "not_urgent": False}
PAGE_SIZE = 50
EXPORT_LIMIT = 10_000
TRUE_ARGS = {"1", "true", "yes", "on"}
CONTACT_KIND_LABELS = {
    "call": "Called the patient",
    "no_answer": "Called, no answer",
    "email": "Emailed from my own mail client",
}
DELIVERY_LABELS = {
    "sent": "emailed",
    "failed": "email failed",
    "no_email": "not emailed (no address)",
    "not_configured": "not emailed (email not set up)",
}
CHAT_LABELS = {
    "live": "shown in the patient's open chat",
    "waiting": "in the chat, shown when the patient comes back",
    "no_chat": "not in the chat (no conversation)",
    "failed": "not in the chat (delivery failed)",
    "not_configured": "not in the chat (not set up: RASA_API_TOKEN)",
}
CSV_COLUMNS = (
    "reference",
    "status",
    "urgent",
    "overdue",
    "filed_at_utc",
    "age_hours",
    "patient_name",
    "email",
    "phone",
    "best_time",
    "drug",
    "topic",
    "assigned_to",
    "question",
    "test",
)


@dataclass(frozen=True)
class ListFilters:
    """The filters of the ticket list, as the inbox and its CSV export read them."""

    status: str
    urgency: str
    drug: str
    q: str
    include_test: bool

    @classmethod
    def of(cls, request: Request) -> ListFilters:
        status = request.args.get("status", "")
        urgency = request.args.get("urgency", "")
        return cls(
            status=status if status in VIEWS and status != "open" else "",
            urgency=urgency if urgency in URGENCY_FILTERS else "",
            drug=(request.args.get("drug") or "").strip()[:200],
            q=(request.args.get("q") or "").strip()[:200],
            include_test=(request.args.get("include_test") or "").lower() in TRUE_ARGS,
        )

    @property
    def filtered(self) -> bool:
        return bool(self.status or self.urgency or self.drug or self.q or self.include_test)

    def kept(self) -> dict[str, str]:
        """The filters to keep in links (next page, export), without empty ones."""
        values = {"status": self.status, "urgency": self.urgency, "drug": self.drug, "q": self.q}
        kept = {name: value for name, value in values.items() if value}
        if self.include_test:
            kept["include_test"] = "1"
        return kept

    def query_args(self) -> dict[str, Any]:
        """The repository's arguments for these filters."""
        return {
            "statuses": VIEWS[self.status],
            "urgent": URGENCY_FILTERS[self.urgency],
            "drug": self.drug or None,
            "query": self.q or None,
            "include_test": self.include_test,
        }


@blueprint.get("")
@login_required
async def ticket_list(request: Request) -> HTTPResponse:
    state = state_of(request)
    filters = ListFilters.of(request)

    def load(cursor: str | None) -> tuple[TicketPage, list[str], InboxSummary]:
        page = state.tickets.page(**filters.query_args(), limit=PAGE_SIZE, cursor=cursor)
        summary = state.tickets.summary(include_test=filters.include_test)
        return page, state.tickets.drugs(include_test=filters.include_test), summary

    try:
        page, drugs, summary = await run_blocking(request, load, request.args.get("cursor") or None)
    except InvalidCursorError:
        page, drugs, summary = await run_blocking(request, load, None)
    kept = filters.kept()
    now = utcnow()
    after = state.settings.ticket_overdue_after
    return render(
        state.templates,
        "inbox.html",
        title="Inbox",
        session=await current_session(request),
        page=page,
        tickets=page.tickets,
        overdue={t.reference for t in page.tickets if is_overdue(t, now, after)},
        ages={t.reference: age(t, now) for t in page.tickets},
        overdue_after=_duration(after.total_seconds()),
        drugs=drugs,
        statuses=STATUSES,
        labels=STATUS_LABELS,
        filters=filters,
        filtered=filters.filtered,
        summary=summary,
        export_url="/inbox/export.csv" + ("?" + urlencode(kept) if kept else ""),
        next_url=_list_url(kept, page.next_cursor),
        prev_url=_list_url(kept, page.prev_cursor),
    )


@blueprint.get("/export.csv")
@login_required
async def export_csv(request: Request) -> HTTPResponse:
    """The filtered list (every page, up to 10,000 tickets) as CSV, in the inbox order."""
    state = state_of(request)
    filters = ListFilters.of(request)
    tickets = await run_blocking(
        request, lambda: state.tickets.export(**filters.query_args(), limit=EXPORT_LIMIT)
    )
    return csv_response(tickets, state.settings.ticket_overdue_after.total_seconds())


def csv_response(tickets: list[TicketRecord], overdue_after_seconds: float) -> HTTPResponse:
    """Tickets as a CSV download (UTF-8 with a byte-order mark, for spreadsheets)."""
    now = utcnow()
    after = timedelta(seconds=overdue_after_seconds)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for ticket in tickets:
        writer.writerow(
            [
                ticket.reference,
                ticket.status,
                "yes" if ticket.urgent else "no",
                "yes" if is_overdue(ticket, now, after) else "no",
                ticket.created_at.isoformat(),
                f"{(now - ticket.created_at).total_seconds() / 3600:.1f}",
                _cell(ticket.patient_name),
                _cell(ticket.email),
                _cell(ticket.phone),
                _cell(ticket.best_time),
                _cell(ticket.drug),
                _cell(ticket.topic),
                ticket.assigned_to or "",
                _cell(ticket.question),
                "yes" if ticket.test else "no",
            ]
        )
    stamp = now.strftime("%Y%m%d-%H%M")
    return raw(
        ("\ufeff" + out.getvalue()).encode("utf-8"),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="tickets-{stamp}.csv"'},
    )


def _cell(value: str | None) -> str:
    """A patient's text as a CSV cell a spreadsheet will not run as a formula."""
    text = value or ""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _duration(seconds: float) -> str:
    if seconds % 86400 == 0:
        days = int(seconds // 86400)
        return f"{days} day" + ("s" if days != 1 else "")
    if seconds % 3600 == 0:
        return f"{int(seconds // 3600)} h"
    return f"{int(seconds // 60)} min"


@blueprint.get("/tickets/<reference>")
@login_required
async def ticket_page(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    session = await current_session(request)
    assert session is not None  # guaranteed by login_required
    username = session.consultant.username
    reference = normalize_reference(reference)
    if not is_reference(reference):
        return _not_found(request, reference)

    def load() -> tuple[TicketRecord, str, list[str]]:
        ticket = state.tickets.get(reference)
        role = state.consultants.role_of(username) or "consultant"
        return ticket, role, state.consultants.active_usernames()

    try:
        ticket, role, active = await run_blocking(request, load)
    except TicketNotFoundError:
        return _not_found(request, reference)
    message_code = request.args.get("message", "")
    allowed = lifecycle.allowed_actions(
        status=ticket.status, assignee=ticket.assigned_to, actor=username, role=role
    )
    now = utcnow()
    return render(
        state.templates,
        "ticket.html",
        title=f"Ticket {ticket.reference}",
        session=session,
        ticket=ticket,
        labels=STATUS_LABELS,
        allowed=allowed,
        role=role,
        assignees=[name for name in active if name != ticket.assigned_to],
        message=MESSAGES.get(message_code),
        message_is_error=message_code in ERRORS,
        red_flag=red_flag(ticket),
        patient_text=patient_text,
        overdue=is_overdue(ticket, now, state.settings.ticket_overdue_after),
        age=age(ticket, now),
        may_contact=lifecycle.may_contact(
            status=ticket.status, assignee=ticket.assigned_to, actor=username, role=role
        ),
        email_ready=PatientMailer(state.settings.smtp).configured,
        contact_kinds=CONTACT_KIND_LABELS,
        contact_labels=CONTACT_LABELS,
        delivery_labels=DELIVERY_LABELS,
        chat_labels=CHAT_LABELS,
        chat_ready=ChatPusher.from_settings(state.settings).configured,
    )


@blueprint.post("/tickets/<reference>/claim")
@login_required
async def claim(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    username = await _username(request)
    try:
        await run_blocking(request, state.tickets.claim, reference, username)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except AlreadyClaimedError:
        return _back(reference, "already_claimed")
    except AlreadyResolvedError:
        return _back(reference, "already_resolved")
    return _back(reference, "claimed")


@blueprint.post("/tickets/<reference>/notes")
@login_required
async def add_note(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    username = await _username(request)
    text = request.form.get("note") or ""
    try:
        await run_blocking(request, state.tickets.add_note, reference, username, text)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except DraftError:
        return _back(reference, "empty_note")
    return _back(reference, "noted")


@blueprint.post("/tickets/<reference>/resolve")
@login_required
async def resolve(request: Request, reference: str) -> HTTPResponse:
    """Resolve; on a new ticket the form says "Claim and resolve" and claims it first."""
    return await _transition(request, reference, lifecycle.RESOLVE, "resolved", claim_first=True)


@blueprint.post("/tickets/<reference>/unclaim")
@login_required
async def unclaim(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.UNCLAIM, "unclaimed")


@blueprint.post("/tickets/<reference>/reassign")
@login_required
async def reassign(request: Request, reference: str) -> HTTPResponse:
    to = (request.form.get("to") or "").strip()
    if not to:
        return _back(reference, "unknown_consultant")
    return await _transition(request, reference, lifecycle.REASSIGN, "reassigned", to=to)


@blueprint.post("/tickets/<reference>/waiting")
@login_required
async def waiting(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.WAIT, "waiting")


@blueprint.post("/tickets/<reference>/resume")
@login_required
async def resume(request: Request, reference: str) -> HTTPResponse:
    return await _transition(request, reference, lifecycle.RESUME, "resumed")


@blueprint.post("/tickets/<reference>/reopen")
@login_required
async def reopen(request: Request, reference: str) -> HTTPResponse:
    reopen_to = request.form.get("status") or "claimed"
    if reopen_to not in lifecycle.REOPEN_TO:
        return _back(reference, "bad_state")
    return await _transition(request, reference, lifecycle.REOPEN, "reopened", reopen_to=reopen_to)


@blueprint.post("/tickets/<reference>/reply")
@login_required
async def reply(request: Request, reference: str) -> HTTPResponse:
    """Reply to the patient: emailed when they left an address, kept on the ticket, put in
    their chat when the ticket has one."""
    state = state_of(request)
    username = await _username(request)
    text = request.form.get("text") or ""
    mailer, chat = PatientMailer(state.settings.smtp), ChatPusher.from_settings(state.settings)
    try:
        ticket = await run_blocking(
            request, send_reply, state.tickets, mailer, reference, username, text, chat
        )
    except TicketNotFoundError:
        return _not_found(request, reference)
    except DraftError:
        return _back(reference, "long_reply" if text.strip() else "empty_reply")
    except TicketError as exc:
        return _back(reference, _message_code(exc))
    return _back(reference, _reply_message(ticket.replies[-1]), anchor="replies")


def _reply_message(reply: ReplyRecord) -> str:
    """The message code after a reply: how the email went, and the chat when it reached it."""
    if reply.chat_status in ("live", "waiting"):
        emailed = "sent_" if reply.email_status == "sent" else ""
        return f"reply_{emailed}chat_{reply.chat_status}"
    return "reply_" + reply.email_status


@blueprint.post("/tickets/<reference>/contact")
@login_required
async def log_contact(request: Request, reference: str) -> HTTPResponse:
    """Log a contact attempt: a call, a call without answer, an email sent elsewhere."""
    state = state_of(request)
    username = await _username(request)
    kind = request.form.get("kind") or ""
    if kind not in LOGGED_CONTACT_KINDS:
        return _back(reference, "bad_contact")
    note = request.form.get("note") or None
    tickets: TicketRepository = state.tickets
    try:
        await run_blocking(request, tickets.log_contact, reference, username, kind, note)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except TicketError as exc:
        return _back(reference, _message_code(exc))
    return _back(reference, "contact_logged", anchor="replies")


async def _transition(
    request: Request,
    reference: str,
    action: str,
    done: str,
    *,
    to: str | None = None,
    reopen_to: str = "claimed",
    claim_first: bool = False,
) -> HTTPResponse:
    """Apply a lifecycle action as the logged-in consultant and go back to the ticket."""
    state = state_of(request)
    username = await _username(request)
    note = request.form.get("note") or None

    def apply() -> None:
        if claim_first and state.tickets.get(reference).status == "new":
            state.tickets.claim(reference, username)
        state.tickets.transition(reference, username, action, to=to, reopen_to=reopen_to, note=note)

    try:
        await run_blocking(request, apply)
    except TicketNotFoundError:
        return _not_found(request, reference)
    except TicketError as exc:
        return _back(reference, _message_code(exc))
    return _back(reference, done)


def _message_code(exc: TicketError) -> str:
    kinds: list[tuple[type[TicketError], str]] = [
        (NotAllowedError, "not_allowed"),
        (NotClaimedError, "not_claimed"),
        (AlreadyResolvedError, "already_resolved"),
        (AlreadyClaimedError, "already_claimed"),
        (TicketChangedError, "changed"),
        (TicketStateError, "bad_state"),
        (ConsultantError, "unknown_consultant"),
        (DraftError, "long_note"),
    ]
    for kind, code in kinds:
        if isinstance(exc, kind):
            return code
    raise exc


def _list_url(filters: dict[str, str], cursor: str | None) -> str | None:
    if cursor is None:
        return None
    return "/inbox?" + urlencode(filters | {"cursor": cursor})


async def _username(request: Request) -> str:
    session = await current_session(request)
    assert session is not None  # guaranteed by login_required
    return session.consultant.username


def _back(reference: str, message: str, anchor: str | None = None) -> HTTPResponse:
    fragment = f"#{anchor}" if anchor else ""
    return redirect(f"/inbox/tickets/{reference}?message={message}{fragment}", status=303)


def _not_found(request: Request, reference: str) -> HTTPResponse:
    state = state_of(request)
    return render(
        state.templates,
        "error.html",
        status=404,
        title="No such ticket",
        message=f"There is no ticket {reference}.",
        session=request.ctx.session,
    )

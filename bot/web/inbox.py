"""The consultant inbox pages: the ticket list, a ticket, and its actions.

Owns ``/inbox`` (one page of tickets with search and filters: status, default "open" =
new, claimed and waiting for the patient; urgency; drug; in the inbox order, open urgent
first, then open, each oldest first; resolved last; next/previous by cursor),
``/inbox/tickets/<reference>`` (contact details, question, transcript, status history,
audit trail, and the actions the consultant may take) and the POST actions claim, note,
resolve, unclaim, reassign, waiting, resume and reopen, each followed by a redirect back
to the ticket with a fixed message (nothing the user typed is reflected).
"""

from __future__ import annotations

from urllib.parse import urlencode

from sanic import Blueprint
from sanic.request import Request
from sanic.response import HTTPResponse, redirect

from bot.tickets import lifecycle
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
from bot.tickets.models import OPEN_STATUSES, STATUSES
from bot.tickets.records import TicketPage, TicketRecord
from bot.tickets.references import is_reference, normalize_reference
from bot.web.auth import current_session, login_required
from bot.web.state import run_blocking, state_of
from bot.web.templating import render

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


@blueprint.get("")
@login_required
async def ticket_list(request: Request) -> HTTPResponse:
    state = state_of(request)
    status = request.args.get("status", "")
    status = status if status in VIEWS and status != "open" else ""
    urgency = request.args.get("urgency", "")
    urgency = urgency if urgency in URGENCY_FILTERS else ""
    drug = (request.args.get("drug") or "").strip()[:200]
    query = (request.args.get("q") or "").strip()[:200]
    filters = {"status": status, "urgency": urgency, "drug": drug, "q": query}

    def load(cursor: str | None) -> tuple[TicketPage, list[str]]:
        page = state.tickets.page(
            statuses=VIEWS[status],
            urgent=URGENCY_FILTERS[urgency],
            drug=drug or None,
            query=query or None,
            limit=PAGE_SIZE,
            cursor=cursor,
        )
        return page, state.tickets.drugs()

    try:
        page, drugs = await run_blocking(request, load, request.args.get("cursor") or None)
    except InvalidCursorError:
        page, drugs = await run_blocking(request, load, None)
    kept = {name: value for name, value in filters.items() if value}
    return render(
        state.templates,
        "inbox.html",
        title="Inbox",
        session=await current_session(request),
        page=page,
        tickets=page.tickets,
        drugs=drugs,
        statuses=STATUSES,
        labels=STATUS_LABELS,
        filters=filters,
        filtered=bool(status or urgency or drug or query),
        next_url=_list_url(kept, page.next_cursor),
        prev_url=_list_url(kept, page.prev_cursor),
    )


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


def _back(reference: str, message: str) -> HTTPResponse:
    return redirect(f"/inbox/tickets/{reference}?message={message}", status=303)


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

"""The ticket lifecycle: which change each action makes, and who may make it.

States: ``new``, ``claimed``, ``waiting_for_patient``, ``resolved``. Actions::

    claim     new -> claimed (the claimer holds it)           anyone
    wait      claimed -> waiting_for_patient                  the assignee or a lead
    resume    waiting_for_patient -> claimed                  the assignee or a lead
    unclaim   claimed, waiting_for_patient -> new             the assignee or a lead
    reassign  claimed, waiting_for_patient -> (same)          the assignee or a lead
    resolve   claimed, waiting_for_patient -> resolved        the assignee or a lead
    reopen    resolved -> claimed (by the reopener) or new    anyone

Replying to the patient and logging a contact attempt (:func:`check_contact`) change no
status, but are the holder's work too: the assignee or a lead, on a claimed or waiting
ticket (a new one must be claimed first; a resolved one, reopened).

``reassign`` hands the ticket to another active consultant; a lead may also assign a new
ticket (new -> claimed). A ticket nobody holds cannot be resolved (NotClaimedError): claim
it first. Pure functions: the repository applies the :class:`Change` atomically.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyResolvedError,
    NotAllowedError,
    NotClaimedError,
    TicketStateError,
)

CLAIM = "claim"
UNCLAIM = "unclaim"
REASSIGN = "reassign"
WAIT = "wait"
RESUME = "resume"
RESOLVE = "resolve"
REOPEN = "reopen"
ACTIONS = (CLAIM, UNCLAIM, REASSIGN, WAIT, RESUME, RESOLVE, REOPEN)
REPLY = "reply"
CONTACT = "contact"

LEAD = "lead"
REOPEN_TO = ("claimed", "new")

# The action as recorded in the audit trail and the history.
RECORDED = {
    CLAIM: "claimed",
    UNCLAIM: "unclaimed",
    REASSIGN: "reassigned",
    WAIT: "waiting_for_patient",
    RESUME: "resumed",
    RESOLVE: "resolved",
    REOPEN: "reopened",
}
# How error messages name the action.
_DOING = {
    UNCLAIM: "unclaim it",
    REASSIGN: "reassign it",
    WAIT: "mark it as waiting for the patient",
    RESUME: "take it back from waiting",
    RESOLVE: "resolve it",
    REPLY: "reply to the patient",
    CONTACT: "log a contact with the patient",
}


@dataclass(frozen=True)
class Change:
    """What an action does to a ticket: its new status and assignee."""

    action: str
    from_status: str
    to_status: str
    assignee: str | None


def plan(
    reference: str,
    action: str,
    *,
    status: str,
    assignee: str | None,
    actor: str,
    role: str,
    target: str | None = None,
    reopen_to: str = "claimed",
    check_owner: bool = True,
) -> Change:
    """The change ``actor`` makes with ``action``, or the error that refuses it.

    ``target`` is the new assignee of a reassign; ``reopen_to`` is ``claimed`` (by the
    actor) or ``new``. ``check_owner=False`` is the administrative resolve of old callers:
    any consultant, from any open status.
    """
    recorded = RECORDED[action]
    if action == REOPEN:
        if status != "resolved":
            raise TicketStateError(f"ticket {reference} is not resolved, so it cannot be reopened")
        if reopen_to not in REOPEN_TO:
            raise ValueError(f"reopen to one of {', '.join(REOPEN_TO)}, not {reopen_to!r}")
        return Change(recorded, status, reopen_to, actor if reopen_to == "claimed" else None)
    if status == "resolved":
        raise AlreadyResolvedError(reference)
    if action == CLAIM:
        if status != "new":
            raise AlreadyClaimedError(reference, assignee)
        return Change(recorded, status, "claimed", actor)
    if action == RESOLVE and not check_owner:
        return Change(recorded, status, "resolved", assignee or actor)
    _check_owner(reference, action, status=status, assignee=assignee, actor=actor, role=role)
    if action == REASSIGN:
        if target is not None and target == assignee:
            raise TicketStateError(f"ticket {reference} is assigned to {target} already")
        return Change(recorded, status, "claimed" if status == "new" else status, target)
    if action == UNCLAIM:
        return Change(recorded, status, "new", None)
    if action == WAIT:
        if status == "waiting_for_patient":
            raise TicketStateError(f"ticket {reference} is waiting for the patient already")
        return Change(recorded, status, "waiting_for_patient", assignee)
    if action == RESUME:
        if status != "waiting_for_patient":
            raise TicketStateError(f"ticket {reference} is not waiting for the patient")
        return Change(recorded, status, "claimed", assignee)
    if action == RESOLVE:
        return Change(recorded, status, "resolved", assignee)
    raise ValueError(f"unknown action {action!r}")


def check_contact(
    reference: str, action: str, *, status: str, assignee: str | None, actor: str, role: str
) -> None:
    """Refuse ``actor`` replying to the patient (``REPLY``) or logging a contact (``CONTACT``)
    unless they hold the open ticket or are a lead (NotAllowedError, NotClaimedError,
    AlreadyResolvedError)."""
    if action not in (REPLY, CONTACT):
        raise ValueError(f"not a contact action: {action!r}")
    if status == "resolved":
        raise AlreadyResolvedError(reference)
    _check_owner(reference, action, status=status, assignee=assignee, actor=actor, role=role)


def may_contact(*, status: str, assignee: str | None, actor: str, role: str) -> bool:
    """Whether ``actor`` may reply to the patient and log contacts (for the inbox's forms)."""
    try:
        check_contact("-", REPLY, status=status, assignee=assignee, actor=actor, role=role)
    except (TicketStateError, NotAllowedError):
        return False
    return True


def allowed_actions(*, status: str, assignee: str | None, actor: str, role: str) -> frozenset[str]:
    """The actions ``actor`` may take on a ticket in this state (for the inbox's buttons)."""
    allowed = set()
    for action in ACTIONS:
        try:
            plan("-", action, status=status, assignee=assignee, actor=actor, role=role)
        except (TicketStateError, NotAllowedError):
            continue
        allowed.add(action)
    return frozenset(allowed)


def _check_owner(
    reference: str, action: str, *, status: str, assignee: str | None, actor: str, role: str
) -> None:
    if status == "new" and not (action == REASSIGN and role == LEAD):
        if action == REASSIGN:
            raise NotAllowedError(reference, _DOING[action], None)
        raise NotClaimedError(reference, _DOING[action])
    if role != LEAD and actor != assignee:
        raise NotAllowedError(reference, _DOING[action], assignee)

"""The exceptions of the tickets service, in one hierarchy.

TicketError
├── DraftError (also ValueError): the draft cannot be filed as it is
│   ├── ConsentRequiredError: the patient did not consent to be contacted
│   └── IncompleteDraftError: a required field is empty or malformed (names the field)
├── TicketNotFoundError (also LookupError): no ticket has that reference
├── TicketStateError: the ticket's status does not allow the operation
│   ├── AlreadyClaimedError: another consultant claimed it first
│   ├── AlreadyResolvedError: it is resolved already
│   ├── NotClaimedError: nobody holds it (claim it first)
│   └── TicketChangedError: someone else changed it at the same moment (reload)
├── NotAllowedError (also PermissionError): only the assignee or a lead may do that
├── InvalidCursorError (also ValueError): a paging cursor that we did not hand out
├── ReferenceTakenError: a random reference collided (the filing service draws again)
├── AlreadyFiledError: the same draft (filing id) was stored before (outbox redelivery)
├── TicketLostError: neither the database nor the outbox could keep the ticket
└── ConsultantError: consultant accounts
    ├── DuplicateConsultantError: the username is taken
    └── WeakPasswordError: the password is too short
"""

from __future__ import annotations


class TicketError(Exception):
    """Base class of every error raised by ``bot.tickets``."""


class DraftError(TicketError, ValueError):
    """The ticket draft cannot be filed as it is."""


class ConsentRequiredError(DraftError):
    """The patient has not consented to be contacted and to have the conversation kept."""

    def __init__(self) -> None:
        super().__init__(
            "TicketDraft.consent is not True: without the patient's consent to be contacted "
            "and to keep the conversation, no ticket may be filed"
        )


class IncompleteDraftError(DraftError):
    """A required field of the draft is empty or malformed."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"TicketDraft.{field}: {problem}")


class TicketNotFoundError(TicketError, LookupError):
    """No ticket has the given reference."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"no ticket with reference {reference!r}")


class TicketStateError(TicketError):
    """The ticket's status does not allow the operation."""


class AlreadyClaimedError(TicketStateError):
    """Another consultant claimed the ticket first (or it is no longer new)."""

    def __init__(self, reference: str, by: str | None) -> None:
        self.reference = reference
        self.by = by
        who = f" by {by}" if by else ""
        super().__init__(f"ticket {reference} is already claimed{who}")


class AlreadyResolvedError(TicketStateError):
    """The ticket is resolved already."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"ticket {reference} is already resolved")


class NotClaimedError(TicketStateError):
    """The operation needs a claimed ticket, and nobody holds this one."""

    def __init__(self, reference: str, doing: str) -> None:
        self.reference = reference
        super().__init__(f"ticket {reference} is not claimed: claim it before you {doing}")


class TicketChangedError(TicketStateError):
    """Another consultant changed the ticket while this operation was deciding."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"ticket {reference} was changed by someone else at the same moment; reload it")


class NotAllowedError(TicketError, PermissionError):
    """The consultant may not do this to the ticket (not the assignee, and not a lead)."""

    def __init__(self, reference: str, doing: str, assignee: str | None) -> None:
        self.reference = reference
        self.assignee = assignee
        if assignee:
            message = f"ticket {reference} is held by {assignee}: only they or a lead can {doing}"
        else:
            message = f"ticket {reference} is not claimed: only a lead can {doing}"
        super().__init__(message)


class InvalidCursorError(TicketError, ValueError):
    """A paging cursor that is malformed (not one the list handed out)."""

    def __init__(self) -> None:
        super().__init__("cursor is not valid: use next_cursor or prev_cursor from a list response")


class TicketLostError(TicketError):
    """Neither the database nor the local outbox could keep the ticket."""


class ConsultantError(TicketError):
    """A consultant account cannot be created or changed as asked."""


class DuplicateConsultantError(ConsultantError):
    """The username is taken."""

    def __init__(self, username: str) -> None:
        self.username = username
        super().__init__(f"a consultant named {username!r} exists already")


class WeakPasswordError(ConsultantError):
    """The password is too short."""


class ReferenceTakenError(TicketError):
    """Another ticket has this reference already (a random collision: draw a new one)."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"reference {reference} is taken by another ticket")


class AlreadyFiledError(TicketError):
    """A ticket with this filing id exists already: the same draft was filed before."""

    def __init__(self, reference: str) -> None:
        self.reference = reference
        super().__init__(f"this draft was filed already as {reference}")

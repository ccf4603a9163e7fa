"""Tickets for a human consultant: the public API of ``bot.tickets``.

The chat's final action needs only::

    from bot.tickets import TicketDraft, TranscriptEntry, file_ticket, transcript_from_events

    filed = await asyncio.to_thread(file_ticket, TicketDraft(...))
    filed.reference, filed.queued

Modules (private; import from here): ``drafts`` (the draft and the result), ``filing``
(the filing service and outbox delivery), ``repository`` (tickets in business terms),
``lifecycle`` (states and who may change them), ``search`` (search text, order, cursors),
``consultants`` (accounts and roles), ``outbox`` (the durable queue), ``notify`` (email, webhook),
``models`` and ``migrations`` (the schema), ``migrate`` (running migrations), ``db``
(engines), ``references`` (``MC-7K3Q9``), ``transcript`` (from Rasa events),
``replies`` (a consultant's reply to the patient, by email),
``records`` (read-only views), ``errors`` (the exception hierarchy).
"""

from __future__ import annotations

from bot.tickets.consultants import ConsultantDirectory, ConsultantInfo, ConsultantRecord
from bot.tickets.drafts import FiledTicket, TicketDraft, TranscriptEntry
from bot.tickets.errors import (
    AlreadyClaimedError,
    AlreadyFiledError,
    AlreadyResolvedError,
    ConsentRequiredError,
    ConsultantError,
    DraftError,
    DuplicateConsultantError,
    IncompleteDraftError,
    InvalidCursorError,
    NotAllowedError,
    NotClaimedError,
    ReferenceTakenError,
    TicketChangedError,
    TicketError,
    TicketLostError,
    TicketNotFoundError,
    TicketStateError,
    WeakPasswordError,
)
from bot.tickets.filing import DeliveryReport, FilingService, deliver_outbox, file_ticket
from bot.tickets.records import (
    ContactRecord,
    InboxSummary,
    ReplyRecord,
    TicketEventRecord,
    TicketPage,
    TicketRecord,
    TicketTransitionRecord,
)
from bot.tickets.replies import Delivery, PatientMailer, send_reply
from bot.tickets.repository import TicketRepository, is_test_sender
from bot.tickets.transcript import transcript_from_events

__all__ = [
    "AlreadyClaimedError",
    "AlreadyFiledError",
    "AlreadyResolvedError",
    "ConsentRequiredError",
    "ConsultantDirectory",
    "ConsultantError",
    "ConsultantInfo",
    "ConsultantRecord",
    "ContactRecord",
    "Delivery",
    "DeliveryReport",
    "DraftError",
    "DuplicateConsultantError",
    "FiledTicket",
    "FilingService",
    "InboxSummary",
    "IncompleteDraftError",
    "InvalidCursorError",
    "NotAllowedError",
    "NotClaimedError",
    "PatientMailer",
    "ReferenceTakenError",
    "ReplyRecord",
    "TicketDraft",
    "TicketChangedError",
    "TicketError",
    "TicketEventRecord",
    "TicketLostError",
    "TicketNotFoundError",
    "TicketPage",
    "TicketRecord",
    "TicketRepository",
    "TicketStateError",
    "TicketTransitionRecord",
    "TranscriptEntry",
    "WeakPasswordError",
    "deliver_outbox",
    "file_ticket",
    "is_test_sender",
    "send_reply",
    "transcript_from_events",
]

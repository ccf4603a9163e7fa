"""The filing service: what the chat's final action calls to file a ticket.

Owns "nothing lost": :meth:`FilingService.file` stores the ticket in the database or,
when the database cannot be reached, durably in the local outbox under the same
reference (``queued=True``); :meth:`FilingService.deliver_outbox` moves queued tickets
into the database, idempotently (a ticket's filing id is unique, so the same ticket is
never stored twice). A new ticket is announced through the configured notifiers,
in the background. Everything here is synchronous: call it from a worker thread
(``await asyncio.to_thread(file_ticket, draft)``) in async code.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot.settings import Settings, load_settings
from bot.tickets.drafts import FiledTicket, TicketDraft, utcnow
from bot.tickets.errors import (
    AlreadyFiledError,
    DraftError,
    ReferenceTakenError,
    TicketLostError,
)
from bot.tickets.migrate import ensure_schema
from bot.tickets.notify import Notifier, TicketNotice, dispatch, notifiers_from_settings
from bot.tickets.outbox import Outbox, OutboxFileError, QueuedTicket
from bot.tickets.references import new_reference
from bot.tickets.repository import TicketRepository

logger = logging.getLogger(__name__)

REFERENCE_ATTEMPTS = 8


@dataclass
class DeliveryReport:
    """What one pass over the outbox did."""

    delivered: list[str] = field(default_factory=list)
    already_delivered: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    remaining: int = 0
    error: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "delivered": self.delivered,
            "already_delivered": self.already_delivered,
            "rejected": self.rejected,
            "remaining": self.remaining,
            "error": self.error,
        }


class FilingService:
    """Files tickets into the database, or into the outbox when the database is down."""

    def __init__(
        self,
        settings: Settings,
        *,
        repository: TicketRepository | None = None,
        outbox: Outbox | None = None,
        notifiers: Sequence[Notifier] | None = None,
    ) -> None:
        self._settings = settings
        self._repository = repository
        self._outbox = outbox or Outbox(settings.outbox_dir)
        self._notifiers = list(notifiers) if notifiers is not None else notifiers_from_settings(settings)
        self.last_notification: threading.Thread | None = None

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    def file(self, draft: TicketDraft) -> FiledTicket:
        """File a confirmed draft; returns the reference to give the patient.

        Raises ConsentRequiredError / IncompleteDraftError (DraftError) for a draft that must not
        or cannot be filed, and TicketLostError only when neither the database nor the
        outbox could keep it.
        """
        clean = draft.validated()
        filing_id = str(uuid.uuid4())
        reference = new_reference()
        queued = False
        for _ in range(REFERENCE_ATTEMPTS):
            try:
                self._store(clean, reference, filing_id)
            except ReferenceTakenError:
                reference = new_reference()
                continue
            except DraftError:
                raise
            except Exception as exc:
                logger.warning(
                    "tickets database unavailable (%s); queuing %s in the outbox",
                    _describe(exc),
                    reference,
                )
                self._queue(clean, reference, filing_id, _describe(exc))
                queued = True
            break
        else:
            raise TicketLostError(f"no free reference after {REFERENCE_ATTEMPTS} attempts")

        self._announce(clean, reference, queued)
        if not queued and self._outbox.pending():
            threading.Thread(target=self._deliver_quietly, name="outbox-delivery", daemon=True).start()
        return FiledTicket(reference=reference, queued=queued, urgent=clean.urgent)

    def deliver_outbox(self) -> DeliveryReport:
        """Move queued tickets into the database; stops at the first database error."""
        report = DeliveryReport()
        with self._outbox.lock():
            for path in self._outbox.pending():
                try:
                    item = self._outbox.load(path)
                except OutboxFileError as exc:
                    self._outbox.reject(path, str(exc))
                    report.rejected.append(path.name)
                    continue
                try:
                    reference = self._deliver_one(item)
                except AlreadyFiledError as exc:
                    report.already_delivered.append(exc.reference)
                except DraftError as exc:
                    self._outbox.reject(path, str(exc))
                    report.rejected.append(path.name)
                    continue
                except Exception as exc:
                    report.error = _describe(exc)
                    logger.warning("outbox delivery stopped: %s", report.error)
                    break
                else:
                    report.delivered.append(reference)
                self._outbox.done(path)
            report.remaining = len(self._outbox.pending())
        if report.delivered:
            logger.info("delivered %d queued ticket(s) from the outbox", len(report.delivered))
        return report

    def _store(self, draft: TicketDraft, reference: str, filing_id: str) -> None:
        ensure_schema(self._settings.database_url)
        self._repo().file(draft, reference=reference, filing_id=filing_id)

    def _queue(self, draft: TicketDraft, reference: str, filing_id: str, reason: str) -> None:
        item = QueuedTicket(
            reference=reference,
            filing_id=filing_id,
            queued_at=utcnow(),
            reason=reason,
            draft=draft,
        )
        try:
            self._outbox.put(item)
        except OSError as exc:
            logger.critical("ticket %s lost: outbox %s: %s", reference, self._outbox.directory, exc)
            raise TicketLostError(
                f"the database could not be reached ({reason}) and the outbox "
                f"{self._outbox.directory} could not be written ({exc})"
            ) from exc

    def _deliver_one(self, item: QueuedTicket) -> str:
        ensure_schema(self._settings.database_url)
        repository = self._repo()
        detail = (
            f"filed from the outbox; queued at {item.queued_at.isoformat()} "
            f"because the database could not be reached"
        )
        reference = item.reference
        for _ in range(REFERENCE_ATTEMPTS):
            try:
                repository.file(
                    item.draft,
                    reference=reference,
                    filing_id=item.filing_id,
                    filed_at=item.queued_at,
                    detail=detail,
                )
            except ReferenceTakenError:
                reference = new_reference()
                detail = (
                    f"{detail}; the patient was given reference {item.reference}, "
                    f"which another ticket had taken meanwhile"
                )
                continue
            if reference != item.reference:
                logger.error(
                    "queued ticket %s stored as %s: its reference was taken",
                    item.reference,
                    reference,
                )
            return reference
        raise TicketLostError(f"no free reference for queued ticket {item.reference}")

    def _deliver_quietly(self) -> None:
        try:
            self.deliver_outbox()
        except Exception:
            logger.exception("outbox delivery failed")

    def _announce(self, draft: TicketDraft, reference: str, queued: bool) -> None:
        notice = TicketNotice(
            reference=reference,
            urgent=draft.urgent,
            drug=draft.drug,
            topic=draft.topic,
            filed_at=utcnow(),
            queued=queued,
            url=f"{self._settings.inbox_base_url}/inbox/tickets/{reference}",
        )
        try:
            self.last_notification = dispatch(self._notifiers, notice)
        except Exception:
            logger.exception("could not start notifications for %s", reference)

    def _repo(self) -> TicketRepository:
        if self._repository is None:
            self._repository = TicketRepository.for_url(self._settings.database_url)
        return self._repository


def file_ticket(draft: TicketDraft, settings: Settings | None = None) -> FiledTicket:
    """File a confirmed draft with the environment's settings (see FilingService.file)."""
    return FilingService(settings or load_settings()).file(draft)


def deliver_outbox(settings: Settings | None = None) -> DeliveryReport:
    """Deliver the outbox with the environment's settings (see FilingService.deliver_outbox)."""
    return FilingService(settings or load_settings(), notifiers=()).deliver_outbox()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300]

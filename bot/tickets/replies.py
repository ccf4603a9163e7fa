"""A consultant's reply to the patient: checked, emailed, recorded, put in the chat.

Owns :class:`PatientMailer` (the email to the patient, over the SMTP server of the
notifications: ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_STARTTLS``, ``SMTP_USER``/``PASSWORD``,
from ``NOTIFY_EMAIL_FROM``) and :func:`send_reply`, the one way to reply: it checks that
the consultant may (the assignee or a lead, on an open claimed ticket), sends the email
when the patient left an address and email is configured, and records the reply with how
it went (``sent``, ``failed``, ``no_email``, ``not_configured``) and a contact attempt.
A failed email is not an error for the caller: the reply is kept, marked ``failed`` with
the reason, so the consultant knows to call instead. Then, when the ticket has a chat
conversation, the reply goes into it (:mod:`bot.tickets.chat_delivery`) and the reply
keeps how that went (``live``, ``waiting``, ``no_chat``, ``failed``, ``not_configured``).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from bot.settings import SmtpSettings
from bot.tickets.chat_delivery import UNFINISHED, ChatDelivery, ChatPusher
from bot.tickets.records import ReplyRecord, TicketRecord
from bot.tickets.repository import TicketRepository, clean_text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """How a reply went out by email."""

    status: str  # sent, failed, no_email, not_configured
    detail: str | None = None


class PatientMailer:
    """Emails a consultant's reply to the patient of a ticket."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self._smtp = smtp

    @property
    def configured(self) -> bool:
        """Replies can be emailed: an SMTP host and a sender address are set."""
        return bool(self._smtp.host and self._smtp.sender)

    def message(self, ticket: TicketRecord, consultant: str, text: str) -> EmailMessage:
        message = EmailMessage()
        message["Subject"] = f"Your question to the pharmacy ({ticket.reference})"
        message["From"] = self._smtp.sender or ""
        message["To"] = ticket.email or ""
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = make_msgid(domain=(self._smtp.sender or "pharmacy").rpartition("@")[2])
        lines = [
            f"Hello {ticket.patient_name},",
            "",
            text,
            "",
            f"{consultant}, medical consultant of the pharmacy",
            "",
            f"This answers the request {ticket.reference} you sent through the medicine chat.",
            "If you feel unwell, do not wait for an email: contact your physician, or emergency",
            "services in an emergency.",
        ]
        message.set_content("\n".join(lines) + "\n")
        return message

    def send(self, ticket: TicketRecord, consultant: str, text: str) -> Delivery:
        """Email the reply; never raises (a failure is a ``failed`` delivery with the reason)."""
        if not ticket.email:
            return Delivery("no_email")
        if not self.configured:
            return Delivery("not_configured")
        try:
            with smtplib.SMTP(
                self._smtp.host or "localhost", self._smtp.port, timeout=self._smtp.timeout_seconds
            ) as client:
                if self._smtp.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self._smtp.user and self._smtp.password:
                    client.login(self._smtp.user, self._smtp.password)
                client.send_message(self.message(ticket, consultant, text))
        except (OSError, smtplib.SMTPException) as exc:
            logger.warning("could not email the reply on ticket %s: %s", ticket.reference, exc)
            return Delivery("failed", f"{type(exc).__name__}: {exc}"[:500])
        return Delivery("sent")


def send_reply(
    tickets: TicketRepository,
    mailer: PatientMailer,
    reference: str,
    consultant: str,
    text: str,
    chat: ChatPusher | None = None,
) -> TicketRecord:
    """Reply to the patient of ``reference`` as ``consultant``: check, email, record, and put
    it in the patient's chat through ``chat`` (none: ``not_configured``).

    Raises before anything is sent: DraftError (empty or too long), NotAllowedError,
    NotClaimedError, AlreadyResolvedError, ConsultantError, TicketNotFoundError. The chat
    delivery never raises.
    """
    clean = clean_text(text, "reply")
    assert clean is not None
    ticket = tickets.check_contact(reference, consultant)
    delivery = mailer.send(ticket, consultant, clean)
    known = chat.before_push(ticket.sender_id) if chat else ChatDelivery("not_configured")
    first = known or UNFINISHED
    recorded = tickets.record_reply(
        reference,
        consultant,
        clean,
        email_to=ticket.email,
        email_status=delivery.status,
        email_detail=delivery.detail,
        chat_status=first.status,
        chat_detail=first.detail,
    )
    if known is not None or chat is None or not ticket.sender_id:
        return recorded
    reply = _newest_reply(recorded, consultant)
    pushed = chat.push(
        conversation=ticket.sender_id,
        text=clean,
        consultant=consultant,
        reference=reference,
        reply_id=reply.id,
    )
    try:
        return tickets.record_chat_delivery(reference, reply.id, pushed.status, pushed.detail)
    except Exception as exc:  # the reply is kept (as UNFINISHED); the patient may have it already
        logger.warning("could not keep the chat delivery of ticket %s: %s", reference, type(exc).__name__)
        return recorded


def _newest_reply(ticket: TicketRecord, consultant: str) -> ReplyRecord:
    """The reply ``consultant`` has just recorded on ``ticket``."""
    return max((r for r in ticket.replies if r.author == consultant), key=lambda r: r.id)

"""Notifications of a new ticket: SMTP email and/or a webhook JSON POST.

Owns what consultants are told when a ticket is filed, and how. Both channels are off
unless configured (see ``bot.settings``). Notifications carry no patient data (no
name, contact or question): only the reference, urgency, drug, topic and a link to the
inbox. Urgent tickets say URGENT in the email subject and in the webhook payload.
:func:`dispatch` never raises and, by default, never blocks the caller: it sends from
a background thread and logs failures.
"""

from __future__ import annotations

import json
import logging
import smtplib
import ssl
import threading
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import Any, Protocol

from bot.settings import Settings, SmtpSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TicketNotice:
    """What a notification says about a new ticket."""

    reference: str
    urgent: bool
    drug: str | None
    topic: str | None
    filed_at: datetime
    queued: bool
    url: str

    @property
    def headline(self) -> str:
        prefix = "URGENT: " if self.urgent else ""
        return f"{prefix}new consultant request {self.reference}"


class Notifier(Protocol):
    """Something that tells consultants about a new ticket; may raise on failure."""

    def ticket_filed(self, notice: TicketNotice) -> None: ...


class EmailNotifier:
    """Sends one plain-text email per new ticket over SMTP (STARTTLS when configured)."""

    def __init__(self, smtp: SmtpSettings) -> None:
        self._smtp = smtp

    def message(self, notice: TicketNotice) -> EmailMessage:
        subject = f"New consultant request {notice.reference}"
        if notice.urgent:
            subject = f"[URGENT] {subject}"
        lines = [
            f"A patient asked to be contacted by a consultant: {notice.reference}.",
            "",
            f"Urgent: {'YES - a red flag came up in the conversation' if notice.urgent else 'no'}",
            f"Drug: {notice.drug or '-'}",
            f"Topic: {notice.topic or '-'}",
            f"Filed at: {notice.filed_at.isoformat()} (UTC)",
            f"Open it: {notice.url}",
            "",
            "Contact details and the conversation are in the inbox; they are not sent by email.",
        ]
        if notice.queued:
            lines += [
                "",
                "The tickets database could not be reached: this ticket waits in the server's",
                "outbox and will appear in the inbox when the database is back.",
            ]
        message = EmailMessage()
        message["Subject"] = subject
        message["From"] = self._smtp.sender or ""
        message["To"] = ", ".join(self._smtp.recipients)
        if notice.urgent:
            message["X-Priority"] = "1"
            message["Importance"] = "high"
        message.set_content("\n".join(lines) + "\n")
        return message

    def ticket_filed(self, notice: TicketNotice) -> None:
        host = self._smtp.host or "localhost"
        with smtplib.SMTP(host, self._smtp.port, timeout=self._smtp.timeout_seconds) as client:
            if self._smtp.starttls:
                client.starttls(context=ssl.create_default_context())
            if self._smtp.user and self._smtp.password:
                client.login(self._smtp.user, self._smtp.password)
            client.send_message(self.message(notice))


class WebhookNotifier:
    """POSTs a small JSON document per new ticket (Slack/Teams-style ``text`` included)."""

    def __init__(self, url: str, timeout_seconds: float = 10.0) -> None:
        self._url = url
        self._timeout = timeout_seconds

    def payload(self, notice: TicketNotice) -> dict[str, Any]:
        return {
            "event": "ticket.filed",
            "text": notice.headline[0].upper() + notice.headline[1:],
            "reference": notice.reference,
            "urgent": notice.urgent,
            "priority": "URGENT" if notice.urgent else "normal",
            "drug": notice.drug,
            "topic": notice.topic,
            "filed_at": notice.filed_at.isoformat(),
            "queued": notice.queued,
            "url": notice.url,
        }

    def ticket_filed(self, notice: TicketNotice) -> None:
        body = json.dumps(self.payload(notice)).encode("utf-8")
        request = urllib.request.Request(
            self._url,
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "User-Agent": "pharmabot-tickets"},
        )
        with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise OSError(f"webhook {self._url} answered HTTP {response.status}")


def notifiers_from_settings(settings: Settings) -> list[Notifier]:
    """The notifiers the environment turns on (none by default)."""
    notifiers: list[Notifier] = []
    if settings.smtp.enabled:
        notifiers.append(EmailNotifier(settings.smtp))
    if settings.webhook_url:
        notifiers.append(WebhookNotifier(settings.webhook_url, settings.webhook_timeout_seconds))
    return notifiers


def dispatch(
    notifiers: Sequence[Notifier], notice: TicketNotice, *, background: bool = True
) -> threading.Thread | None:
    """Send ``notice`` through every notifier, logging (never raising) failures.

    In the background (default) it returns the sending thread, which tests may join.
    """
    if not notifiers:
        return None
    if not background:
        _send_all(notifiers, notice)
        return None
    thread = threading.Thread(
        target=_send_all, args=(list(notifiers), notice), name=f"notify-{notice.reference}"
    )
    thread.start()
    return thread


def _send_all(notifiers: Sequence[Notifier], notice: TicketNotice) -> None:
    for notifier in notifiers:
        try:
            notifier.ticket_filed(notice)
        except Exception:
            logger.exception("could not notify %s of ticket %s", type(notifier).__name__, notice.reference)

"""A consultant's reply into the patient's chat, from the web app.

Owns :class:`ChatPusher`: it posts a recorded reply to the Rasa server's push route
(``POST {RASA_INTERNAL_URL}/webhooks/socketio/consultant_reply`` with ``CHAT_PUSH_SECRET``,
:mod:`bot.consultant_push`) and says how it went as a :class:`ChatDelivery`: ``live``
(shown in the patient's open chat), ``waiting`` (kept in the conversation, shown when the
patient comes back), ``no_chat`` (the ticket has no conversation, or it is no longer kept),
``failed`` (with the reason) or ``not_configured`` (no ``CHAT_PUSH_SECRET``). It never raises.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from dataclasses import dataclass

from bot.settings import Settings
from bot.tickets.models import CHAT_DELIVERIES

logger = logging.getLogger(__name__)

PUSH_PATH = "/webhooks/socketio/consultant_reply"
TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True)
class ChatDelivery:
    """How a reply reached the patient's chat."""

    status: str  # one of CHAT_DELIVERIES
    detail: str | None = None

    def __post_init__(self) -> None:
        if self.status not in CHAT_DELIVERIES:
            raise ValueError(f"chat status must be one of {', '.join(CHAT_DELIVERIES)}, not {self.status!r}")


# kept on a reply until the push has answered: what stays if it never does
UNFINISHED = ChatDelivery("failed", "the chat delivery did not finish")


class ChatPusher:
    """Puts consultants' replies into the conversation of their ticket, through Rasa."""

    def __init__(self, rasa_url: str, token: str | None, timeout: float = TIMEOUT_SECONDS) -> None:
        self._url = rasa_url.rstrip("/") + PUSH_PATH
        self._token = token
        self._timeout = timeout

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatPusher:
        return cls(settings.rasa_internal_url, settings.chat_push_secret)

    @property
    def configured(self) -> bool:
        """Replies can reach the chat: the web app has the push secret."""
        return bool(self._token)

    def before_push(self, sender_id: str | None) -> ChatDelivery | None:
        """The delivery known without asking Rasa (no conversation, not set up), else None."""
        if not sender_id:
            return ChatDelivery("no_chat")
        if not self.configured:
            return ChatDelivery("not_configured")
        return None

    def push(
        self, *, conversation: str, text: str, consultant: str, reference: str, reply_id: int
    ) -> ChatDelivery:
        """Post the reply to Rasa; never raises (a failure is ``failed`` with the reason)."""
        body = {
            "conversation": conversation,
            "text": text,
            "consultant": consultant,
            "reference": reference,
            "reply_id": reply_id,
        }
        request = urllib.request.Request(
            self._url,
            data=json.dumps(body).encode(),
            method="POST",
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {self._token}",
                "User-Agent": "pharmabot-tickets",
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            return self._refused(reference, exc.code, _error_of(exc))
        except (OSError, ValueError) as exc:
            logger.warning("could not put the reply on ticket %s in the chat: %s", reference, exc)
            return ChatDelivery("failed", f"{type(exc).__name__}: {exc}"[:500])
        if not isinstance(answer, dict) or answer.get("recorded") is not True:
            return ChatDelivery("failed", "the chat server did not confirm the reply")
        return ChatDelivery("live" if answer.get("live") is True else "waiting")

    @staticmethod
    def _refused(reference: str, status: int, error: str) -> ChatDelivery:
        if status == 404:
            return ChatDelivery("no_chat", "the conversation is no longer kept")
        logger.warning("the chat server refused the reply on ticket %s: HTTP %s %s", reference, status, error)
        return ChatDelivery("failed", f"the chat server answered HTTP {status}: {error}"[:500])


def _error_of(exc: urllib.error.HTTPError) -> str:
    """The ``error`` of a JSON error answer, else the reason phrase."""
    try:
        body = json.loads(exc.read() or b"{}")
    except (OSError, ValueError):
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return str(body["error"])[:300]
    return str(exc.reason)

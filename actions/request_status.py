"""'What's the status of my request MC-7K3Q9?': the state of a ticket filed from this chat.

Only the conversation that filed a ticket learns its state: a reference alone is no proof of
who asks (references are short enough to be read out on the phone).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.phrases import buttons, phrase
from bot.settings import load_settings
from bot.tickets import TicketError, TicketRepository
from bot.tickets.records import TicketRecord
from bot.tickets.references import ALPHABET, LENGTH, PREFIX

#: a reference as patients type it: "MC-7K3Q9", "mc 7k3q9", "MC7K3Q9"
REFERENCE_IN_TEXT = re.compile(rf"\b{PREFIX[:-1]}[-\s]?([{ALPHABET}]{{{LENGTH}}})\b", re.I)
STATES = ("new", "claimed", "waiting_for_patient", "resolved")


def reference_in(text: str) -> str | None:
    """The ticket reference a message names, in its canonical form, or None."""
    match = REFERENCE_IN_TEXT.search(text.upper())
    return f"{PREFIX}{match.group(1).upper()}" if match else None


def _lookup(reference: str) -> TicketRecord | None:
    try:
        return TicketRepository.for_url(load_settings().database_url).get(reference)
    except TicketError:
        return None


class ActionRequestStatus(Action):
    """Tells the patient the state of a request this conversation filed."""

    def name(self) -> str:
        return "action_request_status"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        reference = reference_in(str((tracker.latest_message or {}).get("text") or ""))
        if reference is None:
            dispatcher.utter_message(text=phrase("request_status_which"))
            return []
        record = await asyncio.to_thread(_lookup, reference)
        if record is None or record.sender_id != tracker.sender_id or record.status not in STATES:
            dispatcher.utter_message(
                text=phrase("request_status_unknown", reference=reference),
                buttons=buttons("offer_consultant"),
            )
            return []
        dispatcher.utter_message(text=phrase(f"request_status_{record.status}", reference=reference))
        return []

"""Session start: carry slots over, and take the page's medicine from the widget's metadata."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.knowledge_base import knowledge_base

#: slots that are about one session only and must not be carried over
_NOT_CARRIED = {"session_started_metadata", "requested_slot", "disclaimer_shown"}


class ActionSessionStart(Action):
    """Starts a session; a page about a drug (metadata ``drug``) puts that drug in context."""

    def name(self) -> str:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        events: list[EventType] = [SessionStarted()]
        for slot, value in tracker.current_slot_values().items():
            if value is not None and slot not in _NOT_CARRIED:
                events.append(SlotSet(slot, value))
        metadata = tracker.get_slot("session_started_metadata") or {}
        page_drug = metadata.get("drug") if isinstance(metadata, dict) else None
        if isinstance(page_drug, str) and page_drug.strip():
            mono = knowledge_base().find_drug(page_drug)
            events.append(SlotSet("drug", mono.id if mono else page_drug.strip()))
        events.append(ActionExecuted("action_listen"))
        return events

"""When the NLU is not sure: ask to rephrase, never guess; a personal decision still goes to
the physician and the consultant."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.decisions import asks_for_decision
from actions.phrases import buttons, phrase


class ActionFallback(Action):
    """Low NLU confidence: topic buttons and the consultant; no facts that could be a guess."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        text = str((tracker.latest_message or {}).get("text") or "")
        if asks_for_decision(text):
            dispatcher.utter_message(text=phrase("personal_decision_unclear"))
            dispatcher.utter_message(text=phrase("offer_consultant"), buttons=buttons("offer_consultant"))
            dispatcher.utter_message(text=phrase("disclaimer"))
            return []
        dispatcher.utter_message(text=phrase("ask_rephrase"), buttons=buttons("ask_rephrase"))
        return []

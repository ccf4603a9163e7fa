"""When the NLU is not sure: ask to rephrase, never guess. A personal decision still goes to
the physician: with the label's dosing and missed-dose facts when the drug is known ("missed
both doses yesterday, ok to take four today?"), else on its own, with the consultant."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.answers import ActionAnswerDosing
from actions.compose import full_disclaimer
from actions.drug_context import entity_values, resolve_drug
from actions.knowledge_base import knowledge_base
from actions.phrases import buttons, phrase
from patient_text.safety import decision_requested


class ActionFallback(Action):
    """Low NLU confidence: topic buttons and the consultant; no facts that could be a guess."""

    def name(self) -> str:
        return "action_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        text = str(message.get("text") or "")
        if decision_requested(text, entity_values(message, "triage")):
            context = resolve_drug(knowledge_base(), message, tracker.get_slot("drug"))
            if context.monograph is not None and not context.needs_choice:
                return await ActionAnswerDosing().run(dispatcher, tracker, domain)
            dispatcher.utter_message(text=phrase("personal_decision_unclear"))
            dispatcher.utter_message(text=phrase("offer_consultant"), buttons=buttons("offer_consultant"))
            return full_disclaimer(dispatcher)
        dispatcher.utter_message(text=phrase("ask_rephrase"), buttons=buttons("ask_rephrase"))
        return []

"""Price, stock and insurance questions: honest "we can't", and the consultant who can."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.drug_context import resolve_drug
from actions.knowledge_base import knowledge_base
from actions.phrases import buttons, phrase


class ActionAnswerPurchase(Action):
    """Says the bot has no prices or stock and offers the pharmacy's consultant."""

    def name(self) -> str:
        return "action_answer_purchase"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        context = resolve_drug(knowledge_base(), tracker.latest_message or {}, tracker.get_slot("drug"))
        name = context.monograph.generic_name if context.monograph is not None else context.unknown_name
        if name:
            dispatcher.utter_message(text=phrase("purchase", drug_name=name), buttons=buttons("purchase"))
        else:
            dispatcher.utter_message(text=phrase("purchase_generic"), buttons=buttons("purchase_generic"))
        return []

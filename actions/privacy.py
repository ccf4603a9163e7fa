"""The patient's "delete my data", once confirmed: the conversation is marked to be forgotten.

The deletion itself happens in the chat channel (``bot.channels``), after Rasa has stored
this turn, so nothing of it is written back; the channel then tells the patient whether it
worked (``conversation_forgotten`` or ``forget_failed``).
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActiveLoop, AllSlotsReset, EventType
from rasa_sdk.executor import CollectingDispatcher

FORGET_MARKER = "forget_conversation"  # read by bot.channels after the turn


class ActionForgetConversation(Action):
    """Clears the slots and asks the channel to delete the conversation after this turn."""

    def name(self) -> str:
        return "action_forget_conversation"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(json_message={FORGET_MARKER: True})
        return [ActiveLoop(None), AllSlotsReset()]

"""The urgent answer to a red flag: what to do now, why (from the label), a person, disclaimer.

The reason is named only when a pattern of the shared list or of the conversation's drug found
it; the learned triage's flags (``general/triage_*``) and other drugs' flags set how urgent the
answer is but name nothing, so no fact of another drug is ever shown."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.compose import full_disclaimer
from actions.drug_context import entity_values, resolve_drug
from actions.knowledge_base import knowledge_base
from actions.phrases import buttons, phrase
from knowledge import Monograph, cite
from knowledge.red_flags import GENERAL, URGENCY_ORDER, load_general
from patient_text.safety import decision_requested

#: levels whose answer names the reason ("what you describe (chest pain) can be ...")
NAMED_LEVELS = {"emergency", "same_day"}


@lru_cache(maxsize=1)
def _general_flags() -> dict[str, tuple[str, str]]:
    return {flag.id: (flag.urgency, flag.title) for flag in load_general()}


def _flag_info(key: str) -> tuple[str, str, str, str] | None:
    """(drug id, flag id, urgency, title) of an entity value such as 'ocrelizumab/pml_signs'."""
    drug_id, _, flag_id = key.partition("/")
    if drug_id == GENERAL:
        info = _general_flags().get(flag_id)
        return (drug_id, flag_id, *info) if info else None
    mono = knowledge_base().monographs.get(drug_id)
    flag = next((f for f in mono.red_flags if f.id == flag_id), None) if mono else None
    return (drug_id, flag_id, flag.urgency, flag.title) if flag else None


class ActionRedFlag(Action):
    """Answers a red flag first, whatever else the message asked and whatever form is active."""

    def name(self) -> str:
        return "action_red_flag"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        message = tracker.latest_message or {}
        flags = [info for key in entity_values(message, "red_flag") if (info := _flag_info(key))]
        if not flags:
            return []
        context = resolve_drug(knowledge_base(), message, tracker.get_slot("drug"))
        mono = context.monograph
        own = [f for f in flags if f[0] in (GENERAL, mono.id if mono else "")]
        level = min((f[2] for f in flags), key=URGENCY_ORDER.__getitem__)
        named = [f for f in own if f[2] == level and not f[1].startswith("triage_")]
        # the drug's own entry names it more precisely than the shared one
        named = [f for f in named if f[0] != GENERAL] or named
        concerns = ", ".join(dict.fromkeys(f[3].lower() for f in named))
        template = (
            f"red_flag_{level}" if concerns or level not in NAMED_LEVELS else f"red_flag_{level}_unnamed"
        )
        dispatcher.utter_message(
            text=phrase(template, concerns=concerns),
            json_message={"urgent": True, "level": level, "red_flags": [f"{f[0]}/{f[1]}" for f in flags]},
        )
        if decision_requested(str(message.get("text") or ""), entity_values(message, "triage")):
            dispatcher.utter_message(text=phrase("red_flag_decision"))
        if mono is not None:
            why = _why_lines(mono, [f[1] for f in own if f[0] == mono.id])
            if why:
                dispatcher.utter_message(
                    text="\n".join([phrase("red_flag_why", drug_name=mono.generic_name), *why])
                )
        dispatcher.utter_message(text=phrase("offer_consultant"), buttons=buttons("offer_consultant"))
        events: list[EventType] = [SlotSet("urgent", True), *full_disclaimer(dispatcher)]
        requested = tracker.get_slot("requested_slot")
        if tracker.active_loop.get("name") and requested:
            # whatever this message put into the form's current question is not an answer
            events.append(SlotSet(requested, None))
        return events


def _why_lines(mono: Monograph, flag_ids: list[str]) -> list[str]:
    lines: list[str] = []
    for flag in mono.red_flags:
        if flag.id in flag_ids:
            lines.extend(f"- {fact.text} {cite(mono, fact)}" for fact in flag.facts)
    return list(dict.fromkeys(lines))

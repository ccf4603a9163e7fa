"""One conversation's events, for the tests that check a tracker's derived state against Rasa's:
answers, a handoff form (whose repeated loop turns Rasa removes from the applied events), a
hidden rule turn, a reverted turn, a restart and a new session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    Event,
    Restarted,
    SessionStarted,
    SlotSet,
    UserUtteranceReverted,
    UserUttered,
)

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))


def _user(intent: str, text: str) -> UserUttered:
    return UserUttered(text, {"name": intent, "confidence": 0.9}, [{"entity": "drug", "value": "ocrevus"}])


def _form_turn(slot: str, value: str) -> list[Event]:
    return [
        ActionExecuted("action_listen"),
        _user("inform", value),
        ActionExecuted("handoff_form"),
        SlotSet(slot, value),
        SlotSet("requested_slot", None),
    ]


def conversation() -> Iterator[Event]:
    yield from [ActionExecuted("action_session_start"), SessionStarted(), ActionExecuted("action_listen")]
    for _ in range(3):
        yield from [
            _user("ask_side_effects", "side effects of ocrevus"),
            ActionExecuted("action_answer_side_effects"),
        ]
        yield from [SlotSet("drug", "ocrelizumab"), ActionExecuted("action_listen")]
    yield from [_user("request_consultant", "can a person call me"), ActionExecuted("handoff_form")]
    yield from [ActiveLoop("handoff_form"), SlotSet("requested_slot", "contact_name")]
    yield from _form_turn("contact_name", "Jane Doe")
    yield from _form_turn("contact", "jane@example.com")
    yield from [ActionExecuted("action_listen"), _user("ask_dosing", "wait, how often is it given")]
    yield from [ActionExecuted("action_answer_dosing", hide_rule_turn=True), ActionExecuted("handoff_form")]
    yield from [ActiveLoop(None), SlotSet("requested_slot", None), ActionExecuted("action_listen")]
    yield from [_user("ask_storage", "how do i store it"), UserUtteranceReverted()]
    yield from [ActionExecuted("action_listen"), _user("greet", "hello"), ActionExecuted("utter_greet")]
    yield from [ActionExecuted("action_listen"), Restarted(), ActionExecuted("action_session_start")]
    yield from [SessionStarted(), ActionExecuted("action_listen"), _user("ask_pml", "what is pml")]

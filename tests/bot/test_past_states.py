"""The policies' states carried forward (bot/past_states.py) are Rasa's own, turn after turn.

One tracker grows event by event through answers, a handoff form (whose repeated loop turns
Rasa removes from the applied events), a reverted turn, a restart and a new session; after every
event the states the policies would get (Rasa's featurizer, both user-input modes, with and
without the rule-only turns) are compared with Rasa's own on a fresh copy of the same events.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from rasa.core.featurizers.tracker_featurizers import FullDialogueTrackerFeaturizer
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
from rasa.shared.core.trackers import DialogueStateTracker

from bot import past_states

DOMAIN = Domain.load(str(Path(__file__).resolve().parents[2] / "domain.yml"))
RULE_ONLY = {"rule_only_slots": ["consent"], "rule_only_loops": ["handoff_form"]}


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


def _conversation() -> Iterator[Event]:
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


def _predicted_states(tracker: DialogueStateTracker, use_text: bool, rule_only: bool) -> list:
    featurizer = FullDialogueTrackerFeaturizer(None)
    return featurizer.prediction_states(
        [tracker],
        DOMAIN,
        use_text_for_last_user_input=use_text,
        ignore_rule_only_turns=rule_only,
        rule_only_data=RULE_ONLY if rule_only else None,
    )


@pytest.fixture
def installed() -> Iterator[None]:
    past_states.install()
    yield
    past_states.uninstall()


def test_states_carried_forward_are_rasas_after_every_event(installed: None) -> None:
    growing = DialogueStateTracker("a", DOMAIN.slots)
    seen: list[Event] = []
    for event in _conversation():
        growing.update(event)
        seen.append(event)
        for use_text in (True, False):
            for rule_only in (True, False):
                ours = _predicted_states(growing, use_text, rule_only)
                past_states.uninstall()
                fresh = DialogueStateTracker.from_events("a", seen, DOMAIN.slots)
                rasas = _predicted_states(fresh, use_text, rule_only)
                past_states.install()
                assert ours == rasas, f"after {event}"
        rasas_applied = DialogueStateTracker.from_events("a", seen, DOMAIN.slots)
        assert past_states.applied_events(growing) == past_states._original_applied(rasas_applied)


def test_states_are_built_once_per_event(installed: None, monkeypatch: pytest.MonkeyPatch) -> None:
    built: list[int] = []
    original = Domain.get_active_state
    monkeypatch.setattr(
        Domain, "get_active_state", lambda self, *a, **k: built.append(1) or original(self, *a, **k)
    )
    tracker = DialogueStateTracker("a", DOMAIN.slots)
    for event in list(_conversation())[:12]:
        tracker.update(event)
    _predicted_states(tracker, False, False)
    first = len(built)
    tracker.update(ActionExecuted("action_listen"))
    _predicted_states(tracker, False, False)
    assert len(built) - first <= 2  # the new action's state and the state now, not all again

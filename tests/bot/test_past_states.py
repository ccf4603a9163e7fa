"""The policies' states carried forward (bot/past_states.py) are Rasa's own, turn after turn.

One tracker grows event by event through answers, a handoff form (whose repeated loop turns
Rasa removes from the applied events), a reverted turn, a restart and a new session; after every
event the states the policies would get (Rasa's featurizer, both user-input modes, with and
without the rule-only turns) are compared with Rasa's own on a fresh copy of the same events.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from rasa.core.featurizers.tracker_featurizers import FullDialogueTrackerFeaturizer
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot import past_states
from tests.bot.conversation_events import DOMAIN, conversation

RULE_ONLY = {"rule_only_slots": ["consent"], "rule_only_loops": ["handoff_form"]}


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
    for event in conversation():
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
    for event in list(conversation())[:12]:
        tracker.update(event)
    _predicted_states(tracker, False, False)
    first = len(built)
    tracker.update(ActionExecuted("action_listen"))
    _predicted_states(tracker, False, False)
    assert len(built) - first <= 2  # the new action's state and the state now, not all again

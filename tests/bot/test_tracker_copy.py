"""A tracker's copy without replay (bot/tracker_copy.py) is Rasa's copy, after every event."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from rasa.shared.core.events import ActionExecuted, Event, SlotSet
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from bot import tracker_copy
from tests.bot.conversation_events import DOMAIN, conversation


@pytest.fixture
def installed() -> Iterator[None]:
    tracker_copy.install()
    yield
    tracker_copy.uninstall()


def _comparable(tracker: DialogueStateTracker) -> dict[str, Any]:
    """Everything a tracker holds, in a form ``==`` compares (events by identity)."""
    state = dict(vars(tracker))
    state["events"] = [id(event) for event in tracker.events]
    state["slots"] = {
        name: (slot.value, slot.has_been_set, type(slot)) for name, slot in tracker.slots.items()
    }
    state["current_state"] = tracker.current_state(EventVerbosity.ALL)
    state["past_states"] = tracker.past_states(DOMAIN)
    return state


def test_the_copy_holds_what_rasas_copy_holds_after_every_event() -> None:
    tracker = DialogueStateTracker("a", DOMAIN.slots)
    tracker.model_id, tracker.assistant_id = "model-1", "assistant-1"
    for event in conversation():
        tracker.update(event)
        ours, rasas = tracker_copy.copy_tracker(tracker), tracker_copy._original(tracker)
        assert _comparable(ours) == _comparable(rasas), f"after {event}"
        # neither copy carries the ids (Rasa's does not)
        assert ours.model_id is None and ours.assistant_id is None


def test_changing_the_copy_leaves_the_tracker_as_it_was(installed: None) -> None:
    tracker = DialogueStateTracker("a", DOMAIN.slots)
    events: list[Event] = list(conversation())[:20]
    for event in events:
        tracker.update(event)
    before = _comparable(tracker)
    changed = tracker.copy()
    changed.update(ActionExecuted("handoff_form"))
    changed.reject_action("handoff_form")  # Rasa changes the loop in place
    changed.update(SlotSet("drug", "elacestrant"))
    changed.latest_action["action_name"] = "changed in place"
    assert changed.get_slot("drug") == "elacestrant" and changed.is_active_loop_rejected
    assert _comparable(tracker) == before

"""bot.event_lookup: the same event classes as Rasa's own lookup, from a table."""

from __future__ import annotations

import pytest
from rasa.shared.core import events
from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

from bot import event_lookup


def _rasas(type_name: str, default: type | None = None) -> type | None:
    for cls in all_subclasses(Event):
        if cls.type_name == type_name:
            return cls
    if type_name == "topic":
        return None
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


@pytest.mark.parametrize("type_name", sorted({cls.type_name for cls in all_subclasses(Event)}))
def test_every_event_type_resolves_to_rasas_class(type_name: str) -> None:
    assert event_lookup.resolve_by_type(type_name) is _rasas(type_name)


def test_unknown_names_topic_and_defaults_behave_as_in_rasa() -> None:
    with pytest.raises(ValueError, match="Unknown event name 'nonsense'"):
        event_lookup.resolve_by_type("nonsense")
    assert event_lookup.resolve_by_type("topic") is None
    assert event_lookup.resolve_by_type("nonsense", events.UserUttered) is events.UserUttered


def test_a_subclass_imported_later_is_found() -> None:
    event_lookup.resolve_by_type("user")  # the table exists

    class LateEvent(events.SlotSet):
        type_name = "late_event_for_test"

    assert event_lookup.resolve_by_type("late_event_for_test") is LateEvent


def test_installed_rasa_reads_events_back_through_it() -> None:
    original = Event.__dict__["resolve_by_type"]
    try:
        event_lookup.install()
        stored = [events.UserUttered("hi", {"name": "greet"}), events.SlotSet("drug", "ocrelizumab")]
        restored = events.deserialise_events([event.as_dict() for event in stored])
        assert restored == stored
    finally:
        Event.resolve_by_type = original  # type: ignore[method-assign]

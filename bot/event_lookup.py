"""Rasa's lookup of an event class by its type name, at the cost it should have.

Rasa 3.6 rebuilds the list of every ``Event`` subclass (recursively, asking
``inspect.isabstract`` of each) for every event it reads back from the tracker store, so
loading a conversation of n events walks the class tree n times: at the 100th message of a
conversation that was about a sixth of the Rasa server's time (py-spy,
``docs/performance.md``). :func:`install` answers from a table of the same classes, built
once and rebuilt when a name is missing (a subclass imported later); the answers are Rasa's
own: the first class of ``all_subclasses(Event)`` with that ``type_name``.
"""

from __future__ import annotations

from typing import Any

_table: dict[str, Any] = {}


def _rebuild() -> None:
    from rasa.shared.core.events import Event
    from rasa.shared.utils.common import all_subclasses

    table: dict[str, Any] = {}
    for cls in all_subclasses(Event):
        table.setdefault(cls.type_name, cls)
    _table.clear()
    _table.update(table)


def resolve_by_type(type_name: str, default: Any = None) -> Any:
    """``Event.resolve_by_type`` from the table (same results, same errors)."""
    if type_name not in _table:
        _rebuild()
    found = _table.get(type_name)
    if found is not None:
        return found
    if type_name == "topic":
        return None  # Rasa's backwards compatibility for old TopicSet events
    if default is not None:
        return default
    raise ValueError(f"Unknown event name '{type_name}'.")


def install() -> None:
    """Use :func:`resolve_by_type` for ``Event.resolve_by_type`` in this process."""
    from rasa.shared.core.events import Event

    Event.resolve_by_type = staticmethod(resolve_by_type)

"""The RulePolicy's debug line of the conversation's states, formatted only when it is printed.

Before each of its lookups (four a message) Rasa's ``RulePolicy`` formats every state of the
session into one string, and deep-copies it, for a debug log line that a server logging at
INFO or above drops unread: 0.56 ms a lookup at the 100th message (200 states), growing with
the conversation. Installed, the policy hands the log a :class:`FormattedStates` instead, which
formats the same string when, and only when, something prints it.
"""

from __future__ import annotations

from typing import Any

from rasa.core.policies.rule_policy import RulePolicy

_original = RulePolicy.format_tracker_states


class FormattedStates:
    """States that print as ``Policy.format_tracker_states`` formats them."""

    __slots__ = ("states",)

    def __init__(self, states: list[dict[str, Any]]) -> None:
        self.states = states

    def __str__(self) -> str:
        return str(_original(self.states))

    __repr__ = __str__

    def __deepcopy__(self, memo: dict[int, Any]) -> FormattedStates:
        return self  # Rasa copies the log value; nothing changes it


def install() -> None:
    """The RulePolicy formats its states lazily in this process (idempotent)."""
    RulePolicy.format_tracker_states = staticmethod(FormattedStates)


def uninstall() -> None:
    """Rasa's own formatting again (tests)."""
    RulePolicy.format_tracker_states = staticmethod(_original)

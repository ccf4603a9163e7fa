"""The conversation an answer action is sent: its latest turns, not every event of the session.

Rasa sends every custom action the whole session's events (``EventVerbosity.ALL``): at the
100th message about 800 events, 370 KB of JSON built, sent and read back for one answer. The
answer actions (``action_answer_*``) read the events only to see whether the patient moved to
another article (the page of their last two messages, actions/drug_context.py) and whether the
full disclaimer was sent (now a slot, ``disclaimer_shown``); they get the slots, the latest
message and the events from the patient's second-to-last message on. Every other action (the
handoff, which reads the patient's questions and the transcript; the fallback; the forms) gets
the whole session as before. Installed by ``python -m bot rasa`` (:func:`install`).
"""

from __future__ import annotations

from typing import Any

import rasa
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

#: the actions that get the latest turns only (they read no older event)
RECENT_ONLY_PREFIX = "action_answer_"
#: the patient's messages whose turns they get (the page change compares the last two)
RECENT_USER_MESSAGES = 2

_original = RemoteAction._action_call_format


def recent_events(tracker: DialogueStateTracker, user_messages: int = RECENT_USER_MESSAGES) -> list[Event]:
    """The events from the patient's ``user_messages``-th last message on (all when fewer)."""
    recent: list[Event] = []
    seen = 0
    for event in reversed(tracker.events):
        recent.append(event)
        if isinstance(event, UserUttered):
            seen += 1
            if seen == user_messages:
                break
    recent.reverse()
    return recent


def _action_call_format(self: RemoteAction, tracker: DialogueStateTracker, domain: Domain) -> dict[str, Any]:
    """Rasa 3.6's request to the action server, with the latest turns only for an answer action."""
    if not self.name().startswith(RECENT_ONLY_PREFIX):
        return _original(self, tracker, domain)
    state = tracker.current_state(EventVerbosity.NONE)
    state["events"] = [event.as_dict() for event in recent_events(tracker)]
    result = {
        "next_action": self._name,
        "sender_id": tracker.sender_id,
        "tracker": state,
        "version": rasa.__version__,
    }
    if not self._is_selective_domain_enabled() or domain.does_custom_action_explicitly_need_domain(
        self.name()
    ):
        result["domain"] = domain.as_dict()
    return result


def install() -> None:
    """Send answer actions the latest turns only, in this process (idempotent)."""
    RemoteAction._action_call_format = _action_call_format


def uninstall() -> None:
    """Rasa's own request again (tests)."""
    RemoteAction._action_call_format = _original

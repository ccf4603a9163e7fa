"""A tracker's copy that takes its state over instead of replaying its events.

Rasa copies the conversation's tracker before every action it runs (``MessageProcessor.
_run_action``: a rejected action's events are thrown away with the copy), and
``DialogueStateTracker.copy`` replays every event of the session into a new tracker: two
copies a message, about 800 events each at the 100th message, the one cost of a turn that
still grew with the conversation (docs/performance.md). The state those events leave is the
tracker's own state, so this copy takes it over: the same event objects (Rasa's replay shares
them too), each slot copied with its value, the loop and the latest action copied (Rasa
changes them in place), and nothing that Rasa's copy does not carry either (the model and
assistant ids, the sender source, this project's memos).

``install()`` puts it in place of ``DialogueStateTracker.copy`` in the Rasa server's process.
tests/bot/test_tracker_copy.py compares it with Rasa's after every event of a conversation.
"""

from __future__ import annotations

import copy

from rasa.shared.core.trackers import DialogueStateTracker

_original = DialogueStateTracker.copy


def copy_tracker(self: DialogueStateTracker) -> DialogueStateTracker:
    """``DialogueStateTracker.copy`` without replaying the events."""
    new = self.init_copy()
    new.events.extend(self.events)
    new.slots = {name: copy.copy(slot) for name, slot in self.slots.items()}
    new._paused = self._paused
    new.followup_action = self.followup_action
    new.latest_action = dict(self.latest_action) if self.latest_action is not None else None
    new.latest_message = self.latest_message
    new.latest_bot_utterance = self.latest_bot_utterance
    new.active_loop = copy.copy(self.active_loop)
    return new


def install() -> None:
    """Replace ``DialogueStateTracker.copy`` in this process (idempotent)."""
    DialogueStateTracker.copy = copy_tracker


def uninstall() -> None:
    """Rasa's own ``copy`` again (tests)."""
    DialogueStateTracker.copy = _original

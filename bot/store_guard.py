"""What a chat turn does when the conversation store (Rasa's tracker store) fails.

Rasa wraps every tracker store in ``FailSafeTrackerStore``: when PostgreSQL is away it logs,
reads the conversation as a new one and keeps the turn in memory only, so the patient would
get an answer without the conversation's context (a form forgotten mid-way, "it" without a
drug) that the conversation will not hold once the database is back. Here the channels watch
for that failure during each message (:func:`watching`) and then replace the turn with the
apology (:func:`guarded_turn`), except an urgent turn: red flags are answered first, whatever
else is going on, and need no history. The patient's message is not kept either way; they
send it again when the store is back.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from bot.chat_input import is_urgent

log = logging.getLogger(__name__)

_failures: ContextVar[list[str] | None] = ContextVar("tracker_store_failures", default=None)


def _record(error: Exception) -> None:
    """``FailSafeTrackerStore``'s error callback: log (no patient data) and note it for the turn."""
    log.error("conversation store failed: %s: %s", type(error).__name__, str(error).splitlines()[0][:200])
    failures = _failures.get()
    if failures is not None:
        failures.append(type(error).__name__)


def watch(agent: Any) -> None:
    """Route the errors of ``agent``'s fail-safe tracker store to this module (idempotent; a
    model reload makes a new store, so the channels call it for every message)."""
    store = getattr(agent, "tracker_store", None)
    if store is not None and hasattr(store, "_on_tracker_store_error"):
        store._on_tracker_store_error = _record


@contextmanager
def watching(agent: Any) -> Iterator[list[str]]:
    """The tracker-store errors of the message handled inside the block (empty: none)."""
    watch(agent)
    failures: list[str] = []
    token = _failures.set(failures)
    try:
        yield failures
    finally:
        _failures.reset(token)


def guarded_turn(
    messages: list[dict[str, Any]], failures: list[str], apology: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The turn to send: as it is without failures or when urgent, else ``apology``."""
    if not failures or any(is_urgent(m) for m in messages):
        return messages
    return apology

"""Rasa's SQL tracker store, keeping the conversations it saved last in memory.

Rasa's ``SQLTrackerStore`` rebuilds a conversation from every row of its session on every
message: at the 100th message that is about 500 events read, decoded and replayed before the
NLU even starts. This store keeps the tracker it saved, per conversation (the most recent
``cache_size``), and hands it back on the next ``retrieve`` when the database still ends where
it ended: the conversation's highest event id is the one seen at the save (one indexed query).
Another Rasa server that wrote to the conversation, a deletion (``/forget``, retention), a
failed turn that never saved or a new model change that id, the tracker's length or the
domain, and the conversation is read from the database as before. Rasa holds the
conversation's lock (the lock store) from the retrieve to the save, so nobody writes it in
between.

A kept tracker is handed out once: ``retrieve`` removes it, the next ``save`` puts it back. A
tracker whose turn started a new session (a second ``session_started``) is not kept, since the
database read starts at the latest session and the tracker in memory would not.

Configured in endpoints.yml as ``type: bot.tracker_cache.CachedSQLTrackerStore`` with the
``SQL`` store's keys, plus ``cache_size`` (conversations kept, default 256).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker

DEFAULT_CACHE_SIZE = 256


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    length: int
    last_id: int | None
    domain: Any


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that keeps the last saved tracker of recent conversations."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cache_size = int(cache_size)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def _last_id(self, sender_id: str) -> int | None:
        """The highest event id stored for ``sender_id`` (None: no event)."""
        with self.session_scope() as session:
            query = sa.select(sa.func.max(self.SQLEvent.id)).where(self.SQLEvent.sender_id == sender_id)
            value = session.execute(query).scalar()
            return int(value) if value is not None else None

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The kept tracker when the database has not changed since it was saved, else Rasa's read."""
        kept = self._kept.pop(sender_id, None)
        if (
            kept is not None
            and kept.domain is self.domain
            and len(kept.tracker.events) == kept.length
            and kept.last_id == self._last_id(sender_id)
        ):
            self.hits += 1
            return kept.tracker
        self.misses += 1
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save, then keep the tracker with the conversation's highest event id."""
        self._kept.pop(tracker.sender_id, None)
        await super().save(tracker)
        if self.cache_size <= 0 or _session_starts(tracker) > 1:
            return
        self._kept[tracker.sender_id] = _Kept(
            tracker, len(tracker.events), self._last_id(tracker.sender_id), self.domain
        )
        while len(self._kept) > self.cache_size:
            self._kept.popitem(last=False)


def _session_starts(tracker: DialogueStateTracker) -> int:
    return sum(isinstance(event, SessionStarted) for event in tracker.events)

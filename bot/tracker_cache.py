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

A kept tracker is handed out once: ``retrieve`` removes it, the next ``save`` stores only the
events added since (Rasa counts the stored rows first) and keeps it again. A
tracker whose turn started a new session (a second ``session_started``) is not kept, since the
database read starts at the latest session and the tracker in memory would not.

On SQLite (the single-machine default) the store also keeps its connections open, in WAL mode
without a disk sync at every commit (``_pooled_sqlite``); the tickets' connections to the same
file keep their full sync.

Configured in endpoints.yml as ``type: bot.tracker_cache.CachedSQLTrackerStore`` with the
``SQL`` store's keys, plus ``cache_size`` (conversations kept, default 256).
"""

from __future__ import annotations

import itertools
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from bot.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, sqlite_settings

DEFAULT_CACHE_SIZE = 256


@dataclass
class _Kept:
    tracker: DialogueStateTracker
    length: int
    last_id: int | None
    domain: Any
    #: the session_started events among its events
    sessions: int


class CachedSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` that keeps the last saved tracker of recent conversations."""

    def __init__(self, *args: Any, cache_size: int = DEFAULT_CACHE_SIZE, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        engine: sa.engine.Engine = self.engine  # type: ignore[has-type]
        if engine.dialect.name == "sqlite":
            self.engine = _pooled_sqlite(engine)
            self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        self.cache_size = int(cache_size)
        self._kept: OrderedDict[str, _Kept] = OrderedDict()
        #: trackers handed out from memory, as they were kept
        self._lent: OrderedDict[str, _Kept] = OrderedDict()
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
        self._lent.pop(sender_id, None)
        if (
            kept is not None
            and kept.domain is self.domain
            and len(kept.tracker.events) == kept.length
            and kept.last_id == self._last_id(sender_id)
        ):
            self.hits += 1
            _bounded_put(self._lent, sender_id, kept, self.cache_size)
            return kept.tracker
        self.misses += 1
        return await super().retrieve(sender_id)

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Rasa's save (the events the database lacks, one commit), then keep the tracker with
        the id of its last row. For a tracker handed out from memory the database holds its
        first events as they were then: no count of the stored rows is needed."""
        sender_id = tracker.sender_id
        self._kept.pop(sender_id, None)
        lent = self._lent.pop(sender_id, None)
        await self.stream_events(tracker)
        with self.session_scope() as session:
            if lent is not None and lent.tracker is tracker:
                new = list(itertools.islice(tracker.events, lent.length, None))
                sessions = lent.sessions + _session_starts(new)
            else:
                new = list(self._additional_events(session, tracker))
                sessions = _session_starts(tracker.events)
            rows = [self._row(sender_id, event) for event in new]
            session.add_all(rows)
            session.flush()
            last_id = rows[-1].id if rows else None
            session.commit()
        if self.cache_size <= 0 or sessions > 1:
            return
        if last_id is None:
            last_id = self._last_id(sender_id)
        kept = _Kept(tracker, len(tracker.events), last_id, self.domain, sessions)
        _bounded_put(self._kept, sender_id, kept, self.cache_size)

    def _row(self, sender_id: str, event: Event) -> Any:
        """One event as Rasa 3.6's ``SQLTrackerStore.save`` stores it."""
        data = event.as_dict()
        return self.SQLEvent(
            sender_id=sender_id,
            type_name=event.type_name,
            timestamp=data.get("timestamp"),
            intent_name=data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
            action_name=data.get("name"),
            data=json.dumps(data),
        )


def _pooled_sqlite(engine: sa.engine.Engine) -> sa.engine.Engine:
    """The same SQLite file through a pool of open connections, with the project's SQLite
    settings (``bot.sqlite``) and no disk sync at every commit. SQLAlchemy
    1.4 opens and closes a new SQLite connection for every session, and a synced commit was half
    of a save under load. PostgreSQL (the production layout) is not touched. Rasa's store uses
    its connections from the server's event loop only."""
    pooled = sa.create_engine(
        engine.url,
        poolclass=sa.pool.QueuePool,
        pool_size=2,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
    )
    sa.event.listen(pooled, "connect", sqlite_settings(sync_every_commit=False))
    engine.dispose()
    return pooled


def _bounded_put(store: OrderedDict[str, Any], key: str, value: Any, size: int) -> None:
    store[key] = value
    while len(store) > max(size, 0):
        store.popitem(last=False)


def _session_starts(events: Iterable[Event]) -> int:
    return sum(isinstance(event, SessionStarted) for event in events)

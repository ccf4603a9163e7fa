"""The caching SQL tracker store: the kept tracker only while the database ends where it did.

Two stores on one SQLite file stand for two Rasa servers sharing a database.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.retention import forget_conversation
from bot.tracker_cache import CachedSQLTrackerStore

DOMAIN = Domain.from_yaml(
    """
version: "3.1"
intents: [greet]
slots:
  drug:
    type: text
    mappings: [{type: custom}]
"""
)


def _store(db: Path, **kwargs: object) -> CachedSQLTrackerStore:
    return CachedSQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(db), **kwargs)


def _turn(tracker: DialogueStateTracker, text: str) -> None:
    tracker.update(UserUttered(text, {"name": "greet", "confidence": 1.0}))
    tracker.update(ActionExecuted("action_listen"))


def _new(sender: str) -> DialogueStateTracker:
    tracker = DialogueStateTracker(sender, DOMAIN.slots)
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(ActionExecuted("action_listen"))
    return tracker


def _texts(tracker: DialogueStateTracker | None) -> list[str]:
    assert tracker is not None
    return [e.text for e in tracker.events if isinstance(e, UserUttered)]


def run(coroutine):  # noqa: ANN001, ANN201 - a small helper for the async store
    return asyncio.run(coroutine)


def _saved(db: Path, text: str) -> tuple[CachedSQLTrackerStore, DialogueStateTracker]:
    """A store on ``db`` that saved conversation "a" with one message ``text``."""
    store, tracker = _store(db), _new("a")
    _turn(tracker, text)
    run(store.save(tracker))
    return store, tracker


def test_the_saved_tracker_comes_back_without_reading_the_rows(tmp_path: Path) -> None:
    store, tracker = _saved(tmp_path / "t.db", "hello")
    again = run(store.retrieve("a"))
    assert again is tracker and store.hits == 1
    _turn(again, "second")
    run(store.save(again))
    assert _texts(run(_store(tmp_path / "t.db").retrieve("a"))) == ["hello", "second"]


def test_another_server_writing_the_conversation_makes_the_next_read_come_from_the_database(
    tmp_path: Path,
) -> None:
    one, two = _store(tmp_path / "t.db"), _store(tmp_path / "t.db")
    tracker = _new("a")
    _turn(tracker, "first, on server one")
    run(one.save(tracker))
    elsewhere = run(two.retrieve("a"))
    assert elsewhere is not None
    _turn(elsewhere, "second, on server two")
    run(two.save(elsewhere))
    back = run(one.retrieve("a"))
    assert back is not tracker and one.misses == 1
    assert _texts(back) == ["first, on server one", "second, on server two"]


def test_a_kept_tracker_is_handed_out_once(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    tracker = _new("a")
    run(store.save(tracker))
    first = run(store.retrieve("a"))
    _turn(first, "a turn that failed before it was saved")
    second = run(store.retrieve("a"))
    assert second is not first
    assert _texts(second) == []


def test_a_deleted_conversation_is_not_served_from_memory(tmp_path: Path) -> None:
    store, _ = _saved(tmp_path / "t.db", "please forget me")
    forget_conversation(store.engine, "a")
    assert run(store.retrieve("a")) is None


def test_a_turn_that_started_a_new_session_is_read_back_from_the_database(tmp_path: Path) -> None:
    store, _ = _saved(tmp_path / "t.db", "old session")
    tracker = run(store.retrieve("a"))
    tracker.update(ActionExecuted("action_session_start"))
    tracker.update(SessionStarted())
    tracker.update(SlotSet("drug", "ocrelizumab"))
    tracker.update(ActionExecuted("action_listen"))
    _turn(tracker, "new session")
    run(store.save(tracker))
    back = run(store.retrieve("a"))
    assert back is not tracker
    assert _texts(back) == ["new session"]
    assert back.get_slot("drug") == "ocrelizumab"


def test_a_new_model_domain_drops_what_was_kept(tmp_path: Path) -> None:
    store = _store(tmp_path / "t.db")
    tracker = _new("a")
    run(store.save(tracker))
    store.domain = Domain.from_yaml(DOMAIN.as_yaml())
    assert run(store.retrieve("a")) is not tracker


@pytest.mark.parametrize("size", [0, 2])
def test_the_cache_keeps_at_most_cache_size_conversations(tmp_path: Path, size: int) -> None:
    store = _store(tmp_path / "t.db", cache_size=size)
    trackers = {sender: _new(sender) for sender in "abc"}
    for tracker in trackers.values():
        run(store.save(tracker))
    kept = [sender for sender in "abc" if run(store.retrieve(sender)) is trackers[sender]]
    assert kept == ["b", "c"][:size]


def _rows(store: SQLTrackerStore) -> list[tuple]:
    with store.session_scope() as session:
        query = sa.select(
            store.SQLEvent.sender_id,
            store.SQLEvent.type_name,
            store.SQLEvent.timestamp,
            store.SQLEvent.intent_name,
            store.SQLEvent.action_name,
            store.SQLEvent.data,
        ).order_by(store.SQLEvent.id)
        return [tuple(row) for row in session.execute(query)]


def test_the_rows_stored_are_the_ones_rasas_store_writes(tmp_path: Path) -> None:
    ours, rasas = (
        _store(tmp_path / "ours.db"),
        SQLTrackerStore(domain=DOMAIN, dialect="sqlite", db=str(tmp_path / "r.db")),
    )
    tracker = _new("a")
    for store in (ours, rasas):
        run(store.save(tracker))
    for turn in range(3):
        for store in (ours, rasas):
            again = run(store.retrieve("a"))
            _turn(again, f"turn {turn}")
            run(store.save(again))
    assert ours.hits == 3
    assert [r[:2] + r[3:5] for r in _rows(ours)] == [r[:2] + r[3:5] for r in _rows(rasas)]


def test_a_sqlite_store_keeps_its_connections_open_in_wal_mode(tmp_path: Path) -> None:
    store, _ = _saved(tmp_path / "t.db", "hello")
    with store.engine.connect() as connection:
        settings = [
            connection.exec_driver_sql(f"PRAGMA {name}").scalar() for name in ("journal_mode", "synchronous")
        ]
    assert settings == ["wal", 1]  # 1: NORMAL
    # the tickets in the same file keep a disk sync at every commit
    from bot.tickets.db import create_db_engine

    with create_db_engine(f"sqlite:///{tmp_path / 't.db'}").connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # 2: FULL
    opened: list[object] = []
    sa.event.listen(store.engine, "connect", lambda *args: opened.append(args))
    for text in ("second", "third"):
        tracker = run(store.retrieve("a"))
        assert tracker is not None
        _turn(tracker, text)
        run(store.save(tracker))
    assert opened == []  # the pool's connections again, none opened
    assert _texts(run(_store(tmp_path / "t.db").retrieve("a"))) == ["hello", "second", "third"]

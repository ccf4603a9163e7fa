"""Retention: `python -m bot purge` deletes what is past the period and nothing else, and a
conversation can be forgotten at once, leaving none of its words in the SQLite file."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from bot.retention import RetentionError, forget_conversation, parse_period, purge
from bot.tickets import TicketRepository
from bot.tickets.db import get_engine
from bot.tickets.drafts import TicketDraft, utcnow
from bot.tickets.models import Ticket

DAY = 86400


def _save_conversation(db: Path, sender: str, words: str, age_days: float) -> None:
    """A conversation as Rasa's own SQL tracker store writes it, its events ``age_days`` old."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import ActionExecuted, BotUttered, UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    at = time.time() - age_days * DAY
    events = [
        ActionExecuted("action_listen", timestamp=at),
        UserUttered(words, timestamp=at + 1),
        BotUttered("an answer", timestamp=at + 2),
    ]
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    asyncio.run(store.save(DialogueStateTracker.from_events(sender, events)))
    store.engine.dispose()


def _senders(db: Path) -> set[str]:
    with get_engine(f"sqlite:///{db}").connect() as connection:
        return {row[0] for row in connection.exec_driver_sql("SELECT DISTINCT sender_id FROM events")}


def _file_ticket(url: str, reference: str, status: str, age_days: float, add_consultant: Callable) -> None:
    repo = TicketRepository.for_url(url)
    draft = TicketDraft(patient_name="Ada", question="a question", consent=True, email=f"{reference}@x.test")
    repo.file(draft, reference=reference, filing_id=f"f-{reference}")
    if status == "resolved":
        repo.resolve(reference, "cora")
    with get_engine(url).begin() as connection:
        connection.execute(
            update(Ticket)
            .where(Ticket.reference == reference)
            .values(updated_at=utcnow() - timedelta(days=age_days))
        )


def test_periods():
    assert parse_period("90d") == timedelta(days=90)
    assert parse_period("12h") == timedelta(hours=12)
    for bad in ("", "90", "0d", "-3d", "3w", "ninety days"):
        with pytest.raises(RetentionError):
            parse_period(bad)


def test_purge_deletes_only_what_is_past_retention(database_url, add_consultant, tmp_path):
    add_consultant(database_url, "cora")
    tracker_db = tmp_path / "tracker.db"
    _save_conversation(tracker_db, "old-chat", "an old question", age_days=120)
    _save_conversation(tracker_db, "recent-chat", "a recent question", age_days=2)
    for reference, status, age in [
        ("MC-OLDRES", "resolved", 120),
        ("MC-NEWRES", "resolved", 5),
        ("MC-OLDNEW", "new", 400),  # a patient still waiting: never deleted
    ]:
        _file_ticket(database_url, reference, status, age, add_consultant)
    outbox = tmp_path / "outbox"
    (outbox / "rejected").mkdir(parents=True)
    waiting = outbox / "waiting.json"
    waiting.write_text("{}")
    old_rejected, new_rejected = outbox / "rejected" / "old.json", outbox / "rejected" / "new.json"
    for path in (old_rejected, new_rejected):
        path.write_text("{}")
    past = time.time() - 200 * DAY
    for path in (old_rejected, waiting):
        os.utime(path, (past, past))

    report = purge(f"sqlite:///{tracker_db}", database_url, outbox, timedelta(days=90))

    assert (report.conversations, report.events, report.tickets, report.outbox_files) == (1, 3, 1, 1)
    assert _senders(tracker_db) == {"recent-chat"}
    left = {t.reference for t in TicketRepository.for_url(database_url).export_all()}
    assert left == {"MC-NEWRES", "MC-OLDNEW"}
    assert waiting.exists() and new_rejected.exists() and not old_rejected.exists()


def test_forgetting_a_conversation_leaves_none_of_its_words_in_the_file(tmp_path):
    tracker_db = tmp_path / "tracker.db"
    engine = get_engine(f"sqlite:///{tracker_db}")  # WAL mode, as the bot's own connections
    _save_conversation(tracker_db, "mine", "my zebrafinch medicine question", age_days=0)
    _save_conversation(tracker_db, "theirs", "another patient's question", age_days=0)

    assert forget_conversation(engine, "mine") == 3

    assert _senders(tracker_db) == {"theirs"}
    for path in tmp_path.iterdir():  # the database, its write-ahead log and shared memory
        assert b"zebrafinch" not in path.read_bytes(), path.name


def test_the_purge_command(run_cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'tickets.db'}"
    tracker = f"sqlite:///{tmp_path / 'tracker.db'}"
    done = run_cli("purge", "--older-than", "3650d", database_url=url, TRACKER_DATABASE_URL=tracker)
    assert done.returncode == 0, done.stderr
    assert "deleted 0 conversation(s)" in done.stdout
    bad = run_cli("purge", "--older-than", "forever", database_url=url, TRACKER_DATABASE_URL=tracker)
    assert bad.returncode == 1 and "90d" in bad.stderr

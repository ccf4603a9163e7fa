"""The tickets tables live beside Rasa's SQL tracker store in the default SQLite file."""

from __future__ import annotations

import sqlite3

import pytest

from bot.tickets import TicketDraft, TicketRepository, file_ticket
from bot.tickets.migrate import ensure_schema, forget_schema_checks


async def test_tickets_and_rasa_trackers_share_one_sqlite_file(tmp_path, make_settings):
    tracker_store = pytest.importorskip("rasa.core.tracker_store")
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.events import UserUttered
    from rasa.shared.core.trackers import DialogueStateTracker

    path = tmp_path / "pharmabot.db"
    url = f"sqlite:///{path}"
    store = tracker_store.SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(path))
    tracker = DialogueStateTracker("patient-1", [])
    tracker.update(UserUttered("I want to talk to someone"))
    await store.save(tracker)

    forget_schema_checks()
    ensure_schema(url)  # migrating a file Rasa already uses
    filed = file_ticket(
        TicketDraft(patient_name="Ann", question="Q?", consent=True, email="ann@example.org"),
        make_settings(url),
    )
    assert not filed.queued
    tracker.update(UserUttered("thank you"))
    await store.save(tracker)

    assert (await store.retrieve("patient-1")).latest_message.text == "thank you"
    assert TicketRepository.for_url(url).get(filed.reference).patient_name == "Ann"
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert {"events", "tickets", "ticket_events", "consultants"} <= tables

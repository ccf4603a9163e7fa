"""Nothing lost: with the database unreachable a ticket goes to the outbox under its
reference, and is delivered exactly once when the database is back."""

from __future__ import annotations

import json
import shutil
import stat
import time
from pathlib import Path

import pytest

from bot.tickets import (
    ConsentRequiredError,
    FilingService,
    IncompleteDraftError,
    TicketDraft,
    TicketLostError,
    TicketRepository,
    TranscriptEntry,
    deliver_outbox,
    file_ticket,
)
from bot.tickets.db import dispose_engines
from bot.tickets.migrate import forget_schema_checks
from bot.tickets.references import is_reference

PG = "postgresql://postgres@127.0.0.1:{port}/test"


def a_draft(**changes: object) -> TicketDraft:
    from datetime import datetime, timezone

    values: dict[str, object] = {
        "patient_name": "Queued Patient",
        "question": "Is it safe with my other medicines?",
        "consent": True,
        "phone": "0123 456 789",
        "drug": "ocrelizumab",
        "urgent": True,
        "transcript": (TranscriptEntry("patient", "please call me", datetime.now(timezone.utc)),),
    }
    values.update(changes)
    return TicketDraft(**values)  # type: ignore[arg-type]


def test_sqlite_unreachable_then_back(tmp_path: Path, make_settings):
    # The database file's folder is a regular file: SQLite cannot open the database.
    blocker = tmp_path / "db"
    blocker.write_text("not a folder")
    url = f"sqlite:///{blocker / 'tickets.db'}"
    settings = make_settings(url)
    forget_schema_checks()

    filed = file_ticket(a_draft(), settings)
    assert filed.queued is True
    assert is_reference(filed.reference)
    queued = sorted(settings.outbox_dir.glob("*.json"))
    assert len(queued) == 1 and filed.reference in queued[0].name
    assert stat.S_IMODE(queued[0].stat().st_mode) == 0o600
    content = json.loads(queued[0].read_text())
    assert content["reference"] == filed.reference
    assert content["draft"]["transcript"][0]["text"] == "please call me"

    # Still down: delivery keeps it.
    report = deliver_outbox(settings)
    assert report.delivered == [] and report.remaining == 1 and report.error

    # The database comes back.
    blocker.unlink()
    blocker.mkdir()
    dispose_engines()
    report = deliver_outbox(settings)
    assert report.delivered == [filed.reference]
    assert report.remaining == 0
    assert list(settings.outbox_dir.glob("*.json")) == []

    ticket = TicketRepository.for_url(url).get(filed.reference)
    assert ticket.patient_name == "Queued Patient"
    assert ticket.urgent is True
    assert ticket.transcript[0].text == "please call me"
    assert "outbox" in (ticket.events[0].detail or "")

    # Delivering again does nothing.
    assert deliver_outbox(settings).delivered == []
    assert len(TicketRepository.for_url(url).export_all()) == 1


@pytest.mark.services
def test_postgresql_unreachable_then_back(pg_proxy, pg_schema_url, make_settings):
    url = pg_schema_url.replace("127.0.0.1:5432", f"127.0.0.1:{pg_proxy.port}")
    settings = make_settings(url)
    forget_schema_checks()
    pg_proxy.stop()  # the database goes away

    started = time.monotonic()
    filed = file_ticket(a_draft(), settings)
    assert filed.queued is True
    assert time.monotonic() - started < 15
    assert deliver_outbox(settings).remaining == 1

    pg_proxy.start()  # and comes back on the same address
    report = deliver_outbox(settings)
    assert report.delivered == [filed.reference]
    repo = TicketRepository.for_url(url)
    assert repo.get(filed.reference).phone == "0123 456 789"
    assert [t.reference for t in repo.export_all()].count(filed.reference) == 1
    dispose_engines()


def test_a_crash_after_delivery_does_not_duplicate(tmp_path: Path, make_settings, sqlite_url):
    down = make_settings(f"sqlite:///{tmp_path / 'missing-dir-is-a-file' / 'x.db'}")
    (tmp_path / "missing-dir-is-a-file").write_text("")
    filed = FilingService(down, notifiers=()).file(a_draft())
    assert filed.queued
    [queued] = down.outbox_dir.glob("*.json")
    copy = tmp_path / "copy.json"
    shutil.copy(queued, copy)

    up = make_settings(sqlite_url)
    assert deliver_outbox(up).delivered == [filed.reference]
    # As if the process had died after the commit but before removing the file:
    shutil.copy(copy, queued)
    report = deliver_outbox(up)
    assert report.delivered == []
    assert report.already_delivered == [filed.reference]
    assert not queued.exists()
    assert len(TicketRepository.for_url(sqlite_url).export_all()) == 1


def test_an_unreadable_outbox_file_is_set_aside(make_settings, sqlite_url):
    settings = make_settings(sqlite_url)
    settings.outbox_dir.mkdir(parents=True)
    (settings.outbox_dir / "20260101T000000000000-MC-XXXXX-bad.json").write_text("{not json")
    report = deliver_outbox(settings)
    assert report.rejected == ["20260101T000000000000-MC-XXXXX-bad.json"]
    assert (settings.outbox_dir / "rejected" / "20260101T000000000000-MC-XXXXX-bad.json").exists()


def test_filing_when_the_database_is_up(make_settings, sqlite_url):
    filed = file_ticket(a_draft(urgent=False), make_settings(sqlite_url))
    assert filed.queued is False and filed.urgent is False
    assert TicketRepository.for_url(sqlite_url).get(filed.reference).status == "new"


def test_a_successful_filing_also_delivers_the_outbox(tmp_path, make_settings, sqlite_url):
    (tmp_path / "blocked").write_text("")
    down = make_settings(f"sqlite:///{tmp_path / 'blocked' / 'x.db'}")
    queued = FilingService(down, notifiers=()).file(a_draft())
    assert queued.queued

    up = make_settings(sqlite_url)
    fresh = file_ticket(a_draft(), up)
    assert not fresh.queued
    repo = TicketRepository.for_url(sqlite_url)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and len(repo.export_all()) < 2:
        time.sleep(0.1)
    assert {t.reference for t in repo.export_all()} == {queued.reference, fresh.reference}


def test_no_consent_no_ticket(make_settings, sqlite_url, tmp_path):
    (tmp_path / "blocked").write_text("")
    for url in (sqlite_url, f"sqlite:///{tmp_path / 'blocked' / 'x.db'}"):
        settings = make_settings(url)
        with pytest.raises(ConsentRequiredError, match="consent"):
            file_ticket(a_draft(consent=False), settings)
        assert not settings.outbox_dir.exists() or not list(settings.outbox_dir.glob("*.json"))
    assert TicketRepository.for_url(sqlite_url).export_all() == []


def test_a_draft_without_contact_is_refused(make_settings, sqlite_url):
    with pytest.raises(IncompleteDraftError, match="email"):
        file_ticket(a_draft(phone=None, email=None), make_settings(sqlite_url))
    with pytest.raises(IncompleteDraftError, match="phone"):
        file_ticket(a_draft(phone="call me"), make_settings(sqlite_url))


def test_database_and_outbox_both_unavailable_is_loud(tmp_path, make_settings):
    (tmp_path / "file").write_text("")
    settings = make_settings(
        f"sqlite:///{tmp_path / 'file' / 'x.db'}", OUTBOX_DIR=str(tmp_path / "file" / "outbox")
    )
    with pytest.raises(TicketLostError, match="outbox"):
        file_ticket(a_draft(), settings)

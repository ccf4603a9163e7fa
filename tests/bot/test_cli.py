"""``python -m bot`` in a subprocess: db upgrade, consultants add, tickets list --json,
tickets flush-outbox."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

from bot.settings import PROJECT_ROOT
from bot.tickets import ConsultantDirectory, FilingService, TicketDraft, TranscriptEntry
from bot.tickets.drafts import utcnow
from bot.tickets.migrate import head_revision


def test_db_upgrade_on_a_fresh_database(run_cli, tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh' / 'bot.db'}"
    result = run_cli("db", "upgrade", database_url=url)
    assert result.returncode == 0, result.stderr
    assert f"tickets schema at {head_revision()}" in result.stdout
    again = run_cli("db", "upgrade", database_url=url)
    assert again.returncode == 0, again.stderr


def test_db_upgrade_reports_an_unreachable_database(run_cli):
    result = run_cli("db", "upgrade", database_url="postgresql://postgres:pw@127.0.0.1:1/test")
    assert result.returncode == 1
    assert result.stderr.startswith("error: could not upgrade")
    assert "pw@" not in result.stderr
    assert "Traceback" not in result.stderr


def test_consultants_add_reads_the_password_from_stdin(run_cli, sqlite_url):
    result = run_cli("consultants", "add", "alice", database_url=sqlite_url, stdin="a long password\n")
    assert result.returncode == 0, result.stderr
    assert "a long password" not in result.stdout + result.stderr
    directory = ConsultantDirectory.for_url(sqlite_url)
    assert directory.authenticate("alice", "a long password") is not None
    assert directory.authenticate("alice", "a long passwor") is None

    duplicate = run_cli("consultants", "add", "alice", database_url=sqlite_url, stdin="another one!\n")
    assert duplicate.returncode == 1
    assert "exists already" in duplicate.stderr

    short = run_cli("consultants", "add", "bob", database_url=sqlite_url, stdin="short\n")
    assert short.returncode == 1
    assert "at least 10 characters" in short.stderr

    passwd = run_cli("consultants", "passwd", "alice", database_url=sqlite_url, stdin="a new password\n")
    assert passwd.returncode == 0, passwd.stderr
    assert directory.authenticate("alice", "a new password") is not None


def test_consultants_add_on_a_terminal_does_not_echo(sqlite_url, tmp_path):
    """With a terminal, the password is asked twice and never shown."""
    main, secondary = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "OUTBOX_"))}
    env |= {"DATABASE_URL": sqlite_url, "OUTBOX_DIR": str(tmp_path / "outbox")}
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "consultants", "add", "carol"],
        cwd=PROJECT_ROOT,
        env=env,
        stdin=secondary,
        stdout=secondary,
        stderr=secondary,
        start_new_session=True,
    )
    os.close(secondary)
    screen = b""

    def read_until(marker: bytes) -> None:
        nonlocal screen
        deadline = time.monotonic() + 60
        while marker not in screen and time.monotonic() < deadline:
            ready, _, _ = select.select([main], [], [], 0.5)
            if ready:
                try:
                    screen += os.read(main, 1024)
                except OSError:
                    break

    read_until(b"Password: ")
    os.write(main, b"terminal secret 1\n")
    read_until(b"Repeat the password: ")
    os.write(main, b"terminal secret 1\n")
    read_until(b"created")
    process.wait(timeout=60)
    os.close(main)
    assert process.returncode == 0, screen
    assert b"consultant carol created" in screen
    assert b"terminal secret" not in screen
    assert ConsultantDirectory.for_url(sqlite_url).authenticate("carol", "terminal secret 1")


def test_tickets_list_json_has_every_field(run_cli, sqlite_url, make_settings, add_consultant):
    add_consultant(sqlite_url, "alice")
    service = FilingService(make_settings(sqlite_url), notifiers=())
    filed = service.file(
        TicketDraft(
            patient_name="Ann",
            question="Q?",
            consent=True,
            email="ann@example.org",
            phone="+44 1234 5678",
            best_time="after 5pm",
            drug="ocrelizumab",
            topic="side effects",
            urgent=True,
            sender_id="s-1",
            transcript=(TranscriptEntry("patient", "help", utcnow()),),
        )
    )
    from bot.tickets import TicketRepository

    TicketRepository.for_url(sqlite_url).claim(filed.reference, "alice")

    result = run_cli("tickets", "list", "--json", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    [ticket] = json.loads(result.stdout)
    assert set(ticket) == {
        "reference", "status", "created_at", "updated_at", "patient_name", "email", "phone",
        "best_time", "question", "drug", "topic", "urgent", "consent", "consented_at",
        "sender_id", "assigned_to", "transcript", "events",
    }  # fmt: skip
    assert ticket["reference"] == filed.reference
    assert ticket["status"] == "claimed" and ticket["assigned_to"] == "alice"
    assert ticket["urgent"] is True and ticket["consent"] is True
    assert ticket["transcript"][0]["role"] == "patient"
    assert [e["action"] for e in ticket["events"]] == ["filed", "claimed"]

    plain = run_cli("tickets", "list", database_url=sqlite_url)
    assert filed.reference in plain.stdout and "URGENT" in plain.stdout


def test_tickets_flush_outbox(run_cli, sqlite_url, make_settings, tmp_path):
    (tmp_path / "blocked").write_text("")
    down = make_settings(f"sqlite:///{tmp_path / 'blocked' / 'x.db'}")  # same outbox dir
    filed = FilingService(down, notifiers=()).file(
        TicketDraft(patient_name="Ann", question="Q?", consent=True, email="ann@example.org")
    )
    assert filed.queued

    still_down = run_cli("tickets", "flush-outbox", database_url=down.database_url)
    assert still_down.returncode == 1
    assert "1 ticket(s) still queued" in still_down.stderr

    result = run_cli("tickets", "flush-outbox", database_url=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["delivered"] == [filed.reference]
    listed = json.loads(run_cli("tickets", "list", "--json", database_url=sqlite_url).stdout)
    assert [t["reference"] for t in listed] == [filed.reference]
    again = run_cli("tickets", "flush-outbox", database_url=sqlite_url)
    assert json.loads(again.stdout)["delivered"] == []


def test_usage(run_cli, sqlite_url):
    result = run_cli(database_url=sqlite_url)
    assert result.returncode == 2
    assert "consultants" in result.stderr and "flush-outbox" not in result.stdout
    bad = run_cli("tickets", "list", database_url=sqlite_url, APP_ENV="staging")
    assert bad.returncode == 1 and "APP_ENV" in bad.stderr


def test_consultants_list_enable_and_set_role(run_cli, sqlite_url, add_consultant):
    add_consultant(sqlite_url, "alice")
    add_consultant(sqlite_url, "bob-the-lead")
    ConsultantDirectory.for_url(sqlite_url).authenticate("alice", "correct horse battery staple")

    listed = run_cli("consultants", "list", database_url=sqlite_url)
    assert listed.returncode == 0, listed.stderr
    header, alice, bob = listed.stdout.splitlines()
    assert header.split() == ["USERNAME", "ROLE", "ACTIVE", "LAST", "LOGIN", "(UTC)"]
    assert alice.split()[:3] == ["alice", "consultant", "yes"]
    assert alice.split()[3] == f"{utcnow():%Y-%m-%d}"  # logged in just now
    assert bob.split() == ["bob-the-lead", "consultant", "yes", "never"]
    assert "2 consultant(s)" in listed.stderr

    promoted = run_cli("consultants", "set-role", "bob-the-lead", "lead", database_url=sqlite_url)
    assert promoted.returncode == 0 and "now a lead" in promoted.stdout, promoted.stderr
    assert run_cli("consultants", "disable", "alice", database_url=sqlite_url).returncode == 0
    rows = json.loads(run_cli("consultants", "list", "--json", database_url=sqlite_url).stdout)
    assert [(r["username"], r["role"], r["active"]) for r in rows] == [
        ("alice", "consultant", False),
        ("bob-the-lead", "lead", True),
    ]
    assert rows[0]["last_login_at"] and rows[1]["last_login_at"] is None
    assert (
        ConsultantDirectory.for_url(sqlite_url).authenticate("alice", "correct horse battery staple") is None
    )

    enabled = run_cli("consultants", "enable", "alice", database_url=sqlite_url)
    assert enabled.returncode == 0 and "enabled" in enabled.stdout, enabled.stderr
    assert ConsultantDirectory.for_url(sqlite_url).authenticate("alice", "correct horse battery staple")
    demoted = run_cli("consultants", "set-role", "bob-the-lead", "consultant", database_url=sqlite_url)
    assert demoted.returncode == 0
    assert ConsultantDirectory.for_url(sqlite_url).role_of("bob-the-lead") == "consultant"


def test_consultants_commands_report_mistakes(run_cli, sqlite_url, add_consultant):
    add_consultant(sqlite_url, "alice")
    bad_role = run_cli("consultants", "set-role", "alice", "admin", database_url=sqlite_url)
    assert bad_role.returncode == 2 and "invalid choice" in bad_role.stderr
    for args in (("enable", "nobody"), ("set-role", "nobody", "lead")):
        result = run_cli("consultants", *args, database_url=sqlite_url)
        assert result.returncode == 1 and "no consultant named 'nobody'" in result.stderr, args
        assert "Traceback" not in result.stderr
    empty = run_cli("consultants", "list", database_url=f"sqlite:///{sqlite_url[10:]}.empty")
    assert empty.returncode == 0 and empty.stdout.split() == [
        "USERNAME",
        "ROLE",
        "ACTIVE",
        "LAST",
        "LOGIN",
        "(UTC)",
    ]

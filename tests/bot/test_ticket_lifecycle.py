"""The ticket lifecycle over real HTTP (the web app in a subprocess, SQLite and PostgreSQL):
claim, wait for the patient, resume, unclaim, reassign, resolve, reopen; who may do each
(the assignee, a lead, anyone); every refusal; the history; the inbox's buttons; and the
migration that brings an existing database to the lifecycle schema."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from alembic import command
from sqlalchemy import text

from bot.tickets import ConsultantDirectory, TicketDraft, TicketRepository, TranscriptEntry
from bot.tickets.db import dispose_engines, get_engine
from bot.tickets.drafts import utcnow
from bot.tickets.migrate import (
    alembic_config,
    current_revision,
    forget_schema_checks,
    head_revision,
    migration_connection,
    upgrade,
)
from testkit import csrf_token, inbox_login

PASSWORD = "correct horse battery staple"
SCRIPT = "<script>window.__x=1</script>"
_counter = iter(range(10**6))


def _file(url: str, urgent: bool = False) -> str:
    number = next(_counter)
    reference = "MC-" + "".join("23456789ABCDEFGHJKMNPQRSTVWXYZ"[(number // 30**i) % 30] for i in range(5))
    TicketRepository.for_url(url).file(
        TicketDraft(
            patient_name="Pat Example",
            question="Can I take it with ibuprofen?",
            consent=True,
            email="pat@example.org",
            urgent=urgent,
            transcript=(TranscriptEntry("patient", "I want to talk to a person", utcnow()),),
        ),
        reference=reference,
        filing_id=str(uuid.uuid4()),
    )
    return reference


class Api:
    """The JSON API as one consultant (a Bearer token)."""

    def __init__(self, base: str, name: str) -> None:
        self.base = f"{base}/api"
        response = requests.post(f"{self.base}/login", json={"username": name, "password": PASSWORD})
        assert response.status_code == 200, response.text
        self.headers = {"Authorization": f"Bearer {response.json()['token']}"}

    def get(self, reference: str) -> dict[str, Any]:
        response = requests.get(f"{self.base}/tickets/{reference}", headers=self.headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def post(self, reference: str, action: str, **body: Any) -> requests.Response:
        return requests.post(f"{self.base}/tickets/{reference}/{action}", json=body, headers=self.headers)

    def ok(self, reference: str, action: str, **body: Any) -> dict[str, Any]:
        response = self.post(reference, action, **body)
        assert response.status_code == 200, response.text
        ticket: dict[str, Any] = response.json()
        return ticket


def _refused(response: requests.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    message: str = error["message"]
    return message


def _history(ticket: dict[str, Any]) -> list[tuple[str, str | None, str, str | None]]:
    return [(h["actor"], h["from_status"], h["to_status"], h["assigned_to"]) for h in ticket["history"]]


@pytest.fixture
def desk(database_url, add_consultant, web_server) -> tuple[str, str]:
    """The web app on a database with consultants alice, bob, carol (a lead) and dave."""
    for name in ("alice", "bob", "carol", "dave"):
        add_consultant(database_url, name)
    ConsultantDirectory.for_url(database_url).set_role("carol", "lead")
    return web_server(database_url).base_url, database_url


def test_the_assignee_claims_waits_resumes_and_resolves(desk):
    base, url = desk
    alice = Api(base, "alice")
    reference = _file(url)

    assert alice.ok(reference, "claim")["status"] == "claimed"
    waiting = alice.ok(reference, "waiting", note="left a voicemail")
    assert (waiting["status"], waiting["assigned_to"]) == ("waiting_for_patient", "alice")
    assert alice.ok(reference, "resume")["status"] == "claimed"
    resolved = alice.ok(reference, "resolve", note="answered")
    assert (resolved["status"], resolved["assigned_to"]) == ("resolved", "alice")

    ticket = alice.get(reference)
    assert _history(ticket) == [
        ("patient", None, "new", None),
        ("alice", "new", "claimed", "alice"),
        ("alice", "claimed", "waiting_for_patient", "alice"),
        ("alice", "waiting_for_patient", "claimed", "alice"),
        ("alice", "claimed", "resolved", "alice"),
    ]
    assert [h["action"] for h in ticket["history"]] == [
        "filed", "claimed", "waiting_for_patient", "resumed", "resolved",
    ]  # fmt: skip
    assert ticket["history"][2]["detail"] == "left a voicemail"
    assert ticket["history"][-1]["detail"] == "answered"
    assert all(h["at"] for h in ticket["history"])
    # the audit trail has every step too
    assert [e["action"] for e in ticket["events"]][-4:] == [
        "claimed", "waiting_for_patient", "resumed", "resolved",
    ]  # fmt: skip


def test_someone_else_cannot_resolve_unclaim_wait_or_reassign(desk):
    base, url = desk
    alice, bob = Api(base, "alice"), Api(base, "bob")
    reference = _file(url)
    alice.ok(reference, "claim")

    message = _refused(bob.post(reference, "resolve", note="done"), 403, "not_allowed")
    assert "alice" in message and "lead" in message
    _refused(bob.post(reference, "unclaim"), 403, "not_allowed")
    _refused(bob.post(reference, "waiting"), 403, "not_allowed")
    _refused(bob.post(reference, "reassign", to="bob"), 403, "not_allowed")
    alice.ok(reference, "waiting")
    _refused(bob.post(reference, "resume"), 403, "not_allowed")
    _refused(bob.post(reference, "resolve"), 403, "not_allowed")

    ticket = bob.get(reference)
    assert (ticket["status"], ticket["assigned_to"]) == ("waiting_for_patient", "alice")
    assert [h["action"] for h in ticket["history"]] == ["filed", "claimed", "waiting_for_patient"]


def test_what_the_status_does_not_allow(desk):
    base, url = desk
    alice, carol = Api(base, "alice"), Api(base, "carol")
    reference = _file(url)

    # an unclaimed ticket: claim it first (409), whoever asks, a lead too
    assert "claim it" in _refused(alice.post(reference, "resolve"), 409, "not_claimed")
    _refused(carol.post(reference, "resolve"), 409, "not_claimed")
    _refused(alice.post(reference, "unclaim"), 409, "not_claimed")
    _refused(alice.post(reference, "waiting"), 409, "not_claimed")
    _refused(alice.post(reference, "resume"), 409, "not_claimed")
    _refused(alice.post(reference, "reassign", to="bob"), 403, "not_allowed")  # only a lead assigns
    _refused(alice.post(reference, "reopen"), 409, "bad_state")

    alice.ok(reference, "claim")
    _refused(alice.post(reference, "resume"), 409, "bad_state")  # not waiting
    alice.ok(reference, "waiting")
    _refused(alice.post(reference, "waiting"), 409, "bad_state")
    _refused(Api(base, "bob").post(reference, "claim"), 409, "already_claimed")
    alice.ok(reference, "resolve")
    for action in ("resolve", "unclaim", "waiting", "resume", "claim"):
        _refused(alice.post(reference, action), 409, "already_resolved")
    _refused(alice.post(reference, "reassign", to="bob"), 409, "already_resolved")

    assert alice.post("MC-ZZZZZ", "unclaim").status_code == 404
    assert alice.post("MC-ZZZZZ", "reopen").status_code == 404
    assert [h["action"] for h in alice.get(reference)["history"]] == [
        "filed", "claimed", "waiting_for_patient", "resolved",
    ]  # fmt: skip


def test_unclaim_and_reassign(desk, run_cli):
    base, url = desk
    alice, bob = Api(base, "alice"), Api(base, "bob")
    reference = _file(url)

    alice.ok(reference, "claim")
    unclaimed = alice.ok(reference, "unclaim", note="off sick tomorrow")
    assert (unclaimed["status"], unclaimed["assigned_to"]) == ("new", None)
    bob.ok(reference, "claim")
    bob.ok(reference, "waiting")
    reassigned = bob.ok(reference, "reassign", to="alice")
    assert (reassigned["status"], reassigned["assigned_to"]) == ("waiting_for_patient", "alice")
    assert reassigned["history"][-1]["detail"] == "to alice (from bob)"
    assert reassigned["events"][-1]["action"] == "reassigned"

    _refused(alice.post(reference, "reassign", to="alice"), 409, "bad_state")  # has it already
    _refused(alice.post(reference, "reassign", to="mallory"), 400, "unknown_consultant")
    _refused(alice.post(reference, "reassign"), 400, "bad_request")
    assert run_cli("consultants", "disable", "dave", database_url=url).returncode == 0
    _refused(alice.post(reference, "reassign", to="dave"), 400, "unknown_consultant")

    ticket = alice.get(reference)
    assert _history(ticket)[1:] == [
        ("alice", "new", "claimed", "alice"),
        ("alice", "claimed", "new", None),
        ("bob", "new", "claimed", "bob"),
        ("bob", "claimed", "waiting_for_patient", "bob"),
        ("bob", "waiting_for_patient", "waiting_for_patient", "alice"),
    ]
    assert ticket["history"][2]["detail"] == "released from alice; off sick tomorrow"


def test_a_lead_may_act_on_any_ticket_and_a_new_role_counts_at_once(desk, run_cli):
    base, url = desk
    alice, bob, carol = Api(base, "alice"), Api(base, "bob"), Api(base, "carol")
    first, second = _file(url), _file(url)

    assigned = carol.ok(first, "reassign", to="alice")  # a lead assigns a new ticket
    assert (assigned["status"], assigned["assigned_to"]) == ("claimed", "alice")
    assert carol.ok(first, "waiting")["assigned_to"] == "alice"
    assert carol.ok(first, "resume")["status"] == "claimed"
    assert carol.ok(first, "reassign", to="bob")["assigned_to"] == "bob"
    assert carol.ok(first, "unclaim")["status"] == "new"
    alice.ok(first, "claim")
    resolved = carol.ok(first, "resolve", note="closed by the lead")
    assert (resolved["status"], resolved["assigned_to"]) == ("resolved", "alice")
    assert resolved["history"][-1]["actor"] == "carol"

    alice.ok(second, "claim")
    _refused(bob.post(second, "resolve"), 403, "not_allowed")
    done = run_cli("consultants", "set-role", "bob", "lead", database_url=url)
    assert done.returncode == 0, done.stderr
    assert bob.ok(second, "resolve")["status"] == "resolved"  # same session, new role


def test_anyone_may_reopen(desk):
    base, url = desk
    alice, bob = Api(base, "alice"), Api(base, "bob")
    reference = _file(url, urgent=True)
    alice.ok(reference, "claim")
    alice.ok(reference, "resolve")

    reopened = bob.ok(reference, "reopen", note="patient rang again")
    assert (reopened["status"], reopened["assigned_to"]) == ("claimed", "bob")
    assert reopened["history"][-1] == reopened["history"][-1] | {
        "actor": "bob",
        "action": "reopened",
        "from_status": "resolved",
        "to_status": "claimed",
        "assigned_to": "bob",
        "detail": "claimed by the reopener; patient rang again",
    }
    bob.ok(reference, "resolve")
    back = alice.ok(reference, "reopen", status="new")
    assert (back["status"], back["assigned_to"]) == ("new", None)
    assert back["history"][-1]["detail"] == "back in the queue"
    alice.ok(reference, "claim")
    alice.ok(reference, "resolve")
    _refused(alice.post(reference, "reopen", status="waiting_for_patient"), 400, "bad_request")


def test_cookie_sessions_need_the_csrf_header_for_the_new_actions(desk):
    base, url = desk
    reference = _file(url)
    browser = inbox_login(base, "alice")
    token = csrf_token(browser.get(f"{base}/inbox").text)
    assert browser.post(f"{base}/api/tickets/{reference}/claim", headers={"X-CSRF-Token": token}).ok
    assert browser.post(f"{base}/api/tickets/{reference}/unclaim").status_code == 403
    unclaimed = browser.post(f"{base}/api/tickets/{reference}/unclaim", headers={"X-CSRF-Token": token})
    assert unclaimed.status_code == 200 and unclaimed.json()["status"] == "new"


# --- the inbox pages ---------------------------------------------------------------


def _buttons(html: str) -> set[str]:
    return set(re.findall(r'<button type="submit" id="([a-z-]+)"', html))


@pytest.fixture
def inbox(sqlite_url, add_consultant, web_server) -> tuple[str, str]:
    for name in ("alice", "bob", "carol"):
        add_consultant(sqlite_url, name)
    ConsultantDirectory.for_url(sqlite_url).set_role("carol", "lead")
    return web_server(sqlite_url).base_url, sqlite_url


def test_the_ticket_page_shows_only_the_allowed_actions(inbox):
    base, url = inbox
    reference = _file(url)
    alice, bob, carol = inbox_login(base, "alice"), inbox_login(base, "bob"), inbox_login(base, "carol")
    page = f"{base}/inbox/tickets/{reference}"

    assert _buttons(alice.get(page).text) == {"claim", "resolve", "add-note"}
    assert "Claim and resolve" in alice.get(page).text
    assert _buttons(carol.get(page).text) == {"claim", "resolve", "reassign", "add-note"}  # lead: assign
    claimed = alice.post(f"{page}/claim", data={"csrf_token": csrf_token(alice.get(page).text)})
    assert "You claimed this ticket" in claimed.text
    assert _buttons(claimed.text) == {"waiting", "unclaim", "reassign", "resolve", "add-note"}
    options = re.findall(r'<option value="([^"]+)">', claimed.text.split('id="reassign-to"')[1])
    assert options == ["bob", "carol"]  # active consultants but the assignee

    bobs = bob.get(page).text
    assert _buttons(bobs) == {"add-note"}
    assert "Held by alice" in bobs
    forced = bob.post(f"{page}/resolve", data={"csrf_token": csrf_token(bobs), "note": "done"})
    assert "Only the consultant who holds this ticket, or a lead, can do that." in forced.text
    assert TicketRepository.for_url(url).get(reference).status == "claimed"
    assert _buttons(carol.get(page).text) == {"waiting", "unclaim", "reassign", "resolve", "add-note"}


def test_the_inbox_forms_walk_the_lifecycle(inbox):
    base, url = inbox
    reference = _file(url)
    alice, bob = inbox_login(base, "alice"), inbox_login(base, "bob")
    page = f"{base}/inbox/tickets/{reference}"
    token = csrf_token(alice.get(page).text)

    alice.post(f"{page}/claim", data={"csrf_token": token})
    waiting = alice.post(f"{page}/waiting", data={"csrf_token": token})
    assert "The ticket is waiting for the patient." in waiting.text
    assert ">Waiting for patient</span>" in waiting.text
    assert _buttons(waiting.text) == {"resume", "unclaim", "reassign", "resolve", "add-note"}
    resumed = alice.post(f"{page}/resume", data={"csrf_token": token})
    assert "no longer waiting" in resumed.text
    reassigned = alice.post(f"{page}/reassign", data={"csrf_token": token, "to": "bob"})
    assert "The ticket was reassigned." in reassigned.text
    assert '<dd id="assigned-to">bob</dd>' in reassigned.text
    bob_token = csrf_token(bob.get(page).text)
    unclaimed = bob.post(f"{page}/unclaim", data={"csrf_token": bob_token})
    assert "The ticket is back in the queue." in unclaimed.text
    resolved = bob.post(f"{page}/resolve", data={"csrf_token": bob_token, "note": "rang back"})
    assert "The ticket is resolved." in resolved.text  # "Claim and resolve" on a new ticket
    assert _buttons(resolved.text) == {"reopen", "add-note"}

    reopened = alice.post(f"{page}/reopen", data={"csrf_token": token, "status": "new", "note": SCRIPT})
    assert "The ticket was reopened." in reopened.text
    assert SCRIPT not in reopened.text and "&lt;script&gt;" in reopened.text
    history = reopened.text.split('id="status-history"')[1].split("</table>")[0]
    for change in [
        "New &rarr; Claimed",
        "Claimed &rarr; Waiting for patient",
        "Waiting for patient &rarr; Claimed",
        "Claimed &rarr; Claimed",  # reassigned
        "Claimed &rarr; New",
        "Claimed &rarr; Resolved",
        "Resolved &rarr; New",
    ]:
        assert change in history, change
    assert "to bob (from alice)" in history

    ticket = TicketRepository.for_url(url).get(reference)
    assert [h.action for h in ticket.history] == [
        "filed", "claimed", "waiting_for_patient", "resumed", "reassigned", "unclaimed",
        "claimed", "resolved", "reopened",
    ]  # fmt: skip
    gone = alice.post(f"{base}/inbox/tickets/MC-ZZZZZ/unclaim", data={"csrf_token": token})
    assert gone.status_code == 404


# --- the migration -----------------------------------------------------------------


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no tickets schema at all: a SQLite file, or a new PostgreSQL schema."""
    forget_schema_checks()
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'old.db'}"
        dispose_engines()
        return
    import psycopg2

    admin = request.getfixturevalue("pg_schema_url").split("?")[0]  # skips without PostgreSQL
    schema = f"test_upgrade_{uuid.uuid4().hex[:10]}"
    connection = psycopg2.connect(admin)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{admin}?options=-csearch_path%3D{schema}"
    finally:
        dispose_engines()
        with connection.cursor() as cursor:
            cursor.execute(f'DROP SCHEMA "{schema}" CASCADE')
        connection.close()


def _old_database(url: str) -> None:
    """The schema of migration 0001 with two consultants, a session and three tickets."""
    engine = get_engine(url)
    config = alembic_config(url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0001")
    at = "2026-11-20 09:30:00"
    transcript = json.dumps(
        [{"role": "patient", "text": "Ich fühle mich SCHWINDLIG", "timestamp": "2026-11-20T09:29:00+00:00"}]
    )
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO consultants (id, username, password_hash, active, created_at) "
                "VALUES (1, 'alice', 'x', :yes, :at), (2, 'bob', 'x', :yes, :at)"
            ),
            {"yes": True, "at": at},
        )
        connection.execute(
            text("INSERT INTO consultant_sessions VALUES ('h', 1, 'c', :at, '2099-01-01 00:00:00')"),
            {"at": at},
        )
        for number, (reference, status, holder) in enumerate(
            [("MC-AAAAA", "new", None), ("MC-BBBBB", "claimed", 1), ("MC-CCCCC", "resolved", 2)], start=1
        ):
            connection.execute(
                text(
                    "INSERT INTO tickets (id, reference, filing_id, status, created_at, updated_at, "
                    "patient_name, email, phone, question, urgent, consent, consented_at, transcript, "
                    "assigned_to_id) VALUES (:id, :reference, :filing, :status, :at, :at, "
                    "'Émile Zola', 'emile@example.org', '+33 1 23 45 67 89', 'Dosage?', :no, :yes, :at, "
                    ":transcript, :holder)"
                ),
                {
                    "id": number,
                    "reference": reference,
                    "filing": f"f-{number}",
                    "status": status,
                    "at": at,
                    "no": False,
                    "yes": True,
                    "transcript": transcript,
                    "holder": holder,
                },  # fmt: skip
            )
            events = [("patient", "filed", "filed from the chat")]
            if holder:
                events.append(("alice" if holder == 1 else "bob", "claimed", None))
            if status == "resolved":
                events += [("bob", "note", "rang"), ("bob", "resolved", "answered")]
            for actor, action, detail in events:
                connection.execute(
                    text(
                        "INSERT INTO ticket_events (ticket_id, at, actor, action, detail) "
                        "VALUES (:ticket, :at, :actor, :action, :detail)"
                    ),
                    {"ticket": number, "at": at, "actor": actor, "action": action, "detail": detail},
                )


def test_the_migration_upgrades_a_database_with_tickets(empty_url):
    _old_database(empty_url)
    upgrade(empty_url)
    engine = get_engine(empty_url)
    assert current_revision(engine) == head_revision()

    repo = TicketRepository.for_url(empty_url)
    tickets = {t.reference: t for t in repo.export_all()}
    assert {r: (t.status, t.assigned_to) for r, t in tickets.items()} == {
        "MC-AAAAA": ("new", None),
        "MC-BBBBB": ("claimed", "alice"),
        "MC-CCCCC": ("resolved", "bob"),
    }
    assert [e.action for e in tickets["MC-CCCCC"].events] == ["filed", "claimed", "note", "resolved"]
    assert [
        (h.actor, h.from_status, h.to_status, h.assigned_to, h.detail) for h in tickets["MC-CCCCC"].history
    ] == [
        ("patient", None, "new", None, "filed from the chat"),
        ("bob", "new", "claimed", "bob", None),
        ("bob", "claimed", "resolved", "bob", "answered"),
    ]
    assert tickets["MC-CCCCC"].transcript[0].text == "Ich fühle mich SCHWINDLIG"
    with engine.connect() as connection:  # nothing cascaded away while tables were rebuilt
        assert connection.execute(text("SELECT count(*) FROM consultant_sessions")).scalar() == 1
        assert connection.execute(text("SELECT count(*) FROM ticket_events")).scalar() == 7
    directory = ConsultantDirectory.for_url(empty_url)
    assert [(c.username, c.role, c.active, c.last_login_at) for c in directory.list_all()] == [
        ("alice", "consultant", True, None),
        ("bob", "consultant", True, None),
    ]

    # old tickets are found by search, and follow the lifecycle
    assert len(repo.page(query="schwindlig").tickets) == 3
    assert [t.reference for t in repo.page(query="émile mc-bbbbb").tickets] == ["MC-BBBBB"]
    assert [t.reference for t in repo.page(query="0123456789").tickets] == []
    assert len(repo.page(query="33123456789").tickets) == 3  # the phone as digits
    assert repo.wait_for_patient("MC-BBBBB", "alice").status == "waiting_for_patient"
    assert repo.reopen("MC-CCCCC", "alice").assigned_to == "alice"
    upgrade(empty_url)  # again: nothing to do


def test_the_migration_goes_down_and_up_again_keeping_the_tickets(empty_url):
    _old_database(empty_url)
    upgrade(empty_url)
    repo = TicketRepository.for_url(empty_url)
    repo.wait_for_patient("MC-BBBBB", "alice")
    engine = get_engine(empty_url)
    config = alembic_config(empty_url)
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    with engine.connect() as connection:
        statuses = dict(connection.execute(text("SELECT reference, status FROM tickets")).all())
        assert statuses == {"MC-AAAAA": "new", "MC-BBBBB": "claimed", "MC-CCCCC": "resolved"}
        assert connection.execute(text("SELECT count(*) FROM ticket_events")).scalar() == 8
        assert connection.execute(text("SELECT count(*) FROM consultant_sessions")).scalar() == 1
    forget_schema_checks()
    upgrade(empty_url)
    assert [h.action for h in repo.get("MC-BBBBB").history] == ["filed", "claimed"]


def test_sqlite_refuses_to_rebuild_tables_with_foreign_keys_on(tmp_path: Path):
    """Alembic run by hand on a connection with foreign keys on must not cascade-delete."""
    url = f"sqlite:///{tmp_path / 'old.db'}"
    _old_database(url)
    engine = get_engine(url)
    config = alembic_config(url)
    with pytest.raises(RuntimeError, match="foreign keys are on"), engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert current_revision(engine) == "0001"
    with engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM ticket_events")).scalar() == 7
    dispose_engines()

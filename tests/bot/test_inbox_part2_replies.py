"""Replying to the patient from the ticket (issue 25, item 2): ``POST /api/tickets/<ref>/reply``
and the inbox's reply form email the patient through a real local SMTP server (aiosmtpd),
keep the reply on the ticket with how it went, and log the contact attempt; ``POST
/api/tickets/<ref>/contact`` logs calls and missed calls; only the holder or a lead may do
either. The web app runs in a subprocess on SQLite and PostgreSQL; migration 0003 marks
the tickets of old test runs."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from alembic import command

from bot.tickets import ConsultantDirectory, TicketDraft, TicketRepository
from bot.tickets.db import get_engine
from bot.tickets.migrate import alembic_config, forget_schema_checks, migration_connection
from testkit import Mailbox, csrf_token, free_port, inbox_login, local_smtp

PASSWORD = "correct horse battery staple"


@pytest.fixture
def smtp() -> Iterator[tuple[int, Mailbox]]:
    with local_smtp() as server:
        yield server


def _smtp_env(port: int) -> dict[str, str]:
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "false",
        "NOTIFY_EMAIL_FROM": "consultants@pharmacy.test",
        "NOTIFY_EMAIL_TO": "team@pharmacy.test",
    }


def _file(url: str, reference: str, **changes: Any) -> str:
    values: dict[str, Any] = {
        "patient_name": "Ada Patient",
        "question": "Can I take ibuprofen with ocrelizumab?",
        "consent": True,
        "email": "ada@example.org",
        "phone": "+44 20 7946 0000",
    } | changes
    TicketRepository.for_url(url).file(TicketDraft(**values), reference=reference, filing_id=reference)
    return reference


def _token(base: str, name: str) -> dict[str, str]:
    body = requests.post(f"{base}/api/login", json={"username": name, "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {body['token']}"}


@pytest.fixture
def team(database_url, add_consultant):
    for name in ("alice", "bob", "lena"):
        add_consultant(database_url, name)
    ConsultantDirectory.for_url(database_url).set_role("lena", "lead")
    return database_url


def test_a_reply_reaches_the_patient_by_email_and_stays_on_the_ticket(team, smtp, web_server):
    port, mailbox = smtp
    url = team
    reference = _file(url, "MC-RAAAA")
    TicketRepository.for_url(url).claim(reference, "alice")
    base = web_server(url, **_smtp_env(port)).base_url
    alice = _token(base, "alice")

    text = "Hello Ada,\nibuprofen is not named in the ocrelizumab label.\n<b>Ask your GP</b> first."
    response = requests.post(f"{base}/api/tickets/{reference}/reply", json={"text": text}, headers=alice)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["reply"]["email_status"] == "sent" and body["reply"]["email_to"] == "ada@example.org"
    assert [(r["author"], r["text"], r["email_status"]) for r in body["replies"]] == [("alice", text, "sent")]
    assert [(c["kind"], c["actor"]) for c in body["contacts"]] == [("reply_email", "alice")]
    assert body["events"][-1]["action"] == "reply"
    assert body["status"] == "claimed"  # replying changes no status

    [message] = mailbox.messages
    assert mailbox.envelopes == [("consultants@pharmacy.test", ["ada@example.org"])]
    assert message["To"] == "ada@example.org" and message["From"] == "consultants@pharmacy.test"
    assert reference in message["Subject"]
    content = message.get_payload(decode=True).decode()
    assert "Hello Ada Patient," in content and "<b>Ask your GP</b> first." in content
    assert "alice, medical consultant of the pharmacy" in content

    again = requests.get(f"{base}/api/tickets/{reference}", headers=alice).json()
    assert again["replies"] == body["replies"] and again["contacts"] == body["contacts"]

    # a lead may reply on a ticket someone else holds
    lena = _token(base, "lena")
    by_lead = requests.post(
        f"{base}/api/tickets/{reference}/reply", json={"text": "Lead here."}, headers=lena
    )
    assert by_lead.status_code == 201 and len(mailbox.messages) == 2


def test_who_may_reply_and_when(team, smtp, web_server):
    port, mailbox = smtp
    url = team
    repo = TicketRepository.for_url(url)
    held = _file(url, "MC-RBBBB")
    repo.claim(held, "alice")
    fresh = _file(url, "MC-RCCCC")
    done = _file(url, "MC-RDDDD")
    repo.claim(done, "alice")
    repo.transition(done, "alice", "resolve")
    base = web_server(url, **_smtp_env(port)).base_url
    alice, bob = _token(base, "alice"), _token(base, "bob")

    def reply(reference: str, who: dict[str, str], body: Any) -> requests.Response:
        return requests.post(f"{base}/api/tickets/{reference}/reply", json=body, headers=who)

    refused = reply(held, bob, {"text": "hi"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_allowed"
    assert "held by alice" in refused.json()["error"]["message"]
    unclaimed = reply(fresh, alice, {"text": "hi"})
    assert unclaimed.status_code == 409 and unclaimed.json()["error"]["code"] == "not_claimed"
    resolved = reply(done, alice, {"text": "hi"})
    assert resolved.status_code == 409 and resolved.json()["error"]["code"] == "already_resolved"
    for bad in ({}, {"text": "   "}, {"text": 5}, {"text": "x" * 5001}):
        answer = reply(held, alice, bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_reply", bad
    assert reply("MC-ZZZZZ", alice, {"text": "hi"}).status_code == 404
    assert requests.post(f"{base}/api/tickets/{held}/reply", json={"text": "hi"}).status_code == 401
    assert mailbox.messages == []
    assert repo.get(held).replies == ()


def test_without_an_email_address_or_a_mail_server_the_reply_is_kept(team, web_server):
    url = team
    repo = TicketRepository.for_url(url)
    phone_only = _file(url, "MC-REEEE", email=None)
    with_email = _file(url, "MC-RFFFF")
    unreachable = _file(url, "MC-RGGGG")
    for reference in (phone_only, with_email, unreachable):
        repo.claim(reference, "alice")
    closed_port = free_port()  # nothing listens there
    plain = web_server(url).base_url  # no SMTP settings
    alice = _token(plain, "alice")
    kept = requests.post(f"{plain}/api/tickets/{phone_only}/reply", json={"text": "Call me"}, headers=alice)
    assert kept.status_code == 201 and kept.json()["reply"]["email_status"] == "no_email"
    assert kept.json()["contacts"][0]["kind"] == "reply_recorded"
    unset = requests.post(f"{plain}/api/tickets/{with_email}/reply", json={"text": "x"}, headers=alice)
    assert unset.json()["reply"]["email_status"] == "not_configured"

    broken = web_server(url, **_smtp_env(closed_port)).base_url
    failed = requests.post(
        f"{broken}/api/tickets/{unreachable}/reply",
        json={"text": "Try this"},
        headers=_token(broken, "alice"),
    )
    assert failed.status_code == 201
    reply = failed.json()["reply"]
    assert reply["email_status"] == "failed" and "Connection" in (reply["email_detail"] or "")
    assert failed.json()["contacts"][0]["kind"] == "reply_failed"
    assert repo.get(unreachable).replies[0].text == "Try this"


def test_contact_attempts_are_logged_and_shown(team, web_server):
    url = team
    repo = TicketRepository.for_url(url)
    reference = _file(url, "MC-RHHHH")
    repo.claim(reference, "alice")
    fresh = _file(url, "MC-RJJJJ")
    base = web_server(url).base_url
    alice, bob = _token(base, "alice"), _token(base, "bob")

    def log(who: dict[str, str], body: Any, ref: str = reference) -> requests.Response:
        return requests.post(f"{base}/api/tickets/{ref}/contact", json=body, headers=who)

    assert log(alice, {"kind": "no_answer", "note": "rang at 10:05"}).status_code == 201
    assert log(alice, {"kind": "call"}).status_code == 201
    last = log(alice, {"kind": "email", "note": "sent the leaflet from Outlook"})
    assert [(c["kind"], c["note"]) for c in last.json()["contacts"]] == [
        ("no_answer", "rang at 10:05"),
        ("call", None),
        ("email", "sent the leaflet from Outlook"),
    ]
    assert [e["detail"] for e in last.json()["events"] if e["action"] == "contact"] == [
        "called, no answer: rang at 10:05",
        "call made",
        "email sent: sent the leaflet from Outlook",
    ]
    for bad in ({"kind": "pigeon"}, {}, {"kind": "call", "note": 3}):
        answer = log(alice, bad)
        assert answer.status_code == 400 and answer.json()["error"]["code"] == "bad_request", bad
    assert log(bob, {"kind": "call"}).status_code == 403
    assert log(alice, {"kind": "call"}, fresh).json()["error"]["code"] == "not_claimed"
    assert len(repo.get(reference).contacts) == 3


# --- the ticket page ------------------------------------------------------------------


def test_the_reply_and_contact_forms(sqlite_url, add_consultant, smtp, web_server):
    port, mailbox = smtp
    add_consultant(sqlite_url, "alice")
    add_consultant(sqlite_url, "bob")
    reference = _file(sqlite_url, "MC-RKKKK")
    base = web_server(sqlite_url, **_smtp_env(port)).base_url
    alice = inbox_login(base, "alice")

    page = alice.get(f"{base}/inbox/tickets/{reference}").text
    assert "Claim the ticket to reply to the patient" in page and 'id="reply-text"' not in page
    alice.post(f"{base}/inbox/tickets/{reference}/claim", data={"csrf_token": csrf_token(page)})
    page = alice.get(f"{base}/inbox/tickets/{reference}").text
    assert "It is emailed to ada@example.org" in page

    forged = alice.post(f"{base}/inbox/tickets/{reference}/reply", data={"text": "x"})
    assert forged.status_code == 403 and mailbox.messages == []
    sent = alice.post(
        f"{base}/inbox/tickets/{reference}/reply",
        data={"csrf_token": csrf_token(page), "text": "Please see your GP <script>x()</script>"},
    )
    assert sent.url.endswith("message=reply_sent#replies") or "message=reply_sent" in sent.url
    assert "Your reply was emailed to the patient" in sent.text
    assert "Please see your GP &lt;script&gt;x()&lt;/script&gt;" in sent.text
    assert "<script>x()" not in sent.text
    assert "reply sent by email" in sent.text
    assert len(mailbox.messages) == 1

    empty = alice.post(
        f"{base}/inbox/tickets/{reference}/reply", data={"csrf_token": csrf_token(page), "text": " "}
    )
    assert "The reply was empty" in empty.text and len(mailbox.messages) == 1
    logged = alice.post(
        f"{base}/inbox/tickets/{reference}/contact",
        data={"csrf_token": csrf_token(page), "kind": "no_answer", "note": "voicemail"},
    )
    assert "The contact attempt was logged." in logged.text
    assert "called, no answer" in logged.text and "voicemail" in logged.text

    bob = inbox_login(base, "bob")
    bob_page = bob.get(f"{base}/inbox/tickets/{reference}").text
    assert "Only alice, who holds this ticket, or a lead can reply" in bob_page
    refused = bob.post(
        f"{base}/inbox/tickets/{reference}/reply", data={"csrf_token": csrf_token(bob_page), "text": "hi"}
    )
    assert "Only the consultant who holds this ticket, or a lead, can do that." in refused.text
    assert len(mailbox.messages) == 1


# --- migration 0003 -------------------------------------------------------------------


def test_migration_0003_marks_old_test_tickets(tmp_path):
    forget_schema_checks()
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = get_engine(url)
    config = alembic_config(url)
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "0002")
    columns = "reference, filing_id, status, created_at, updated_at, patient_name, question, urgent, "
    columns += "consent, consented_at, sender_id, transcript, search_text"
    with engine.begin() as connection:
        for number, sender in enumerate(("convtest-dosing-1a2b", "t-4f5e6d", "3f2a9c1b0d", None, "tea-time")):
            connection.execute(
                sa.text(
                    f"INSERT INTO tickets ({columns}) VALUES (:ref, :fid, 'new', '2026-11-01 10:00:00', "
                    "'2026-11-01 10:00:00', 'P', 'Q', 0, 1, '2026-11-01 10:00:00', :sender, '[]', '')"
                ),
                {"ref": f"MC-OLD{'ABCDE'[number]}", "fid": f"old-{number}", "sender": sender},
            )
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with engine.connect() as connection:
        marked = dict(connection.execute(sa.text("SELECT reference, test FROM tickets")).all())
    assert marked == {"MC-OLDA": 1, "MC-OLDB": 1, "MC-OLDC": 0, "MC-OLDD": 0, "MC-OLDE": 0}

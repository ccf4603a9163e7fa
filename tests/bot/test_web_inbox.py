"""The consultant inbox and its JSON API over real HTTP, the app running in a subprocess."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
import requests

from bot.tickets import FilingService, TicketDraft, TicketRepository, TranscriptEntry
from bot.tickets.drafts import utcnow
from testkit import csrf_token, inbox_login

PASSWORD = "correct horse battery staple"
SCRIPT = "<script>window.__x=1</script>"


def _file(settings, **changes) -> str:
    now = utcnow()
    values = {
        "patient_name": "Ada <b>Patient</b>",
        "question": f"Is this safe? {SCRIPT}",
        "consent": True,
        "email": "ada@example.org",
        "phone": "+44 20 7946 0000",
        "best_time": "mornings",
        "drug": "ocrelizumab",
        "topic": "pregnancy",
        "transcript": (
            TranscriptEntry("patient", "I want to talk to a person", now - timedelta(seconds=5)),
            TranscriptEntry("bot", "Of course. What is your name?", now - timedelta(seconds=4)),
            TranscriptEntry("patient", f"{SCRIPT} Ada", now - timedelta(seconds=3)),
        ),
    } | changes
    return FilingService(settings, notifiers=()).file(TicketDraft(**values)).reference


@pytest.fixture
def inbox(sqlite_url, make_settings, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    add_consultant(sqlite_url, "bob")
    settings = make_settings(sqlite_url)
    server = web_server(sqlite_url)
    return server.base_url, settings


def test_health(inbox):
    base, _ = inbox
    response = requests.get(f"{base}/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "outbox_pending": 0}


def test_the_inbox_needs_a_login(inbox):
    base, _ = inbox
    response = requests.get(f"{base}/inbox", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/inbox/login")
    page = requests.get(f"{base}/inbox/tickets/MC-7K3Q9", allow_redirects=True)
    assert "Consultant login" in page.text


def test_login_cookie_and_logout(inbox):
    base, _ = inbox
    browser = requests.Session()
    page = browser.get(f"{base}/inbox/login")
    assert 'name="csrf_token"' in page.text
    token = csrf_token(page.text)

    forged = requests.post(
        f"{base}/inbox/login", data={"csrf_token": token, "username": "alice", "password": PASSWORD}
    )
    assert forged.status_code == 403  # no matching CSRF cookie

    wrong = browser.post(
        f"{base}/inbox/login", data={"csrf_token": token, "username": "alice", "password": "nope"}
    )
    assert wrong.status_code == 401
    assert "Wrong name or password" in wrong.text

    good = browser.post(
        f"{base}/inbox/login",
        data={"csrf_token": csrf_token(wrong.text), "username": "alice", "password": PASSWORD},
        allow_redirects=False,
    )
    assert good.status_code == 303
    cookie = next(h for h in good.raw.headers.getlist("Set-Cookie") if h.startswith("inbox_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # development over plain HTTP

    inbox_page = browser.get(f"{base}/inbox")
    assert inbox_page.status_code == 200 and "Signed in as" in inbox_page.text
    logout = browser.post(f"{base}/inbox/logout", data={"csrf_token": csrf_token(inbox_page.text)})
    assert "Consultant login" in logout.text
    assert browser.get(f"{base}/inbox", allow_redirects=False).status_code == 302


def test_list_filters_and_order(inbox):
    base, settings = inbox
    normal = _file(settings, drug="natalizumab")
    time.sleep(0.01)
    urgent = _file(settings, urgent=True)
    browser = inbox_login(base)
    page = browser.get(f"{base}/inbox").text
    assert page.index(urgent) < page.index(normal)
    assert "Urgent" in page
    only_urgent = browser.get(f"{base}/inbox", params={"urgency": "urgent"}).text
    assert urgent in only_urgent and normal not in only_urgent
    by_drug = browser.get(f"{base}/inbox", params={"drug": "natalizumab"}).text
    assert normal in by_drug and urgent not in by_drug
    claimed = browser.get(f"{base}/inbox", params={"status": "claimed"}).text
    assert "No ticket matches these filters" in claimed
    # user-supplied text is escaped in the list too
    assert SCRIPT not in page and "&lt;script&gt;" in page


def test_ticket_page_claim_note_resolve(inbox):
    base, settings = inbox
    reference = _file(settings)
    browser = inbox_login(base)
    page = browser.get(f"{base}/inbox/tickets/{reference}")
    assert page.status_code == 200
    html = page.text
    for shown in ("ada@example.org", "+44 20 7946 0000", "mornings", "ocrelizumab", "pregnancy",
                  "I want to talk to a person", "Of course. What is your name?"):  # fmt: skip
        assert shown in html
    assert SCRIPT not in html and "<b>Patient</b>" not in html
    assert "&lt;script&gt;window.__x=1&lt;/script&gt;" in html
    assert "Ada &lt;b&gt;Patient&lt;/b&gt;" in html
    assert html.count('name="csrf_token"') >= 4  # logout, claim, resolve, note

    # a POST without the CSRF token changes nothing
    forged = browser.post(f"{base}/inbox/tickets/{reference}/claim", data={})
    assert forged.status_code == 403
    assert TicketRepository.for_url(settings.database_url).get(reference).status == "new"

    token = csrf_token(html)
    claimed = browser.post(f"{base}/inbox/tickets/{reference}/claim", data={"csrf_token": token})
    assert "You claimed this ticket" in claimed.text
    noted = browser.post(
        f"{base}/inbox/tickets/{reference}/notes",
        data={"csrf_token": token, "note": "Rang, no answer <i>x</i>"},
    )
    assert "Your note was added" in noted.text and "Rang, no answer &lt;i&gt;x&lt;/i&gt;" in noted.text
    resolved = browser.post(
        f"{base}/inbox/tickets/{reference}/resolve", data={"csrf_token": token, "note": "done"}
    )
    assert "The ticket is resolved" in resolved.text
    ticket = TicketRepository.for_url(settings.database_url).get(reference)
    assert (ticket.status, ticket.assigned_to) == ("resolved", "alice")
    assert [e.action for e in ticket.events] == ["filed", "claimed", "note", "resolved"]


def test_the_second_claimer_is_told(inbox):
    base, settings = inbox
    reference = _file(settings)
    alice, bob = inbox_login(base, "alice"), inbox_login(base, "bob")
    alice_token = csrf_token(alice.get(f"{base}/inbox/tickets/{reference}").text)
    bob_token = csrf_token(bob.get(f"{base}/inbox/tickets/{reference}").text)
    alice.post(f"{base}/inbox/tickets/{reference}/claim", data={"csrf_token": alice_token})
    late = bob.post(f"{base}/inbox/tickets/{reference}/claim", data={"csrf_token": bob_token})
    assert "Another consultant claimed this ticket first" in late.text
    # a session's CSRF token is not valid for another session
    cross = bob.post(f"{base}/inbox/tickets/{reference}/resolve", data={"csrf_token": alice_token})
    assert cross.status_code == 403


def test_unknown_ticket_and_page(inbox):
    base, _ = inbox
    browser = inbox_login(base)
    assert browser.get(f"{base}/inbox/tickets/MC-ZZZZZ").status_code == 404
    assert browser.get(f"{base}/inbox/tickets/<script>").status_code == 404
    assert browser.get(f"{base}/nowhere").status_code == 404


def test_security_headers(inbox):
    base, _ = inbox
    browser = inbox_login(base)
    headers = browser.get(f"{base}/inbox").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Cache-Control"] == "no-store"
    css = requests.get(f"{base}/static/inbox.css")
    assert css.status_code == 200 and "text/css" in css.headers["Content-Type"]


def test_json_api(inbox):
    base, settings = inbox
    reference = _file(settings, urgent=True)
    other = _file(settings, drug="natalizumab")
    api = f"{base}/api"

    assert requests.get(f"{api}/tickets").status_code == 401
    assert requests.get(f"{api}/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert requests.post(f"{api}/login", json={"username": "alice", "password": "x"}).status_code == 401

    def token(name: str) -> dict[str, str]:
        response = requests.post(f"{api}/login", json={"username": name, "password": PASSWORD})
        assert response.status_code == 200
        return {"Authorization": f"Bearer {response.json()['token']}"}

    alice, bob = token("alice"), token("bob")
    listed = requests.get(f"{api}/tickets", headers=alice).json()["tickets"]
    assert [t["reference"] for t in listed] == [reference, other]
    assert listed[0]["transcript"][0]["text"] == "I want to talk to a person"
    urgent_only = requests.get(f"{api}/tickets", params={"urgent": "true"}, headers=alice).json()
    assert [t["reference"] for t in urgent_only["tickets"]] == [reference]
    assert requests.get(f"{api}/tickets", params={"status": "open"}, headers=alice).status_code == 400

    one = requests.get(f"{api}/tickets/{reference}", headers=alice).json()
    assert one["question"] == f"Is this safe? {SCRIPT}"  # JSON carries the raw text
    assert requests.get(f"{api}/tickets/MC-ZZZZZ", headers=alice).status_code == 404

    claimed = requests.post(f"{api}/tickets/{reference}/claim", headers=alice)
    assert claimed.status_code == 200 and claimed.json()["assigned_to"] == "alice"
    late = requests.post(f"{api}/tickets/{reference}/claim", headers=bob)
    assert late.status_code == 409 and late.json()["error"]["code"] == "already_claimed"
    note = requests.post(f"{api}/tickets/{reference}/notes", headers=alice, json={"text": "called"})
    assert note.status_code == 201 and note.json()["events"][-1]["detail"] == "called"
    assert requests.post(f"{api}/tickets/{reference}/notes", headers=alice, json={}).status_code == 400
    resolved = requests.post(f"{api}/tickets/{reference}/resolve", headers=alice, json={"note": "ok"})
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    again = requests.post(f"{api}/tickets/{reference}/resolve", headers=alice)
    assert again.status_code == 409

    assert requests.post(f"{api}/logout", headers=bob).status_code == 200
    assert requests.get(f"{api}/tickets", headers=bob).status_code == 401


def test_json_api_with_the_browser_session_needs_the_csrf_header(inbox):
    base, settings = inbox
    reference = _file(settings)
    browser = inbox_login(base)
    token = csrf_token(browser.get(f"{base}/inbox").text)
    assert browser.get(f"{base}/api/tickets").status_code == 200
    refused = browser.post(f"{base}/api/tickets/{reference}/claim")
    assert refused.status_code == 403
    accepted = browser.post(f"{base}/api/tickets/{reference}/claim", headers={"X-CSRF-Token": token})
    assert accepted.status_code == 200


def test_login_is_throttled(inbox):
    base, _ = inbox
    for _ in range(5):
        assert (
            requests.post(f"{base}/api/login", json={"username": "bob", "password": "x"}).status_code == 401
        )
    blocked = requests.post(f"{base}/api/login", json={"username": "bob", "password": PASSWORD})
    assert blocked.status_code == 429


def test_secure_cookie_when_configured(sqlite_url, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    server = web_server(sqlite_url, INBOX_COOKIE_SECURE="true")
    browser = requests.Session()
    page = browser.get(f"{server.base_url}/inbox/login")
    # requests will not send a Secure cookie over http, so pass the CSRF cookie by hand
    csrf_cookie = page.headers["Set-Cookie"]
    assert "Secure" in csrf_cookie
    value = re.search(r"inbox_login_csrf=([^;]+)", csrf_cookie).group(1)
    response = requests.post(
        f"{server.base_url}/inbox/login",
        data={"csrf_token": value, "username": "alice", "password": PASSWORD},
        cookies={"inbox_login_csrf": value},
        allow_redirects=False,
    )
    cookie = next(h for h in response.raw.headers.getlist("Set-Cookie") if h.startswith("inbox_session="))
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie


def test_the_web_app_delivers_the_outbox_on_start(sqlite_url, make_settings, tmp_path, web_server):
    (tmp_path / "blocked").write_text("")
    down = make_settings(f"sqlite:///{tmp_path / 'blocked' / 'x.db'}")
    queued = FilingService(down, notifiers=()).file(
        TicketDraft(patient_name="Q", question="Q?", consent=True, email="q@example.org")
    )
    assert queued.queued
    web_server(sqlite_url, OUTBOX_RETRY_SECONDS="0.5")  # same outbox folder
    repo = TicketRepository.for_url(sqlite_url)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not repo.list_tickets():
        time.sleep(0.2)
    assert [t.reference for t in repo.list_tickets()] == [queued.reference]


def test_health_says_when_the_database_is_down(tmp_path, web_server):
    (tmp_path / "blocked").write_text("")
    server = web_server(f"sqlite:///{tmp_path / 'blocked' / 'x.db'}")
    response = requests.get(f"{server.base_url}/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unreachable"
    login = requests.get(f"{server.base_url}/inbox/login")
    assert login.status_code == 200  # the login page needs no database
    api = requests.post(f"{server.base_url}/api/login", json={"username": "a", "password": "b"})
    assert api.status_code == 503 and api.json()["error"]["code"] == "database_unavailable"

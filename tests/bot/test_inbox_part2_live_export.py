"""The live inbox's summary (issue 25, item 5), the CSV export of a filtered list (item 4)
and test-run tickets kept out of the real inbox (item 6): over real HTTP against the web
app in a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import requests

from bot.tickets import FilingService, TicketDraft, TicketRepository, is_test_sender
from bot.tickets.drafts import utcnow
from testkit import inbox_login

PASSWORD = "correct horse battery staple"


def _file(url: str, reference: str, *, hours_ago: float = 1, **changes: Any) -> str:
    values: dict[str, Any] = {
        "patient_name": "Ada Patient",
        "question": "When is my next infusion?",
        "consent": True,
        "email": "ada@example.org",
    } | changes
    TicketRepository.for_url(url).file(
        TicketDraft(**values),
        reference=reference,
        filing_id=reference,
        filed_at=utcnow() - timedelta(hours=hours_ago),
    )
    return reference


def _token(base: str) -> dict[str, str]:
    body = requests.post(f"{base}/api/login", json={"username": "alice", "password": PASSWORD}).json()
    return {"Authorization": f"Bearer {body['token']}"}


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/inbox/tickets/(MC-[A-Z0-9]{5})">', page)


def test_the_summary_counts_what_arrived_since_the_page_was_shown(database_url, add_consultant, web_server):
    add_consultant(database_url, "alice")
    _file(database_url, "MC-SAAAA")
    _file(database_url, "MC-SBBBB", urgent=True)
    done = _file(database_url, "MC-SCCCC")
    TicketRepository.for_url(database_url).resolve(done, "alice")
    base = web_server(database_url).base_url
    alice = _token(base)

    first = requests.get(f"{base}/api/tickets/summary", headers=alice)
    assert first.status_code == 200, first.text
    summary = first.json()
    assert (summary["open"], summary["open_urgent"], summary["new_since"]) == (2, 1, 0)
    assert summary["newest_reference"] == "MC-SCCCC"
    page = inbox_login(base).get(f"{base}/inbox").text
    assert f'data-since="{summary["latest_id"]}"' in page  # what the page's poller starts from

    since = summary["latest_id"]
    unchanged = requests.get(f"{base}/api/tickets/summary", params={"since": since}, headers=alice).json()
    assert (unchanged["new_since"], unchanged["new_urgent_since"]) == (0, 0)
    _file(database_url, "MC-SDDDD", hours_ago=0)
    _file(database_url, "MC-SEEEE", hours_ago=0, urgent=True)
    _file(database_url, "MC-SFFFF", hours_ago=0, sender_id="convtest-urgent-1", urgent=True)  # a test run
    later = requests.get(f"{base}/api/tickets/summary", params={"since": since}, headers=alice).json()
    assert (later["new_since"], later["new_urgent_since"], later["open"], later["open_urgent"]) == (
        2,
        1,
        4,
        2,
    )
    assert later["newest_reference"] == "MC-SEEEE"
    with_tests = requests.get(
        f"{base}/api/tickets/summary", params={"since": since, "include_test": "1"}, headers=alice
    ).json()
    assert (with_tests["new_since"], with_tests["newest_reference"]) == (3, "MC-SFFFF")

    bad = requests.get(f"{base}/api/tickets/summary", params={"since": "x"}, headers=alice)
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_filter"
    assert requests.get(f"{base}/api/tickets/summary").status_code == 401
    # "summary" is a route, never taken for a ticket reference
    assert requests.get(f"{base}/api/tickets/MC-SAAAA", headers=alice).json()["reference"] == "MC-SAAAA"


def test_test_run_tickets_stay_out_of_the_real_inbox(database_url, add_consultant, make_settings, web_server):
    assert is_test_sender("convtest-dosing-1a2b3c4d") and is_test_sender("t-0f1e2d3c4b")
    assert not is_test_sender("3f2a9c1b0d8e7f6a5b4c3d2e1f0a9b8c") and not is_test_sender(None)
    assert not is_test_sender("tea-time")
    add_consultant(database_url, "alice")
    real = _file(database_url, "MC-TAAAA", drug="ocrelizumab", sender_id="3f2a9c1b0d8e7f6a5b4c3d2e1f0a9b8c")
    convtest = _file(database_url, "MC-TBBBB", drug="capmatinib", sender_id="convtest-dosing-1a2b3c4d")
    # the filing service (the chat's way in) marks them too
    e2e = FilingService(make_settings(database_url), notifiers=()).file(
        TicketDraft(
            patient_name="E2E", question="Q?", consent=True, phone="+44 161 496 0000", sender_id="t-0f1e"
        )
    )
    base = web_server(database_url).base_url
    alice = _token(base)
    browser = inbox_login(base)

    inbox = browser.get(f"{base}/inbox").text
    assert _rows(inbox) == [real]
    assert "capmatinib" not in inbox  # not even in the drug filter
    everything = browser.get(f"{base}/inbox", params={"include_test": "1"}).text
    assert set(_rows(everything)) == {real, convtest, e2e.reference}
    assert everything.count('class="badge badge-test"') == 2
    assert 'name="include_test" value="1" checked' in everything
    ticket_page = browser.get(f"{base}/inbox/tickets/{convtest}").text  # reachable by reference
    assert "filed by a test run" in ticket_page

    paged = requests.get(f"{base}/api/tickets", params={"limit": "50"}, headers=alice).json()
    assert [t["reference"] for t in paged["tickets"]] == [real] and paged["total"] == 1
    assert paged["tickets"][0]["test"] is False
    legacy = requests.get(f"{base}/api/tickets", headers=alice).json()
    assert [t["reference"] for t in legacy["tickets"]] == [real]
    shown = requests.get(f"{base}/api/tickets", params={"limit": "50", "include_test": "1"}, headers=alice)
    assert {t["reference"]: t["test"] for t in shown.json()["tickets"]} == {
        real: False,
        convtest: True,
        e2e.reference: True,
    }
    assert (
        requests.get(f"{base}/api/tickets", params={"include_test": "maybe"}, headers=alice).status_code
        == 400
    )
    assert requests.get(f"{base}/api/tickets/{e2e.reference}", headers=alice).json()["test"] is True


def test_csv_export_of_the_filtered_list(database_url, add_consultant, web_server):
    add_consultant(database_url, "alice")
    first = _file(database_url, "MC-XAAAA", hours_ago=30, patient_name='=HYPERLINK("http://evil")')
    second = _file(
        database_url, "MC-XBBBB", hours_ago=2, urgent=True, drug="ocrelizumab", question="Rash, itchy"
    )
    third = _file(
        database_url, "MC-XCCCC", hours_ago=5, question="Storage of the pens", phone="+44 20 7946 0000"
    )
    done = _file(database_url, "MC-XDDDD", hours_ago=50)
    TicketRepository.for_url(database_url).resolve(done, "alice")
    _file(database_url, "MC-XEEEE", sender_id="t-e2e-1")
    base = web_server(database_url).base_url
    browser = inbox_login(base)

    inbox = browser.get(f"{base}/inbox", params={"q": "rash"}).text
    assert 'href="/inbox/export.csv?q=rash"' in inbox
    response = browser.get(f"{base}/inbox/export.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"].startswith('attachment; filename="tickets-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["reference"] for r in rows] == [second, first, third]  # the inbox order, open only
    by_ref = {r["reference"]: r for r in rows}
    assert by_ref[first]["patient_name"] == '\'=HYPERLINK("http://evil")'  # never a formula
    assert by_ref[third]["phone"] == "'+44 20 7946 0000"
    assert (by_ref[first]["overdue"], by_ref[second]["overdue"], by_ref[second]["urgent"]) == (
        "yes",
        "no",
        "yes",
    )
    assert by_ref[second]["question"] == "Rash, itchy" and by_ref[second]["drug"] == "ocrelizumab"
    assert float(by_ref[first]["age_hours"]) >= 30

    found = browser.get(f"{base}/inbox/export.csv", params={"q": "RASH"}).content.decode("utf-8-sig")
    assert [r["reference"] for r in csv.DictReader(io.StringIO(found))] == [second]
    every = browser.get(f"{base}/inbox/export.csv", params={"status": "all", "include_test": "1"})
    assert len(list(csv.DictReader(io.StringIO(every.content.decode("utf-8-sig"))))) == 5
    assert requests.get(f"{base}/inbox/export.csv", allow_redirects=False).status_code == 302

    api = requests.get(f"{base}/api/tickets.csv", params={"status": "resolved"}, headers=_token(base))
    assert api.status_code == 200
    assert [r["reference"] for r in csv.DictReader(io.StringIO(api.content.decode("utf-8-sig")))] == [done]
    assert requests.get(f"{base}/api/tickets.csv").status_code == 401

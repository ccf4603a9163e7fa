"""Finding and paging tickets, on SQLite and PostgreSQL: the repository's page and search,
``GET /api/tickets?q=&limit=&cursor=`` over real HTTP (no transcripts in the list; one
ticket with transcript, history and replies), and the inbox list's search, "open" view
and next/previous pages."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests

from bot.tickets import InvalidCursorError, TicketDraft, TicketRepository, TranscriptEntry
from testkit import inbox_login

PASSWORD = "correct horse battery staple"
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
LETTERS = "ABCDEFGHJKMNPQRSTVWXYZ"  # no digits: a search for a number never hits a reference


def _reference(number: int) -> str:
    return "MC-" + "".join(LETTERS[(number // len(LETTERS) ** i) % len(LETTERS)] for i in range(5))


def _file(repo: TicketRepository, number: int, *, hours: float, urgent: bool = False, **changes: Any) -> str:
    values: dict[str, Any] = {
        "patient_name": f"Patient {number}",
        "question": f"Question number {number}",
        "consent": True,
        "email": f"p{number}@example.org",
        "urgent": urgent,
        "transcript": (TranscriptEntry("patient", f"transcript line {number}", T0),),
    } | changes
    reference = _reference(number)
    repo.file(
        TicketDraft(**values),
        reference=reference,
        filing_id=f"filing-{number}",
        filed_at=T0 + timedelta(hours=hours),
    )
    return reference


@pytest.fixture
def filed(database_url, add_consultant) -> tuple[str, list[str]]:
    """13 tickets and the inbox order they must come in."""
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    urgent_open = [_file(repo, n, hours=n, urgent=True) for n in (3, 1, 2)]
    normal_open = [_file(repo, n, hours=n) for n in (14, 10, 12, 11, 13, 15)]
    resolved = [_file(repo, n, hours=n, urgent=n % 2 == 0) for n in (20, 22, 21, 23)]
    repo.claim(urgent_open[0], "alice")
    repo.claim(normal_open[1], "alice")
    repo.wait_for_patient(normal_open[1], "alice")
    for reference in resolved:
        repo.claim(reference, "alice")
        repo.transition(reference, "alice", "resolve")
    order = (
        [_reference(n) for n in (1, 2, 3)]  # open urgent, oldest first
        + [_reference(n) for n in (10, 11, 12, 13, 14, 15)]  # open, oldest first
        + [_reference(n) for n in (23, 22, 21, 20)]  # resolved (urgent or not), newest first
    )
    return database_url, order


def test_pages_follow_the_inbox_order_both_ways(filed):
    url, order = filed
    repo = TicketRepository.for_url(url)
    pages, cursor = [], None
    while True:
        page = repo.page(limit=4, cursor=cursor)
        assert page.total == 13
        pages.append([t.reference for t in page.tickets])
        if page.next_cursor is None:
            break
        cursor = page.next_cursor
    assert pages == [order[0:4], order[4:8], order[8:12], order[12:13]]

    back = []
    page = repo.page(limit=4, cursor=cursor)
    while page.prev_cursor is not None:
        page = repo.page(limit=4, cursor=page.prev_cursor)
        back.append([t.reference for t in page.tickets])
    assert back == [order[8:12], order[4:8], order[0:4]]
    assert repo.page(limit=4).prev_cursor is None

    # a ticket filed meanwhile does not shift the next page
    first = repo.page(limit=4)
    _file(repo, 99, hours=-5, urgent=True)  # the oldest urgent: goes first, before the cursor
    assert [t.reference for t in repo.page(limit=4, cursor=first.next_cursor).tickets] == order[4:8]

    with pytest.raises(InvalidCursorError):
        repo.page(cursor="not-a-cursor")


def test_filters_and_open_view(filed):
    url, order = filed
    repo = TicketRepository.for_url(url)
    open_view = repo.page(statuses=["new", "claimed", "waiting_for_patient"], limit=50)
    assert [t.reference for t in open_view.tickets] == order[:9]
    assert [t.reference for t in repo.page(statuses=["resolved"], urgent=True).tickets] == [
        _reference(22),
        _reference(20),
    ]
    waiting = repo.page(statuses=["waiting_for_patient"]).tickets
    assert [(t.reference, t.assigned_to) for t in waiting] == [(_reference(10), "alice")]
    assert all(t.transcript == () and t.events == () for t in open_view.tickets)
    with pytest.raises(ValueError, match="status"):
        repo.page(statuses=["open"])
    with pytest.raises(ValueError, match="limit"):
        repo.page(limit=0)


def test_search_is_case_insensitive_over_every_field(database_url):
    repo = TicketRepository.for_url(database_url)
    ada = _file(
        repo,
        1,
        hours=1,
        patient_name="Ádá LOVELACE",
        email="Ada@Example.ORG",
        phone="+44 20 7946 0000",
        question="Can I breastfeed on OCREVUS?",
        transcript=(TranscriptEntry("patient", "my legs feel Heavy_100% of the time", T0),),
    )
    bob = _file(repo, 2, hours=2, patient_name="Bob Stone", question="Infusion times?", drug="ocrevus")

    def found(query: str) -> list[str]:
        return [t.reference for t in repo.page(query=query).tickets]

    assert found("ádá") == [ada]
    assert found("lovelace ADA@example.org") == [ada]  # every word must match
    assert found("7946") == [ada]
    assert found("2079460000") == [ada]  # the phone without spaces
    assert found(ada.lower()) == [ada]
    assert found("breastfeed") == [ada]
    assert found("heavy_100%") == [ada]  # LIKE wildcards are literal
    assert found("heavy_1000") == []
    assert found("y_1") == [ada] and found("%") == [ada]
    assert found("INFUSION") == [bob]
    assert found("ocrevus") == [ada]  # the drug filter is separate: drug="ocrevus"
    assert found("patient") == []  # the transcript's JSON keys are not searched
    assert found("   ") == [ada, bob]
    assert found("stone lovelace") == []


# --- over HTTP ------------------------------------------------------------------------


def _token(base: str, name: str = "alice") -> dict[str, str]:
    response = requests.post(f"{base}/api/login", json={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_the_api_pages_and_searches_without_transcripts(filed, web_server):
    url, order = filed
    base = web_server(url).base_url
    alice = _token(base)

    seen, cursor = [], None
    while True:
        params = {"limit": "5"} | ({"cursor": cursor} if cursor else {})
        response = requests.get(f"{base}/api/tickets", params=params, headers=alice)
        assert response.status_code == 200, response.text
        body = response.json()
        assert set(body) == {"tickets", "total", "next_cursor", "prev_cursor"}
        assert len(body["tickets"]) <= 5 and body["total"] == 13
        for ticket in body["tickets"]:
            assert "transcript" not in ticket and "events" not in ticket and "history" not in ticket
            assert ticket["patient_name"].startswith("Patient ")
        seen += [t["reference"] for t in body["tickets"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == order

    searched = requests.get(
        f"{base}/api/tickets",
        params={"q": "QUESTION NUMBER 1", "status": "new,claimed,waiting_for_patient", "limit": "2"},
        headers=alice,
    ).json()
    # "number 1" matches 1, 10-15 (open ones: 1 is urgent first)
    assert [t["reference"] for t in searched["tickets"]] == [_reference(1), _reference(10)]
    assert searched["total"] == 7 and searched["next_cursor"]
    by_text = requests.get(f"{base}/api/tickets", params={"q": "transcript LINE 22"}, headers=alice).json()
    assert [t["reference"] for t in by_text["tickets"]] == [_reference(22)]
    assert by_text["next_cursor"] is None and by_text["prev_cursor"] is None
    nothing = requests.get(f"{base}/api/tickets", params={"q": "zzz", "urgent": "true"}, headers=alice)
    assert nothing.json()["tickets"] == []

    one = requests.get(f"{base}/api/tickets/{_reference(10)}", headers=alice).json()
    assert one["transcript"] == [
        {"role": "patient", "text": "transcript line 10", "timestamp": T0.isoformat()}
    ]
    assert one["replies"] == []
    assert [(h["action"], h["to_status"]) for h in one["history"]] == [
        ("filed", "new"),
        ("claimed", "claimed"),
        ("waiting_for_patient", "waiting_for_patient"),
    ]
    assert [e["action"] for e in one["events"]] == ["filed", "claimed", "waiting_for_patient"]


def test_the_api_refuses_bad_paging(filed, web_server):
    url, _ = filed
    base = web_server(url).base_url
    alice = _token(base)

    def get(**params: str) -> requests.Response:
        return requests.get(f"{base}/api/tickets", params=params, headers=alice)

    for limit in ("0", "201", "ten"):
        response = get(limit=limit)
        assert response.status_code == 400 and response.json()["error"]["code"] == "bad_filter", limit
    assert get(cursor="garbage").json()["error"]["code"] == "bad_cursor"
    assert get(cursor="garbage").status_code == 400
    assert get(status="open", limit="5").status_code == 400
    assert get(status="new,claimed", limit="200").status_code == 200
    assert requests.get(f"{base}/api/tickets", params={"limit": "5"}).status_code == 401


def test_without_paging_arguments_the_old_answer_stays(filed, web_server):
    """Old tools call ``GET /api/tickets`` without q/limit/cursor and read transcripts."""
    url, order = filed
    base = web_server(url).base_url
    body = requests.get(f"{base}/api/tickets", headers=_token(base)).json()
    assert body["next_cursor"] is None
    assert len(body["tickets"]) == 13 and all("transcript" in t for t in body["tickets"])
    blank_q = requests.get(f"{base}/api/tickets?q=", headers=_token(base)).json()
    assert [t["reference"] for t in blank_q["tickets"]] == order  # q= (even empty) asks for pages
    assert "transcript" not in blank_q["tickets"][0]
    waiting = requests.get(
        f"{base}/api/tickets", params={"status": "waiting_for_patient,resolved"}, headers=_token(base)
    ).json()
    assert len(waiting["tickets"]) == 5


# --- the inbox list ---------------------------------------------------------------------


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/inbox/tickets/(MC-[A-Z0-9]{5})">', page)


def test_the_inbox_list_searches_and_pages(sqlite_url, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    references = [_file(repo, n, hours=n, patient_name=f"Ann <b>{n}</b>") for n in range(1, 56)]
    repo.claim(references[0], "alice")
    repo.transition(references[0], "alice", "resolve")
    urgent = _file(repo, 60, hours=60, urgent=True, patient_name="Urgent Una")
    base = web_server(sqlite_url).base_url
    browser = inbox_login(base)

    first = browser.get(f"{base}/inbox").text
    assert _rows(first) == [urgent, *references[1:50]]  # open only: urgent first, then oldest
    assert "55 open tickets, 50 on this page" in first
    assert "Ann &lt;b&gt;2&lt;/b&gt;" in first and "<b>2</b>" not in first
    assert 'id="prev-page"' not in first
    next_url = html.unescape(re.search(r'<a href="([^"]+)" rel="next"', first).group(1))
    second = browser.get(f"{base}{next_url}").text
    assert _rows(second) == references[50:55]
    assert 'id="next-page"' not in second
    prev_url = html.unescape(re.search(r'<a href="([^"]+)" rel="prev"', second).group(1))
    assert _rows(browser.get(f"{base}{prev_url}").text) == _rows(first)

    everything = browser.get(f"{base}/inbox", params={"status": "all"}).text
    assert "56 tickets" in everything
    resolved = browser.get(f"{base}/inbox", params={"status": "resolved"}).text
    assert _rows(resolved) == [references[0]]

    found = browser.get(f"{base}/inbox", params={"q": "ANN <B>7"}).text
    assert _rows(found) == [references[6]]  # "7" would also match 17, 27...; "<b>7" only 7
    assert 'value="ANN &lt;B&gt;7"' in found  # the search box keeps the query, escaped
    paged_search = browser.get(f"{base}/inbox", params={"q": "ann", "status": "all"}).text
    next_url = html.unescape(re.search(r'<a href="([^"]+)" rel="next"', paged_search).group(1))
    assert "q=ann" in next_url and "status=all" in next_url
    assert len(_rows(browser.get(f"{base}{next_url}").text)) == 5
    assert "No ticket matches these filters." in browser.get(f"{base}/inbox", params={"q": "nobody"}).text
    assert browser.get(f"{base}/inbox", params={"cursor": "garbage"}).status_code == 200

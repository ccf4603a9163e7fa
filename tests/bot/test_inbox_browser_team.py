"""The inbox as a team uses it, in a real browser (Playwright driving Debian's chromium,
headless, against the web app started by ``web_server``): two consultants and a lead
share a ticket (a refused resolve, a reassign, the history of who did what), the search
box, and paging through a long list; axe checks the searched list and the second page.
Screenshots go to reports/inbox/."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from bot.tickets import ConsultantDirectory, TicketDraft, TicketRepository
from bot.tickets.db import get_engine
from bot.tickets.references import ALPHABET
from bot.web.inbox import PAGE_SIZE
from tests.bot import test_inbox_browser as handling

pytestmark = pytest.mark.browser

PASSWORD = handling.PASSWORD
SHOTS = handling.SHOTS
_axe = handling._axe  # serious and critical violations only
browser = handling.browser  # the same module-scoped chromium as the other browser tests

NOT_ALLOWED = "Only the consultant who holds this ticket, or a lead, can do that."


def _log_in_as(context, base: str, name: str):
    """A new page of ``context`` with ``name`` logged in to the inbox."""
    page = context.new_page()
    page.goto(f"{base}/inbox")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/inbox")
    return page


def _watch_errors(page, errors: list[str]) -> None:
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))


@contextmanager
def _desktop_page(browser, base: str, name: str) -> Iterator[tuple[Any, list[str]]]:
    """A desktop-sized page with ``name`` logged in, and the browser errors seen on it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    try:
        page = _log_in_as(context, base, name)
        _watch_errors(page, errors)
        yield page, errors
    finally:
        context.close()


def _listed(page) -> list[str]:
    """The references of the ticket list, top to bottom."""
    return page.locator("table.tickets tbody tr th a").all_inner_texts()


def _search(page, text: str) -> None:
    """Type ``text`` into the inbox's search box and press Enter."""
    box = page.get_by_label("Search")
    box.fill(text)
    with page.expect_navigation():
        box.press("Enter")
    assert page.get_by_label("Search").input_value() == text  # the box keeps the search


def _draft(name: str, question: str, **fields) -> TicketDraft:
    return TicketDraft(patient_name=name, question=question, consent=True, **fields)


# --- claim, a refused resolve, reassign, resolve --------------------------------------


def test_two_consultants_share_a_ticket(browser, sqlite_url, add_consultant, web_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name in ("alice", "bob", "carol"):
        add_consultant(sqlite_url, name)
    ConsultantDirectory(get_engine(sqlite_url)).set_role("carol", "lead")
    repo = TicketRepository.for_url(sqlite_url)
    reference = "MC-TEAM2"
    repo.file(
        _draft(
            "Ada Lovelace",
            "Can I take ibuprofen the day after my infusion?",
            email="ada@example.org",
            phone="+44 20 7946 0000",
            drug="ocrelizumab",
        ),
        reference=reference,
        filing_id="team-1",
    )
    base = web_server(sqlite_url).base_url
    ticket_url = f"{base}/inbox/tickets/{reference}"

    desktop = {"width": 1280, "height": 900}
    contexts = {name: browser.new_context(viewport=desktop) for name in ("alice", "bob")}
    errors: list[str] = []
    try:
        # bob opens the new ticket first and leaves the page open
        bob = _log_in_as(contexts["bob"], base, "bob")
        _watch_errors(bob, errors)
        bob.goto(ticket_url)
        assert bob.get_by_role("button", name="Claim and resolve").is_visible()

        # meanwhile alice claims it
        alice = _log_in_as(contexts["alice"], base, "alice")
        _watch_errors(alice, errors)
        alice.goto(ticket_url)
        alice.get_by_role("button", name="Claim this ticket").click()
        alice.wait_for_selector("text=You claimed this ticket.")
        assert alice.locator("#status").inner_text() == "Claimed"
        assert alice.locator("#assigned-to").inner_text() == "alice"

        # bob, on his stale page, tries to resolve it: refused, and it stays alice's
        bob.get_by_label("Outcome (optional)").fill("Told her it is fine.")
        bob.get_by_role("button", name="Claim and resolve").click()
        bob.wait_for_selector(f"text={NOT_ALLOWED}")
        assert bob.locator("p.notice.error[role=status]").inner_text() == NOT_ALLOWED
        assert bob.locator("#status").inner_text() == "Claimed"
        assert bob.locator("#assigned-to").inner_text() == "alice"
        # and the page now offers him no way to change it
        assert bob.locator("#resolve").count() == 0
        assert bob.locator("#reassign").count() == 0
        assert bob.locator("#held-by").inner_text() == (
            "Held by alice: only they or a lead can change its status."
        )
        assert "Only alice, who holds this ticket, or a lead" in bob.locator("#reply-closed").inner_text()
        bob.screenshot(path=str(SHOTS / "10-team-refused.png"), full_page=True)
        answer = contexts["bob"].request.get(f"{base}/api/tickets/{reference}")
        assert answer.ok
        assert (answer.json()["status"], answer.json()["assigned_to"]) == ("claimed", "alice")
        stored = repo.get(reference)
        assert (stored.status, stored.assigned_to) == ("claimed", "alice")
        assert [e.action for e in stored.events] == ["filed", "claimed"]  # the refusal changed nothing

        # the lead may act on a ticket alice holds: the page offers her resolve and reassign
        lead_context = browser.new_context(viewport=desktop)
        try:
            carol = _log_in_as(lead_context, base, "carol")
            carol.goto(ticket_url)
            assert carol.get_by_role("button", name="Mark as resolved").is_visible()
            assert carol.get_by_role("button", name="Reassign", exact=True).is_visible()
            assert carol.locator("#held-by").count() == 0
        finally:
            lead_context.close()

        # alice hands the ticket to bob
        alice.reload()
        reassign_to = alice.get_by_label("Reassign to")
        assert reassign_to.locator("option").all_inner_texts() == ["bob", "carol"]  # not herself
        reassign_to.select_option("bob")
        alice.get_by_role("button", name="Reassign", exact=True).click()
        alice.wait_for_selector("text=The ticket was reassigned.")
        assert alice.locator("#status").inner_text() == "Claimed"
        assert alice.locator("#assigned-to").inner_text() == "bob"
        assert alice.locator("#resolve").count() == 0  # no longer hers
        assert alice.locator("#held-by").inner_text().startswith("Held by bob")

        # bob now resolves it
        bob.goto(ticket_url)
        assert bob.locator("#assigned-to").inner_text() == "bob"
        bob.get_by_label("Outcome (optional)").fill("Called back: paracetamol is the better choice.")
        bob.get_by_role("button", name="Mark as resolved").click()
        bob.wait_for_selector("text=The ticket is resolved.")
        assert bob.locator("#status").inner_text() == "Resolved"
        assert bob.locator("#assigned-to").inner_text() == "bob"

        # the history says who did what
        history = bob.locator("#history li").all_inner_texts()
        assert len(history) == 4
        assert "patient filed" in history[0]
        assert "alice claimed" in history[1]
        assert "alice reassigned: to bob (from alice)" in history[2]
        assert "bob resolved: Called back: paracetamol is the better choice." in history[3]
        rows = bob.locator("#status-history tbody tr")
        cells = [rows.nth(i).locator("td").all_inner_texts()[1:4] for i in range(rows.count())]
        assert cells == [
            ["patient", "New", "-"],
            ["alice", "New → Claimed", "alice"],
            ["alice", "Claimed → Claimed", "bob"],
            ["bob", "Claimed → Resolved", "bob"],
        ]
        bob.screenshot(path=str(SHOTS / "11-team-resolved.png"), full_page=True)
        assert errors == []
    finally:
        for context in contexts.values():
            context.close()

    ticket = repo.get(reference)
    assert (ticket.status, ticket.assigned_to) == ("resolved", "bob")
    assert [(e.actor, e.action) for e in ticket.events] == [
        ("patient", "filed"),
        ("alice", "claimed"),
        ("alice", "reassigned"),
        ("bob", "resolved"),
    ]


# --- search ---------------------------------------------------------------------------


SEARCHABLE = {
    "MC-SRCH2": _draft(
        "Grace Hopper",
        "Can I drink alcohol on the evening of my infusion?",
        email="grace.hopper@example.org",
        drug="ocrelizumab",
    ),
    "MC-SRCH3": _draft(
        "Grace Kelly",
        "Is hair thinning a side effect of teriflunomide?",
        phone="+44 113 496 0303",
        drug="teriflunomide",
    ),
    "MC-SRCH4": _draft(
        "Alan Turing",
        "How long after the infusion may I drive home?",
        email="alan@example.net",
        phone="+44 161 496 0202",
        drug="natalizumab",
    ),
    "MC-SRCH5": _draft(
        "Mary Seacole",
        "Where do I store the pen when travelling?",
        email="mary@example.com",
        drug="ofatumumab",
    ),
}

#: what a consultant types into the search box, and the tickets it must list
SEARCHES = [
    ("grace hopper", ["MC-SRCH2"]),  # a patient's name: both words must match, in any case
    ("Grace", ["MC-SRCH2", "MC-SRCH3"]),
    ("MC-SRCH4", ["MC-SRCH4"]),  # a reference, as written on the ticket
    ("mc-srch5", ["MC-SRCH5"]),  # or as a patient reads it out
    ("infusion", ["MC-SRCH2", "MC-SRCH4"]),  # a word of a question
    ("teriflunomide", ["MC-SRCH3"]),
    ("alan@example.net", ["MC-SRCH4"]),  # a contact: an email address
    ("+44 113 496 0303", ["MC-SRCH3"]),  # a phone number as typed
]


def test_the_search_box_finds_exactly_the_matching_tickets(browser, sqlite_url, add_consultant, web_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    for n, (reference, draft) in enumerate(SEARCHABLE.items()):
        repo.file(draft, reference=reference, filing_id=f"search-{n}")
    base = web_server(sqlite_url).base_url

    with _desktop_page(browser, base, "alice") as (page, errors):
        assert sorted(_listed(page)) == sorted(SEARCHABLE)

        _search(page, "grace hopper")
        assert page.locator("table.tickets caption").inner_text().startswith("1 open ticket matching")
        for query, expected in SEARCHES:
            _search(page, query)
            assert _listed(page) == expected, query

        # the searched list is accessible
        _search(page, "infusion")
        page.screenshot(path=str(SHOTS / "12-search.png"), full_page=True)
        assert _axe(page) == []

        # nothing found, then back to everything
        _search(page, "grace infusion drive")
        assert _listed(page) == []
        assert page.locator("p.empty").inner_text() == "No ticket matches these filters."
        assert _axe(page) == []
        page.get_by_role("link", name="Clear filters").click()
        page.wait_for_url(f"{base}/inbox")
        assert sorted(_listed(page)) == sorted(SEARCHABLE)
        assert errors == []


# --- pagination -----------------------------------------------------------------------


def test_paging_through_a_long_list_shows_every_ticket_once(browser, sqlite_url, add_consultant, web_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    total = PAGE_SIZE + 7
    start = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
    urgent = {10, 30, 55}  # urgent ones come first, whenever they were filed
    filed = []
    for n in range(total):
        reference = f"MC-PG{ALPHABET[n // len(ALPHABET)]}{ALPHABET[n % len(ALPHABET)]}X"
        question = "When is my next dose?" if n % 13 else "Can I travel abroad with the pen?"
        repo.file(
            _draft(f"Patient {n:02d}", question, email=f"patient{n}@example.org", urgent=n in urgent),
            reference=reference,
            filing_id=f"paging-{n}",
            filed_at=start + timedelta(minutes=n),
        )
        filed.append(reference)
    expected = [filed[n] for n in sorted(urgent)] + [filed[n] for n in range(total) if n not in urgent]
    base = web_server(sqlite_url).base_url

    with _desktop_page(browser, base, "alice") as (page, errors):
        first = _listed(page)
        assert first == expected[:PAGE_SIZE]
        caption = page.locator("table.tickets caption").inner_text()
        assert caption.startswith(f"{total} open tickets, {PAGE_SIZE} on this page")
        assert page.locator("#prev-page").count() == 0

        page.get_by_role("link", name="Next page").click()
        page.wait_for_url(f"{base}/inbox?cursor=*")
        second = _listed(page)
        assert second == expected[PAGE_SIZE:]
        caption = page.locator("table.tickets caption").inner_text()
        assert caption.startswith(f"{total} open tickets, {total - PAGE_SIZE} on this page")
        assert page.locator("#next-page").count() == 0
        # nobody shown twice, nobody lost
        assert not set(first) & set(second)
        assert sorted(first + second) == sorted(filed)
        page.screenshot(path=str(SHOTS / "13-second-page.png"), full_page=True)
        assert _axe(page) == []

        # and back: the same first page
        page.get_by_role("link", name="Previous page").click()
        page.wait_for_url(f"{base}/inbox?cursor=*")
        assert _listed(page) == first

        # a search over more than a page keeps the search on the next page
        _search(page, "dose")
        dose = [reference for n, reference in enumerate(filed) if n % 13]
        dose_expected = [r for r in expected if r in dose]
        assert len(dose) > PAGE_SIZE
        assert _listed(page) == dose_expected[:PAGE_SIZE]
        page.get_by_role("link", name="Next page").click()
        page.wait_for_url("**/inbox?q=dose*cursor=*")
        assert page.get_by_label("Search").input_value() == "dose"
        assert _listed(page) == dose_expected[PAGE_SIZE:]
        assert _axe(page) == []
        assert errors == []

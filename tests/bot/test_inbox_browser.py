"""The inbox in a real browser (Playwright driving Debian's chromium, headless): log in,
open the ticket, read the transcript, claim, resolve; a question holding a <script>
renders as text and never runs. Screenshots go to reports/inbox/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.settings import PROJECT_ROOT
from bot.tickets import FilingService, TicketDraft, TicketRepository, TranscriptEntry
from bot.tickets.drafts import utcnow
from testkit import CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.browser

PASSWORD = "correct horse battery staple"
SCRIPT = "<script>window.__x=1</script>"
SHOTS = PROJECT_ROOT / "reports" / "inbox"


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


def test_a_consultant_handles_a_ticket(browser, sqlite_url, make_settings, add_consultant, web_server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    add_consultant(sqlite_url, "alice")
    settings = make_settings(sqlite_url)
    now = utcnow()
    service = FilingService(settings, notifiers=())
    service.file(
        TicketDraft(
            patient_name="Bea Calm",
            question="When is my next infusion?",
            consent=True,
            phone="+44 161 496 0000",
            drug="natalizumab",
        )
    )
    reference = service.file(
        TicketDraft(
            patient_name="Ada Lovelace",
            question=SCRIPT,
            consent=True,
            email="ada@example.org",
            phone="+44 20 7946 0000",
            best_time="weekday mornings",
            drug="ocrelizumab",
            topic="side effects",
            urgent=True,
            transcript=(
                TranscriptEntry("patient", "I feel dizzy after my infusion", now),
                TranscriptEntry("bot", "That can be serious. Shall I ask a consultant to call you?", now),
                TranscriptEntry("patient", f"yes please {SCRIPT}", now),
            ),
        )
    ).reference
    base = web_server(sqlite_url).base_url

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console_errors: list[str] = []
    page.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda dialog: dialog.dismiss())
    try:
        page.goto(f"{base}/inbox")
        assert page.url.startswith(f"{base}/inbox/login")
        page.get_by_label("Name").fill("alice")
        page.get_by_label("Password").fill(PASSWORD)
        page.screenshot(path=str(SHOTS / "1-login.png"))
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{base}/inbox")

        rows = page.locator("table.tickets tbody tr")
        assert rows.count() == 2
        assert reference in rows.nth(0).inner_text()  # urgent first
        assert "Urgent" in rows.nth(0).inner_text()
        assert SCRIPT in rows.nth(0).inner_text()  # shown as text
        page.screenshot(path=str(SHOTS / "2-inbox.png"), full_page=True)

        page.get_by_role("link", name=reference).click()
        page.wait_for_url(f"{base}/inbox/tickets/{reference}")
        assert page.locator("#question").inner_text() == SCRIPT
        assert page.evaluate("window.__x") is None
        assert page.locator("#main script").count() == 0
        transcript = page.locator("#transcript li")
        assert transcript.count() == 3
        assert "I feel dizzy after my infusion" in transcript.nth(0).inner_text()
        assert "Shall I ask a consultant" in transcript.nth(1).inner_text()
        assert SCRIPT in transcript.nth(2).inner_text()
        assert "ada@example.org" in page.inner_text("body")
        page.screenshot(path=str(SHOTS / "3-ticket.png"), full_page=True)

        page.get_by_role("button", name="Claim this ticket").click()
        page.wait_for_selector("text=You claimed this ticket.")
        assert page.locator("#status").inner_text() == "Claimed"
        assert page.locator("#assigned-to").inner_text() == "alice"
        page.screenshot(path=str(SHOTS / "4-claimed.png"), full_page=True)

        page.get_by_label("Outcome (optional)").fill("Called back; advised to see the GP today.")
        page.get_by_role("button", name="Mark as resolved").click()
        page.wait_for_selector("text=The ticket is resolved.")
        assert page.locator("#status").inner_text() == "Resolved"
        assert page.get_by_role("button", name="Claim this ticket").count() == 0
        page.screenshot(path=str(SHOTS / "5-resolved.png"), full_page=True)

        assert page.evaluate("window.__x") is None
        assert console_errors == []
    finally:
        page.close()

    ticket = TicketRepository.for_url(sqlite_url).get(reference)
    assert (ticket.status, ticket.assigned_to) == ("resolved", "alice")
    assert ticket.events[-1].detail == "Called back; advised to see the GP today."

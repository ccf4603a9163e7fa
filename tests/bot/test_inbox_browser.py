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


# --- part 2 (issue 25): triage, reply, live badge, time zone, phone layout, axe ----------

AXE_JS = PROJECT_ROOT / "widget" / "node_modules" / "axe-core" / "axe.min.js"
RED_FLAG_EVENTS = [
    {
        "event": "user",
        "text": "I suddenly can't move my left arm",
        "timestamp": 1_795_000_000.0,
        "metadata": {"drug": "ocrelizumab"},
        "parse_data": {"entities": [{"entity": "red_flag", "value": "ocrelizumab/pml_signs"}]},
    },
    {
        "event": "bot",
        "text": "URGENT: what you describe (sudden weakness) can be a medical emergency. Call 911.",
        "timestamp": 1_795_000_001.0,
        "data": {"custom": {"urgent": True, "level": "emergency", "red_flags": ["ocrelizumab/pml_signs"]}},
    },
    *[
        {
            "event": "bot",
            "text": f"Fact {n}:\n- a **bullet** [1]\n- another",
            "timestamp": 1_795_000_002.0 + n,
        }
        for n in range(30)
    ],
    {
        "event": "bot",
        "text": "Is this the question?",
        "timestamp": 1_795_000_040.0,
        "data": {"buttons": [{"title": "Yes, that's my question", "payload": "/affirm"}]},
    },
    {"event": "user", "text": "/affirm", "timestamp": 1_795_000_041.0},
]


def _axe(page) -> list[dict]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE_JS.read_text())  # through DevTools: the page's CSP allows no inline script
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.map(v => ({id: v.id, impact: v.impact,
                nodes: v.nodes.map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def _log_in(page, base: str) -> None:
    page.goto(f"{base}/inbox")
    page.get_by_label("Name").fill("alice")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{base}/inbox")


def test_triage_reply_and_live_badge_in_the_browser(browser, sqlite_url, add_consultant, web_server):
    from datetime import datetime, timezone

    from aiosmtpd.controller import Controller

    from bot.localbot import free_port
    from bot.tickets import transcript_from_events

    SHOTS.mkdir(parents=True, exist_ok=True)
    received: list[bytes] = []

    class Mailbox:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    smtp_port = free_port()
    smtp = Controller(Mailbox(), hostname="127.0.0.1", port=smtp_port)
    smtp.start()
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    filed_at = datetime(2026, 11, 20, 15, 30, tzinfo=timezone.utc)
    reference = "MC-BRWSR"
    repo.file(
        TicketDraft(
            patient_name="Ada Lovelace",
            question="Is this weakness serious?",
            consent=True,
            email="ada@example.org",
            urgent=True,
            drug="ocrelizumab",
            transcript=transcript_from_events(RED_FLAG_EVENTS),
        ),
        reference=reference,
        filing_id="browser-1",
        filed_at=filed_at,
    )
    for n in range(6):
        repo.file(
            TicketDraft(
                patient_name=f"Patient number {n} with a rather long name",
                question="A long question about dosing schedules " * 4,
                consent=True,
                email=f"p{n}@example.org",
                drug="natalizumab",
            ),
            reference=f"MC-PH{'ABCDEF'[n]}NE",
            filing_id=f"phone-{n}",
        )
    base = web_server(
        sqlite_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        SMTP_STARTTLS="false",
        NOTIFY_EMAIL_FROM="consultants@pharmacy.test",
        NOTIFY_EMAIL_TO="team@pharmacy.test",
    ).base_url

    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id="America/New_York", locale="en-US"
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.clock.install()
        _log_in(page, base)
        assert (
            page.locator("#tz-note").inner_text() == "Times in America/New_York (your computer's time zone)"
        )
        assert page.locator("#live-sound").is_checked() is False  # sound is off by default
        assert _axe(page) == []

        # a new urgent ticket arrives while the inbox is open: the badge says so, no reload
        assert page.locator("#live-text").inner_text() == ""
        repo.file(
            TicketDraft(
                patient_name="Late", question="Chest pain", consent=True, phone="+1 212 555 0100", urgent=True
            ),
            reference="MC-NEWER",
            filing_id="late-1",
        )
        page.clock.fast_forward(16_000)
        page.wait_for_function(
            "() => document.getElementById('live-text').textContent !== ''", timeout=10_000
        )
        assert page.locator("#live-text").inner_text() == "1 new ticket (1 urgent)"
        assert page.locator("#live-reload").is_visible()
        assert "MC-NEWER" not in page.locator("table.tickets").inner_text()  # not reloaded behind our back
        page.screenshot(path=str(SHOTS / "6-live-badge.png"))
        page.locator("#live-reload").click()
        page.wait_for_selector("text=MC-NEWER")

        # the ticket: red flag named and linked, times in New York, button titles, markdown
        page.goto(f"{base}/inbox/tickets/{reference}")
        filed = page.locator("dt:has-text('Filed') + dd time")
        assert filed.inner_text() == "2026-11-20 10:30 EST"
        assert filed.get_attribute("title") == "2026-11-20 15:30 UTC"
        banner = page.locator("#red-flag").inner_text()
        assert "Red flag: Emergency" in banner and "sudden weakness" in banner
        assert "I suddenly can't move my left arm" in banner
        page.locator("#red-flag-link").click()
        assert page.url.endswith("#turn-2")
        page.wait_for_function(
            """() => { const t = document.getElementById('turn-2').getBoundingClientRect();
                       const box = document.getElementById('transcript').getBoundingClientRect();
                       return t.top >= box.top - 1 && t.top < box.bottom; }"""
        )
        last = page.locator("#transcript > li").last
        assert "Yes, that's my question" in last.inner_text() and "/affirm" not in last.inner_text()
        assert page.locator("#transcript .md strong").first.inner_text() == "bullet"
        assert page.evaluate("document.documentElement.scrollHeight") < 3000  # transcript scrolls in place
        assert _axe(page) == []

        # claim, reply: the email reaches the local SMTP server and the reply shows on the ticket
        page.get_by_role("button", name="Claim this ticket").click()
        page.wait_for_selector("text=You claimed this ticket.")
        page.get_by_label("Your reply").fill("Please call 911 now if the weakness is still there.")
        page.get_by_role("button", name="Send reply").click()
        page.wait_for_selector("text=Your reply was emailed to the patient")
        assert "Please call 911 now" in page.locator("#contacts").inner_text()
        assert "reply sent by email" in page.locator("#contacts").inner_text()
        assert len(received) == 1 and b"Please call 911 now" in received[0]
        page.get_by_label("Called, no answer").check()
        page.get_by_label("Note (optional)").fill("voicemail full")
        page.get_by_role("button", name="Log contact").click()
        page.wait_for_selector("text=The contact attempt was logged.")
        assert "called, no answer: voicemail full" in page.locator("#history").inner_text()
        page.screenshot(path=str(SHOTS / "7-ticket-part2.png"), full_page=True)
        assert _axe(page) == []
        assert errors == []
    finally:
        context.close()
        smtp.stop()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    small = phone.new_page()
    try:
        _log_in(small, base)
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        assert small.locator("table.tickets tbody tr").count() >= 7
        small.screenshot(path=str(SHOTS / "8-phone-inbox.png"), full_page=True)
        assert _axe(small) == []
        small.goto(f"{base}/inbox/tickets/{reference}")
        assert small.evaluate("document.documentElement.scrollWidth") <= 390
        small.screenshot(path=str(SHOTS / "9-phone-ticket.png"), full_page=True)
    finally:
        phone.close()

"""Triage that is right (issue 25, item 3): the transcript shows the button the patient
pressed by its title and the bot's markdown safely; an urgent ticket names its red flag
and links to that turn; open tickets past TICKET_OVERDUE_AFTER are marked overdue; the
ticket's drug and topic come from the page, then the question. Over real HTTP against
the web app in a subprocess, on SQLite and PostgreSQL."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from rasa_sdk import Tracker

from bot.settings import SettingsError, load_settings
from bot.tickets import TicketDraft, TicketRepository, TranscriptEntry, transcript_from_events
from bot.tickets.drafts import utcnow
from bot.web.triage import render_markdown
from testkit import inbox_login

PASSWORD = "correct horse battery staple"

# Rasa's events as the tracker serialises them: the best-time question with its button,
# the patient pressing it, a red flag answered urgently.
T = 1_790_000_000.0
EVENTS: list[dict[str, Any]] = [
    {"event": "action", "name": "action_listen", "timestamp": T},
    {
        "event": "user",
        "text": "I have a new weakness on one side since yesterday",
        "timestamp": T + 1,
        "metadata": {"drug": "ocrelizumab"},
        "parse_data": {
            "intent": {"name": "report_symptom"},
            "entities": [
                {"entity": "red_flag", "value": "ocrelizumab/pml_signs"},
                {"entity": "red_flag", "value": "general/triage_emergency"},
            ],
        },
    },
    {
        "event": "bot",
        "text": "URGENT: what you describe (new weakness, pml signs) can be a medical emergency.",
        "timestamp": T + 2,
        "data": {"custom": {"urgent": True, "level": "emergency", "red_flags": ["ocrelizumab/pml_signs"]}},
    },
    {
        "event": "bot",
        "text": "Why this matters with ocrelizumab:\n- PML can start with **weakness** [1]\n- *Act* now",
        "timestamp": T + 3,
        "data": {"buttons": [{"title": "Talk to a consultant", "payload": "/request_consultant"}]},
    },
    {"event": "user", "text": "/request_consultant", "timestamp": T + 4, "parse_data": {}},
    {
        "event": "bot",
        "text": 'When is the best time to contact you? (Optional: choose "No preference".)',
        "timestamp": T + 5,
        "data": {"buttons": [{"title": "No preference", "payload": "/deny"}]},
    },
    {"event": "user", "text": "/deny", "timestamp": T + 6},
    {"event": "bot", "text": "<img src=x onerror=alert(1)> Thanks.", "timestamp": T + 7, "data": {}},
    {"event": "user", "text": "/affirm", "timestamp": T + 8},  # no button offered: kept raw
]


def test_the_transcript_keeps_button_titles_and_red_flags():
    entries = transcript_from_events(EVENTS)
    assert [(e.role, e.text) for e in entries] == [
        ("patient", "I have a new weakness on one side since yesterday"),
        ("bot", "URGENT: what you describe (new weakness, pml signs) can be a medical emergency."),
        ("bot", "Why this matters with ocrelizumab:\n- PML can start with **weakness** [1]\n- *Act* now"),
        ("patient", "Talk to a consultant"),
        ("bot", 'When is the best time to contact you? (Optional: choose "No preference".)'),
        ("patient", "No preference"),
        ("bot", "<img src=x onerror=alert(1)> Thanks."),
        ("patient", "/affirm"),
    ]
    assert entries[0].red_flags == ("ocrelizumab/pml_signs", "general/triage_emergency")
    assert (entries[1].urgency, entries[1].red_flags) == ("emergency", ("ocrelizumab/pml_signs",))
    assert entries[2].buttons == ("Talk to a consultant",) and entries[2].urgency is None
    assert (entries[3].payload, entries[5].payload, entries[7].payload) == (
        "/request_consultant",
        "/deny",
        None,
    )
    # stored and read back (the outbox's and the database's JSON) without loss
    assert tuple(TranscriptEntry.from_dict(e.to_dict()) for e in entries) == entries
    # an old-style entry keeps its old JSON shape
    plain = TranscriptEntry("patient", "hello", datetime(2026, 1, 1, tzinfo=timezone.utc))
    assert plain.to_dict() == {"role": "patient", "text": "hello", "timestamp": "2026-01-01T00:00:00+00:00"}


def test_markdown_is_escaped_then_only_bullets_and_emphasis():
    rendered = str(
        render_markdown(
            "Side effects of **ocrelizumab**:\n- infusion *reactions* [1]\n- <b>infections</b>\n\n"
            "[link](javascript:alert(1)) <script>x()</script> 2 * 3 * 4 snake_case_name"
        )
    )
    assert rendered == (
        "<p>Side effects of <strong>ocrelizumab</strong>:</p>"
        "<ul><li>infusion <em>reactions</em> [1]</li><li>&lt;b&gt;infections&lt;/b&gt;</li></ul>"
        "<p>[link](javascript:alert(1)) &lt;script&gt;x()&lt;/script&gt; 2 * 3 * 4 snake_case_name</p>"
    )
    assert str(render_markdown("line one\nline two")) == "<p>line one<br>line two</p>"


def test_overdue_setting():
    assert load_settings({}).ticket_overdue_after == timedelta(hours=24)
    assert load_settings({"TICKET_OVERDUE_AFTER": "90m"}).ticket_overdue_after == timedelta(minutes=90)
    assert load_settings({"TICKET_OVERDUE_AFTER": "2d"}).ticket_overdue_after == timedelta(days=2)
    with pytest.raises(SettingsError, match="TICKET_OVERDUE_AFTER"):
        load_settings({"TICKET_OVERDUE_AFTER": "soon"})


# --- over HTTP ------------------------------------------------------------------------


def _file(repo: TicketRepository, reference: str, *, hours_ago: float, **changes: Any) -> str:
    values: dict[str, Any] = {
        "patient_name": "Ada Patient",
        "question": "Is this weakness serious?",
        "consent": True,
        "email": "ada@example.org",
    } | changes
    repo.file(
        TicketDraft(**values),
        reference=reference,
        filing_id=f"filing-{reference}",
        filed_at=utcnow() - timedelta(hours=hours_ago),
    )
    return reference


def _rows(page: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/inbox/tickets/(MC-[A-Z0-9]{5})">', page)


def test_the_ticket_page_shows_the_red_flag_titles_and_safe_markdown(
    database_url, add_consultant, web_server
):
    add_consultant(database_url, "alice")
    repo = TicketRepository.for_url(database_url)
    reference = _file(repo, "MC-RFHAG", hours_ago=1, urgent=True, transcript=transcript_from_events(EVENTS))
    base = web_server(database_url).base_url
    page = inbox_login(base).get(f"{base}/inbox/tickets/{reference}").text

    banner = re.search(r'<div class="notice error red-flag" id="red-flag">(.*?)</div>', page, re.S)
    assert banner, page
    text = html.unescape(re.sub(r"<[^>]+>", "", banner.group(1)))
    assert "Red flag: Emergency" in text
    assert "new weakness, pml signs" in text  # the reason the urgent reply named
    assert "I have a new weakness on one side since yesterday" in text  # what the patient wrote
    assert 'href="#turn-2" id="red-flag-link"' in page
    turn = re.search(r'<li class="message from-bot red-flag-turn" id="turn-2">(.*?)</li>', page, re.S)
    assert turn and "Red flag reply" in turn.group(1)
    assert 'class="message from-patient red-flag-turn" id="turn-1"' in page

    transcript = page[page.index('id="transcript"') :]
    assert "/deny" not in re.sub(r'title="[^"]*"', "", transcript)  # shown by its title only
    assert "Pressed the button</span> No preference" in transcript
    assert "Pressed the button</span> Talk to a consultant" in transcript
    assert "Pressed the button</span> Yes" in transcript  # an old raw payload, readable
    assert "<li>PML can start with <strong>weakness</strong> [1]</li>" in transcript
    assert "<li><em>Act</em> now</li>" in transcript
    assert "<img" not in transcript and "&lt;img src=x onerror=alert(1)&gt; Thanks." in transcript
    assert '<span class="chip">No preference</span>' in transcript


def test_an_old_urgent_ticket_without_marks_still_says_so(sqlite_url, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    now = utcnow()
    reference = _file(
        repo,
        "MC-ADDRQ",
        hours_ago=1,
        urgent=True,
        transcript=(TranscriptEntry("patient", "/affirm", now), TranscriptEntry("bot", "URGENT: call", now)),
    )
    base = web_server(sqlite_url).base_url
    page = inbox_login(base).get(f"{base}/inbox/tickets/{reference}").text
    assert "A red flag came up in this conversation" in page
    assert "look for the urgent reply below" in page
    assert "Pressed the button</span> Yes" in page


@pytest.mark.parametrize("setting", [None, "2h"])
def test_overdue_marker_and_order(setting, sqlite_url, add_consultant, web_server):
    add_consultant(sqlite_url, "alice")
    repo = TicketRepository.for_url(sqlite_url)
    old_new = _file(repo, "MC-AAAAA", hours_ago=30)
    old_claimed = _file(repo, "MC-BBBBB", hours_ago=26)
    old_waiting = _file(repo, "MC-CCCCC", hours_ago=28)
    recent = _file(repo, "MC-DDDDD", hours_ago=3)
    urgent_recent = _file(repo, "MC-EEEEE", hours_ago=0.5, urgent=True)
    old_resolved_urgent = _file(repo, "MC-FFFFF", hours_ago=50, urgent=True)
    repo.claim(old_claimed, "alice")
    repo.claim(old_waiting, "alice")
    repo.wait_for_patient(old_waiting, "alice")
    repo.claim(old_resolved_urgent, "alice")
    repo.transition(old_resolved_urgent, "alice", "resolve")
    env = {"TICKET_OVERDUE_AFTER": setting} if setting else {}
    base = web_server(sqlite_url, **env).base_url
    browser = inbox_login(base)

    page = browser.get(f"{base}/inbox", params={"status": "all"}).text
    # open urgent first, then open by age (oldest first); resolved (even urgent) last
    assert _rows(page) == [urgent_recent, old_new, old_waiting, old_claimed, recent, old_resolved_urgent]
    marked = r'<tr class="[^"]*overdue">\s*<th scope="row"><a href="/inbox/tickets/(MC-\w+)"'
    overdue = set(re.findall(marked, page))
    expected = {old_new, old_claimed} | ({recent} if setting == "2h" else set())
    assert overdue == expected  # waiting for the patient and resolved tickets are never overdue
    assert "(30 h ago)" in page
    assert ("not answered after 2 h" if setting else "not answered after 1 day") in page

    api = requests.Session()
    token = api.post(f"{base}/api/login", json={"username": "alice", "password": PASSWORD}).json()["token"]
    listed = api.get(
        f"{base}/api/tickets",
        params={"limit": "50", "status": "new,claimed,waiting_for_patient,resolved"},
        headers={"Authorization": f"Bearer {token}"},
    ).json()["tickets"]
    assert {t["reference"] for t in listed if t["overdue"]} == expected
    ticket_page = browser.get(f"{base}/inbox/tickets/{old_new}").text
    assert 'id="overdue"' in ticket_page
    assert 'id="overdue"' not in browser.get(f"{base}/inbox/tickets/{old_waiting}").text


# --- the ticket's drug and topic --------------------------------------------------------


def _tracker(events: list[dict[str, Any]], **slots: Any) -> Tracker:
    return Tracker(
        sender_id="s",
        slots={"drug": None, "topic": None, "question": None, "session_started_metadata": None} | slots,
        latest_message={},
        events=events,
        paused=False,
        followup_action=None,
        active_loop={},
        latest_action_name="action_listen",
    )


def _asked(text: str, intent: str, drugs: tuple[str, ...] = (), page: str | None = None) -> dict[str, Any]:
    return {
        "event": "user",
        "text": text,
        "metadata": {"drug": page} if page else {},
        "parse_data": {
            "intent": {"name": intent},
            "entities": [{"entity": "drug", "value": d} for d in drugs],
        },
    }


def test_drug_and_topic_come_from_the_page_then_the_question():
    from actions.handoff import ticket_drug, ticket_topic

    question = "Can I take ibuprofen for the headache after my infusion?"
    on_the_page = _tracker(
        [_asked(question, "ask_interactions", ("ibuprofen",), page="ocrelizumab")],
        question=question,
        drug="ibuprofen",  # what the answer actions left in the slot
        topic="side_effects",
    )
    assert ticket_drug(on_the_page) == "ocrelizumab"
    assert ticket_topic(on_the_page) == "interactions"

    brand_page = _tracker([_asked("hi", "greet", page="Ocrevus")], question=question, drug="ibuprofen")
    assert ticket_drug(brand_page) == "ocrelizumab"  # the page's brand, as its drug id
    from_session = _tracker([], question=question, session_started_metadata={"drug": "ocrelizumab"})
    assert ticket_drug(from_session) == "ocrelizumab"

    both = "Can I take ibuprofen with ocrelizumab?"
    no_page = _tracker([_asked(both, "ask_interactions", ("ibuprofen", "ocrelizumab"))], question=both)
    assert ticket_drug(no_page) == "ocrelizumab"  # the covered drug the question names first
    only_other = "Where can I buy ibuprofen?"
    unknown = _tracker([_asked(only_other, "purchase", ("ibuprofen",))], question=only_other, drug=None)
    assert ticket_drug(unknown) == "ibuprofen"
    nothing = _tracker([], question="please call me", drug="natalizumab", topic="dosing")
    assert (ticket_drug(nothing), ticket_topic(nothing)) == ("natalizumab", "dosing")

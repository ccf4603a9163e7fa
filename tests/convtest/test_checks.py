"""Each bot-side step against replies: when it holds, and what it says when it does not."""

from __future__ import annotations

import re
from typing import Any

import pytest

from bot.convtest.cases import ANY_VALUE, DEFAULT_TICKET_REGEX, Step
from bot.convtest.checks import Outcome, Turn, check, cites_section, format_replies, is_urgent
from bot.convtest.domain import Domain

ANSWER: list[dict[str, Any]] = [
    {
        "text": "Side effects of ocrelizumab:\n"
        "- Infusion reactions: 34% ... (OCREVUS US Prescribing Information, section 5.1, revised May 2026)\n"
        "- Herpes ... (OCREVUS US Prescribing Information, section 6.1, Table 4, revised May 2026)"
    },
    {
        "text": "If you would like to talk to a person, one of our medical consultants can contact you.",
        "buttons": [{"title": "Talk to a consultant", "payload": "/request_consultant"}],
    },
    {"text": "This is general information. Please consult your physician or pharmacist."},
]


def step(kind: str, value: Any) -> Step:
    return Step(kind=kind, value=value, raw=value, index=2, line=7)


def run(
    kind: str, value: Any, replies: list[dict[str, Any]], domain: Domain, slots: dict[str, Any] | None = None
) -> Outcome:
    return check(step(kind, value), Turn(user="q", replies=replies, slots=slots), domain)


def test_bot_is_one_message_exactly_and_points_at_the_difference(domain: Domain) -> None:
    assert run("bot", ANSWER[1]["text"], ANSWER, domain).ok
    outcome = run("bot", "If you would like to talk to a human, one of our", ANSWER, domain)
    assert not outcome.ok
    assert "closest is message 2, which differs from character 32" in outcome.actual
    assert '"human, one of our"' in outcome.actual and '"person, one of our' in outcome.actual


def test_utter_matches_any_variation_with_placeholders_as_wildcards(domain: Domain) -> None:
    greet = [{"text": "Hello! I answer questions about medicines and more. What would you like to know?"}]
    assert run("utter", "utter_greet", greet, domain).ok
    assert run("utter", "utter_goodbye", [{"text": "Take care."}], domain).ok
    outcome = run("utter", "utter_goodbye", [{"text": "Take care!"}], domain)
    assert not outcome.ok and '"Bye!" | "Take care."' in outcome.expected
    assert run("utter", "utter_urgent_payload", [{"custom": {"urgent": True}}], domain).ok


def test_bot_matches_and_no_text(domain: Domain) -> None:
    assert run("bot_matches", re.compile(r"34%"), ANSWER, domain).ok
    assert not run("bot_matches", re.compile(r"40%"), ANSWER, domain).ok
    assert run("no_text", re.compile(r"capmatinib"), ANSWER, domain).ok
    outcome = run("no_text", re.compile(r"consultants?"), ANSWER, domain)
    assert not outcome.ok
    assert (
        outcome.actual.startswith("message 2 matches: …")
        and "medical consultants can contact" in outcome.actual
    )


def test_disclaimer_is_the_last_message(domain: Domain) -> None:
    assert run("disclaimer", True, ANSWER, domain).ok
    outcome = run("disclaimer", True, [*ANSWER, {"text": "Anything else?"}], domain)
    assert not outcome.ok and outcome.actual == 'last message is "Anything else?"'
    assert run("disclaimer", True, [], domain).actual == "the bot sent nothing"
    assert run("disclaimer", False, [{"text": "Hello!"}], domain).ok
    assert not run("disclaimer", False, ANSWER, domain).ok


def test_cites_a_whole_section_number_only(domain: Domain) -> None:
    assert run("cites", ("5.1",), ANSWER, domain).ok
    assert run("cites", ("5.1", "6.1"), ANSWER, domain).ok
    outcome = run("cites", ("5", "5.1", "2.3"), ANSWER, domain)
    assert not outcome.ok
    assert outcome.actual == "missing section 5, 2.3; sections cited: 5.1, 6.1"
    assert not cites_section({"text": "(label, section 5.10, revised May 2026)"}, "5.1")
    assert cites_section({"text": "(label, section 5.3 (section number inferred), revised)"}, "5.3")
    assert not cites_section({"text": "section 5.1.2"}, "5.1")


@pytest.mark.parametrize(
    ("message", "urgent"),
    [
        ({"custom": {"urgent": True, "red_flag": "anaphylaxis"}}, True),
        ({"text": "URGENT: call emergency services now."}, True),
        ({"custom": {"urgent": "yes"}}, False),
        ({"text": "This is not urgent."}, False),
    ],
)
def test_urgent_reply(message: dict[str, Any], urgent: bool) -> None:
    assert is_urgent(message) is urgent


def test_urgent_step(domain: Domain) -> None:
    red_flag: list[dict[str, Any]] = [{"text": "Call emergency services now."}, {"custom": {"urgent": True}}]
    assert run("urgent", True, red_flag, domain).ok
    assert run("urgent", False, ANSWER, domain).ok
    outcome = run("urgent", False, red_flag, domain)
    assert not outcome.ok and outcome.actual == "message 2 is marked urgent"


def test_ticket_filed(domain: Domain) -> None:
    filed = [{"text": "Done. Your reference is MC-7K3Q9; a consultant will contact you."}]
    default = re.compile(DEFAULT_TICKET_REGEX)
    assert run("ticket_filed", (True, default), filed, domain).ok
    assert not run("ticket_filed", (True, default), [{"text": "Reference MC-0O1IL"}], domain).ok
    assert run("ticket_filed", (True, re.compile(r"MC-\w{5}")), [{"text": "Reference MC-0O1IL"}], domain).ok
    assert run("ticket_filed", (False, default), ANSWER, domain).ok
    assert run("ticket_filed", (False, default), filed, domain).actual.startswith("message 1 matches")


def test_slot_was_set_reads_the_slots_after_the_turn(domain: Domain) -> None:
    slots = {"drug": "capmatinib", "topic": None}
    assert run("slot_was_set", [("drug", "capmatinib")], [], domain, slots).ok
    outcome = run("slot_was_set", [("drug", "ocrelizumab"), ("topic", ANY_VALUE)], [], domain, slots)
    assert not outcome.ok
    assert outcome.expected == 'slots drug = "ocrelizumab", topic set'
    assert outcome.actual == 'slots after the turn: drug = "capmatinib", topic = null'
    unread = check(step("slot_was_set", [("drug", "x")]), Turn("q", [], None, "HTTP 403"), domain)
    assert not unread.ok and unread.actual == "could not read the tracker: HTTP 403"


def test_format_replies_shows_text_buttons_and_custom() -> None:
    shown = format_replies([*ANSWER[1:2], {"custom": {"urgent": True}}], indent="  ")
    assert "  1. If you would like to talk to a person" in shown
    assert "[button: Talk to a consultant -> /request_consultant]" in shown
    assert '  2. \n     custom: {"urgent": true}' in shown
    assert format_replies([]) == "  (no reply)"

"""Personal treatment decisions over REST: never yes or no; facts, the physician, a consultant."""

from __future__ import annotations

import re

import pytest

DECISIONS = [
    "should I skip my next ocrevus infusion",
    "can I skip the steroids before my infusion",
    "should i stop ocrevus",
    "should I delay my infusion because I have a cold",
    "should I double my dose of tabrecta since I missed one",
    "is it ok to postpone my ocrevus infusion by a month",
    "should i switch from ocrevus to another ms drug",
    "should I stop ocrevus now that I am pregnant",
    "can I just not take the antihistamine before the infusion",
    "should I come off ocrevus because of the infection risk",
    "do I have to keep taking ocrevus forever",
    "should i take a break from ocrevus",
    "would it be ok to miss one infusion",
    "should I stop taking orserdu because of the nausea",
    "I am thinking about stopping ocrevus, should I",
    "should i still get my infusion if i have a cold sore",
    # typed in a hurry, or asking what the bot would do
    "shoud i stop taking ocrevus",
    "would you stop ocrevus if you were me",
    "can i put my ocrevus infusion off a month",
    "is it worth continuing ocrevus",
]


@pytest.mark.parametrize("message", DECISIONS[:8])
def test_decision_understood_comes_with_the_label_facts(ask, message: str) -> None:
    body = "\n".join(r.get("text") or "" for r in ask(message))
    assert re.search(r"section \d", body), body


@pytest.mark.parametrize("message", DECISIONS)
def test_decision_is_not_taken_for_the_patient(ask, message: str) -> None:
    replies = ask(message)
    texts = [r.get("text") or "" for r in replies]
    assert not re.match(r"\s*(yes|no)\b", texts[0], re.I), texts[0]
    body = "\n".join(texts)
    assert "decision for you and your physician" in body or "physician today" in body, body
    assert any(b["payload"] == "/request_consultant" for r in replies for b in r.get("buttons") or [])
    assert "physician" in [t for t in texts if t][-1]


def test_gibberish_gets_a_rephrase_request_not_a_guess(ask) -> None:
    replies = ask("blorf wizzle kaboo")
    body = "\n".join(r.get("text") or "" for r in replies)
    # either the rephrase request or the out-of-scope answer: never facts
    assert "not sure I understood" in body or "can only help with questions about medicines" in body
    assert not re.search(r"section \d", body)
    assert any(b["payload"] == "/request_consultant" for r in replies for b in r.get("buttons") or [])


@pytest.mark.parametrize(
    "message",
    [
        "I missed both doses yesterday, is it ok to take four today?",
        "forgot my tablets all weekend so gonna take double tonight to catch up, fine?",
    ],
)
def test_catching_up_on_missed_doses_is_declined_with_the_dosing_facts(ask, message: str) -> None:
    replies = ask(message, metadata={"drug": "capmatinib"})
    body = "\n".join(r.get("text") or "" for r in replies)
    assert "decision for you and your physician" in body, body
    assert re.search(r"section 2", body), body

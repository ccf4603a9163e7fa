"""Questions over the REST channel to a real Rasa server and action server."""

from __future__ import annotations

import re
from typing import Any

import pytest

CITATION = re.compile(
    r"\[\d+\] OCREVUS (ZUNOVO )?US Prescribing Information, section \d+(\.\d+)*[^\n]*, revised \w+ \d{4}"
)

QUESTIONS = [
    ("how common are infusion reactions with ocrevus", ["34-40%", "0.3%"]),
    ("what are the side effects of ocrevus", ["infusion reaction"]),
    ("does ocrevus cause depression", ["8%", "7%"]),
    ("can ocrelizumab give me shingles", ["2.1%"]),
    ("does ocrevus cause shingles", ["2.1%"]),
    ("what are the symptoms of pml on ocrevus", ["weakness", "vision"]),
    ("can i take ocrevus if i have hepatitis b", ["hepatitis B"]),
    ("what tests do i need before starting ocrevus", ["immunoglobulin"]),
    ("can i get the flu shot while on ocrevus", ["vaccine"]),
    ("can i breastfeed while taking ocrevus", ["milk"]),
    ("do i need birth control on ocrevus", ["6 months"]),
    ("how often do i get ocrevus infusions", ["6 months"]),
    ("i missed my ocrevus infusion what now", ["5 months"]),
    ("do i get steroids before my ocrevus infusion", ["methylprednisolone"]),
    ("how should ocrevus be stored", ["2", "°C"]),
    ("what is ocrevus used for", ["multiple sclerosis"]),
    ("how does ocrevus work", ["CD20"]),
    ("can a child take ocrevus", ["10"]),
]


def _texts(messages: list[dict[str, Any]]) -> list[str]:
    return [m.get("text") or "" for m in messages]


@pytest.mark.parametrize(("question", "facts"), QUESTIONS)
def test_question_gets_facts_citation_and_disclaimer(ask, question: str, facts: list[str]) -> None:
    replies = _texts(ask(question))
    assert replies, f"no reply to {question!r}"
    body = "\n".join(replies)
    assert CITATION.search(body), f"no citation in reply to {question!r}:\n{body}"
    for fact in facts:
        assert fact.lower() in body.lower(), f"{fact!r} missing in reply to {question!r}:\n{body}"
    assert "physician" in replies[-1], f"last message is not the disclaimer: {replies[-1]!r}"


def test_follow_up_without_drug_name_stays_on_the_drug(ask) -> None:
    sender = "follow-up-1"
    ask("what is ocrevus used for", sender=sender)
    replies = _texts(ask("and how often is it given?", sender=sender))
    assert "6 months" in "\n".join(replies)
    assert "physician" in replies[-1]


def test_drug_without_monograph_is_named_not_answered(ask) -> None:
    replies = _texts(ask("what are the side effects of valsartan"))
    body = "\n".join(replies)
    assert "valsartan" in body and "ocrelizumab" in body
    assert not CITATION.search(body)


def test_page_metadata_puts_the_drug_in_context(ask) -> None:
    replies = _texts(ask("what are the side effects?", sender="page-1", metadata={"drug": "ocrelizumab"}))
    assert CITATION.search("\n".join(replies))


def test_greeting_and_bot_challenge(ask) -> None:
    assert "assistant" in " ".join(_texts(ask("hello")))
    assert "not a person" in " ".join(_texts(ask("am i talking to a robot?")))

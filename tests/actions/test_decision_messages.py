"""Personal treatment decisions as patients type them (decision_messages.tsv): without
"should", misspelt, asked for a relative, offered as two options or put up for approval; and
the fact questions that look like them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.red_flag_detector import RedFlagDetector
from testkit import labelled_messages

MESSAGES = Path(__file__).parent / "decision_messages.tsv"

CASES = labelled_messages(MESSAGES)


@pytest.fixture(scope="module")
def decisions(red_flag_detector: RedFlagDetector) -> dict[str, bool]:
    found = red_flag_detector.reader.read([message for _, _, message in CASES])
    return {message: v.decision for (_, _, message), v in zip(CASES, found, strict=True)}


def test_decisions_are_declined(decisions: dict[str, bool]) -> None:
    """Validation, not a blind score: the decision patterns were written from these sets; the
    triage never trained on them."""
    asked = [m for _, label, m in CASES if label == "decision"]
    missed = [m for m in asked if not decisions[m]]
    assert len(missed) <= 0.02 * len(asked), missed


def test_fact_questions_are_answered(decisions: dict[str, bool]) -> None:
    facts = [m for _, label, m in CASES if label == "not_decision"]
    refused = [m for m in facts if decisions[m]]
    assert len(refused) <= 0.05 * len(facts), refused


def test_the_file_is_labelled_and_large() -> None:
    labels = [label for _, label, _ in CASES]
    assert set(labels) == {"decision", "not_decision"}
    assert labels.count("decision") >= 200
    assert labels.count("not_decision") >= 150

"""What the label is silent on: an everyday thing a question names that the monograph never mentions."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase
from knowledge.coverage import everyday_things, not_covered


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.mark.parametrize(
    ("drug", "question", "silent"),
    [
        ("ocrelizumab", "can i drink alcohol on ocrevus", ["alcohol"]),
        ("ocrelizumab", "and with a glass of wine?", ["alcohol"]),
        ("ocrelizumab", "is grapefruit juice ok", ["grapefruit"]),
        ("elacestrant", "can i have a beer and a coffee", ["alcohol", "coffee and caffeine"]),
        ("ocrelizumab", "how often is the infusion given", []),
        ("ocrelizumab", "i have a runny nose", []),
    ],
)
def test_the_things_the_label_never_mentions(
    kb: KnowledgeBase, drug: str, question: str, silent: list[str]
) -> None:
    assert not_covered(kb.monographs[drug], question) == silent


def test_a_thing_the_label_mentions_is_covered(kb: KnowledgeBase) -> None:
    # the capmatinib label raises caffeine levels (CYP1A2); the elacestrant label names grapefruit
    assert not_covered(kb.monographs["capmatinib"], "can i drink coffee with it") == []
    assert not_covered(kb.monographs["elacestrant"], "is grapefruit ok") == []


def test_the_list_is_data() -> None:
    things = everyday_things()
    assert "alcohol" in things and all(words for words in things.values())

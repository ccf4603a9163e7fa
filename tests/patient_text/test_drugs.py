"""The one drug-name matcher, on the names of the bot's own monographs."""

from __future__ import annotations

import pytest

from knowledge import KnowledgeBase
from patient_text.drugs import DrugNames, stands_in


@pytest.fixture(scope="module")
def names() -> DrugNames:
    return KnowledgeBase.load().drug_names


@pytest.mark.parametrize(
    ("typed", "drug_id"),
    [
        ("OCREVUS", "ocrelizumab"),  # a brand, any case
        ("ocrelizumab", "ocrelizumab"),  # the generic name
        ("my tabrecta tablets", "capmatinib"),  # a name within a longer one
        ("orserdoo", "elacestrant"),  # misspelt
        ("ocrelizumub", "ocrelizumab"),
    ],
)
def test_find(names: DrugNames, typed: str, drug_id: str) -> None:
    assert names.find(typed) == drug_id


@pytest.mark.parametrize("typed", ["", "ocre", "ibuprofen", "aspirin"])
def test_find_nothing(names: DrugNames, typed: str) -> None:
    # "ocre": under five letters, a name must be exact
    assert names.find(typed) is None


def test_in_text_finds_misspelt_names_in_the_order_they_come(names: DrugNames) -> None:
    assert names.in_text("can i take tabrecka with ocrevuss") == ["capmatinib", "ocrelizumab"]
    assert names.in_text("is it ok with ibuprofen") == []


def test_the_first_drug_keeps_a_shared_name() -> None:
    names = DrugNames([("Testra", "testdrug"), ("testra", "other")])
    assert names.find("testra") == "testdrug"


def test_mentioned_keeps_covered_names_and_unknown_whole_words(names: DrugNames) -> None:
    text = "gonna ask if ocrevuss is ok with ibuprofen"
    assert names.mentioned(["na", "ocrevuss", "ibuprofen", "aspirin"], text) == ["ocrevuss", "ibuprofen"]


@pytest.mark.parametrize(
    ("name", "expected"), [("ibuprofen", True), ("IBUPROFEN", True), ("na", False), ("ibu", False)]
)
def test_stands_in(name: str, expected: bool) -> None:
    assert stands_in(name, "gonna take Ibuprofen") is expected

"""Finding drugs by name and choosing the facts that fit a question (on the test fixture)."""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge import KnowledgeBase, cite, select

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load(FIXTURES)


@pytest.mark.parametrize(
    "name", ["testdrugumab", "TESTRA", "Testra IV", "testdrugumb", "tesdrugumab", "my testra infusion"]
)
def test_find_drug_by_generic_brand_alias_and_typo(kb: KnowledgeBase, name: str) -> None:
    mono = kb.find_drug(name)
    assert mono is not None and mono.id == "testdrug"


@pytest.mark.parametrize("name", ["valsartan", "", "test", "ibuprofen"])
def test_unknown_names_are_not_matched(kb: KnowledgeBase, name: str) -> None:
    assert kb.find_drug(name) is None


def test_find_drugs_in_text_tolerates_typos(kb: KnowledgeBase) -> None:
    assert kb.find_drugs_in_text("does testdrugumub cause colds") == ["testdrug"]
    assert kb.find_drugs_in_text("does aspirin cause colds") == []


def test_item_selected_by_words_in_the_question(kb: KnowledgeBase) -> None:
    sel = select(kb.monographs["testdrug"], "side_effects", text="how common are infusion reactions")
    assert [i.id for i in sel.items] == ["infusion_reactions"]
    assert "34 to 40" in sel.facts[0].text
    assert not sel.used_summary


def test_table_row_found_by_entity_with_typo(kb: KnowledgeBase) -> None:
    sel = select(kb.monographs["testdrug"], "side_effects", text="x", entity_values=["depresion"])
    assert [(h.table.id, h.row.drug_pct, h.row.comparator_pct) for h in sel.table_hits] == [("rms", 8, 7)]


def test_unlisted_effect_is_reported_and_summary_given(kb: KnowledgeBase) -> None:
    sel = select(
        kb.monographs["testdrug"],
        "side_effects",
        text="does it cause hair loss",
        entity_values=["hair loss"],
        named_effects=["hair loss"],
    )
    assert sel.unlisted == ["hair loss"]
    assert sel.used_summary


def test_missing_topic_is_not_covered(kb: KnowledgeBase) -> None:
    sel = select(kb.monographs["testdrug"], "storage", text="fridge?")
    assert not sel.covered and not sel.facts


def test_citation_marks_inferred_sections_and_secondary_facts(kb: KnowledgeBase) -> None:
    mono = kb.monographs["testdrug"]
    assert cite(mono, mono.topics["side_effects"].items[0].facts[0]) == (
        "(TESTRA US Prescribing Information, section 5.1, revised May 2026)"
    )
    assert "(section number inferred)" in cite(mono, mono.topics["pml"].summary[0])
    assert "secondary source, not confirmed" in cite(mono, mono.topics["side_effects"].items[1].facts[0])


def test_a_named_effect_reaches_its_sub_topic_whatever_the_topic(kb: KnowledgeBase) -> None:
    mono = kb.monographs["testdrug"]
    sel = select(mono, "pml", "is a reaction to the drip common", named_effects=["reaction to the drip"])
    assert sel.answered_topic == "side_effects"
    assert [i.id for i in sel.items] == ["infusion_reactions"]
    assert not sel.used_summary


def test_without_a_named_effect_the_topic_keeps_its_summary(kb: KnowledgeBase) -> None:
    mono = kb.monographs["testdrug"]
    sel = select(mono, "pml", "is a reaction to the drip common")
    assert sel.answered_topic == "pml" and sel.used_summary


def test_a_topic_that_speaks_of_the_effect_keeps_its_answer() -> None:
    # ocrelizumab's monitoring topic has a PML item; the PML question stays with the PML summary
    mono = KnowledgeBase.load().monographs["ocrelizumab"]
    sel = select(mono, "pml", "whats PML? how would i know if i had it", ["pml"], named_effects=["pml"])
    assert sel.answered_topic == "pml" and sel.used_summary


@pytest.mark.parametrize(
    "question",
    [
        "forgot to book my ocrevus drip, its been 7 months",
        "it has been 8 months since my last infusion",
        "my infusion is overdue",
        "i missed my ocrevus",
    ],
)
def test_a_late_or_missed_dose_in_any_words_reaches_the_missed_dose_facts(question: str) -> None:
    mono = KnowledgeBase.load().monographs["ocrelizumab"]
    sel = select(mono, "dosing", question)
    assert "missed_dose" in [i.id for i in sel.items], question
    assert any("5 months" in f.text for f in sel.facts)

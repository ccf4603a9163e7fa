"""ORSERDU (elacestrant): the answers carry the numbers patients ask for, and the citation is
honest about the label revision (label audit of December 2026, findings E1-E3, X2)."""

from __future__ import annotations

import pytest
from keynumbers import selected_text

from knowledge import KnowledgeBase, Monograph, cite, select
from knowledge.schema import Certainty


@pytest.fixture(scope="module")
def mono() -> Monograph:
    return KnowledgeBase.load().monographs["elacestrant"]


KEY_NUMBERS = [
    # topic, a question as a patient types it, the numbers the answer must carry
    ("dosing", "what is the dose of orserdu", ["345 mg", "once daily"]),
    ("dosing", "how much elacestrant do I take a day", ["345 mg"]),
    ("dosing", "they said they might lower my dose, to what?", ["258 mg", "172 mg"]),
    ("dosing", "what dose do I take with moderate liver disease", ["258 mg"]),
    ("dosing", "I forgot my dose this morning", ["6 hours"]),
    ("administration", "how do I take elacestrant", ["345 mg", "once a day", "with food", "same time"]),
    ("administration", "what time of day should I take orserdu", ["345 mg", "same time"]),
    ("side_effects", "what are the side effects of orserdu", ["41%", "35%", "26%", "19%", "12%"]),
    ("side_effects", "what are the most common side effects of elacestrant", ["41%", "35%"]),
    ("side_effects", "how common is nausea on orserdu", ["35%"]),
    ("side_effects", "will orserdu give me bone pain", ["41%"]),
    ("side_effects", "does orserdu raise cholesterol", ["30%", "27%"]),
    ("side_effects", "can orserdu lower my hemoglobin", ["26%"]),
    ("side_effects", "my creatinine went up, is that orserdu", ["16%"]),
    ("side_effects", "how many people stop orserdu because of side effects", ["6%"]),
    ("pregnancy", "birth control with orserdu", ["1 week"]),
    ("pregnancy", "how long after stopping orserdu do I need birth control", ["1 week"]),
    ("pregnancy", "can I breastfeed while taking orserdu", ["1 week"]),
    ("interactions", "can I take itraconazole with orserdu", ["5.3-fold"]),
    ("interactions", "I am on rifampin, is that ok with orserdu", ["86%"]),
    ("interactions", "can I take other medicines with orserdu", ["5.3", "86%"]),
    ("interactions", "does orserdu interact with digoxin", ["27%"]),
    ("monitoring", "what blood tests will I need on orserdu", ["30%", "27%"]),
    ("monitoring", "what will my doctor check while I am on orserdu", ["30%"]),
    ("eligibility", "can I take orserdu with liver problems", ["258 mg"]),
]


@pytest.mark.parametrize(("topic", "question", "numbers"), KEY_NUMBERS)
def test_answer_carries_the_key_numbers(
    mono: Monograph, topic: str, question: str, numbers: list[str]
) -> None:
    answer = selected_text(mono, topic, question)
    for number in numbers:
        assert number in answer, f"{question!r}: {number!r} missing from\n{answer}"


def test_side_effects_summary_gives_frequencies_not_only_names(mono: Monograph) -> None:
    selection = select(mono, "side_effects", text="what are the side effects of orserdu")
    assert selection.used_summary
    first = selection.facts[0].text
    for effect, pct in [("muscle and bone pain", "41%"), ("nausea", "35%"), ("tiredness", "26%")]:
        assert effect in first and pct in first


def test_administration_summary_gives_dose_and_schedule(mono: Monograph) -> None:
    selection = select(mono, "administration", text="how do I take elacestrant")
    assert selection.used_summary
    text = " ".join(fact.text for fact in selection.facts)
    assert "345 mg" in text and "once a day" in text and "with food" in text
    assert "swallow" in text.lower()


def test_hemoglobin_and_creatinine_rows_are_in_the_lab_table(mono: Monograph) -> None:
    labs = next(t for t in mono.adverse_reaction_tables if t.id == "emerald_lab_abnormalities")
    rows = {row.effect: row.drug_pct for row in labs.rows}
    assert rows["Hemoglobin decreased"] == 26
    assert rows["Creatinine increased"] == 16
    assert labs.certainty is Certainty.secondary  # read in a label summary, not the label table


def test_no_fact_is_left_unverified_for_the_lab_rows(mono: Monograph) -> None:
    facts = [f for item in mono.topics["side_effects"].items for f in item.facts]
    assert not [f.text for f in facts if f.certainty is Certainty.unverified]


def test_citation_states_the_revision_honestly(mono: Monograph) -> None:
    source = mono.sources["orserdu_pi"]
    assert source.revised.isoformat() != "2023-01-27", "a marketing date is not a revision date"
    assert source.newer_revision is not None and source.newer_revision.isoformat() == "2026-06-24"
    dose = select(mono, "dosing", text="what is the dose of orserdu").facts[0]
    citation = cite(mono, dose)
    assert citation.startswith("(ORSERDU US Prescribing Information, section 2.2, revised ")
    assert "revised November 2023" in citation
    assert "a June 2026 revision is not yet checked" in citation
    assert "January 2023" not in citation


def test_every_orserdu_label_citation_mentions_the_unchecked_revision(mono: Monograph) -> None:
    facts = [f for t in mono.topics.values() for f in [*t.summary, *(x for i in t.items for x in i.facts)]]
    for fact in facts:
        if fact.source == "orserdu_pi":
            assert "a June 2026 revision is not yet checked" in cite(mono, fact), fact.text


def test_secondary_sources_show_an_access_date_not_a_revision(mono: Monograph) -> None:
    for key in ("eu_smpc", "hk_pi"):
        source = mono.sources[key]
        assert source.kind == "secondary" and source.revised is None and source.accessed is not None
    digoxin = select(mono, "interactions", text="does orserdu interact with digoxin").facts[-1]
    citation = cite(mono, digoxin)
    assert "accessed December 2026" in citation and "revised" not in citation
    assert "secondary source" in citation

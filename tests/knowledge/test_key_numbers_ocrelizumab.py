"""OCREVUS / OCREVUS ZUNOVO (ocrelizumab): the answer to a patient's question carries the number
the label gives.

For each topic with a key number (dose, schedule, frequencies, waiting times, how long after the
last dose), a realistic question is run through ``knowledge.answers.select`` on the shipped
monograph and the selected facts must contain the number. Also the fixes the label audit of
December 2026 asked for (O1-O14, the OCREVUS part of section 5, X2).
"""

from __future__ import annotations

import re

import pytest
from keynumbers import selected_text

from knowledge import KnowledgeBase, Monograph, cite
from knowledge.answers import select
from knowledge.schema import Certainty, Fact


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def mono(kb: KnowledgeBase) -> Monograph:
    return kb.monographs["ocrelizumab"]


def _all_facts(mono: Monograph) -> list[Fact]:
    facts: list[Fact] = []
    for topic in mono.topics.values():
        facts.extend(topic.summary)
        for item in topic.items:
            facts.extend(item.facts)
    for flag in mono.red_flags:
        facts.extend(flag.facts)
    return facts


def _item(mono: Monograph, topic: str, item_id: str):  # type: ignore[no-untyped-def]
    return next(i for i in mono.topics[topic].items if i.id == item_id)


# (topic, question as a patient types it, numbers the answer must contain)
KEY_NUMBERS = [
    # dosing
    ("dosing", "what is the dose of ocrevus", ["300 mg", "2 weeks", "600 mg", "every 6 months", "920 mg"]),
    ("dosing", "whats the first dose of ocrevus, is it split?", ["300 mg", "2 weeks", "day 15"]),
    ("dosing", "how often do i get ocrevus", ["600 mg", "every 6 months", "5 months"]),
    ("dosing", "my ocrevus infusion got cancelled and now im 3 weeks late", ["6 months", "5 months"]),
    ("dosing", "what dose does my daughter get, she weighs 30 kg", ["150 mg", "300 mg", "35 kg"]),
    ("dosing", "how long does the ocrevus infusion take", ["2.5 hours", "3.5 hours", "2 hours", "1 hour"]),
    ("dosing", "what dose is zunovo", ["920 mg", "10 minutes", "every 6 months"]),
    # administration: "how is it given" gets the dose and schedule as well as the how
    (
        "administration",
        "how is ocrevus given",
        ["drip", "300 mg", "2 weeks", "600 mg", "every 6 months", "920 mg", "10 minutes", "1 hour"],
    ),
    ("administration", "how often do people react to the drip", ["34-40%"]),
    (
        "administration",
        "what premeds do i get before my infusion",
        ["30 minutes", "100 mg", "30 to 60 minutes"],
    ),
    ("administration", "how long do i stay after my infusion", ["1 hour", "24 hours", "15 minutes"]),
    # side effects: the summary gives frequencies, the items their own numbers
    (
        "side_effects",
        "what are the side effects of ocrevus",
        ["40%", "33%", "34%", "49%", "43%", "14%", "10%", "34-40%", "0.3%", "48%"],
    ),
    ("side_effects", "how often do people react to the drip", ["34-40%", "0.3%", "24 hours"]),
    ("side_effects", "how common are infusion reactions with ocrevus", ["34-40%", "0.3%", "48%"]),
    ("side_effects", "do people get more colds on ocrevus", ["40%", "33%", "49%", "43%"]),
    ("side_effects", "could i get shingles from ocrevus", ["2.1%", "1.0%"]),
    ("side_effects", "ocrevus and breast cancer risk?", ["6 of 781", "0 of 668"]),
    ("side_effects", "does ocrelizumab lower my immunoglobulins", ["16.5%", "15.5%", "IgM"]),
    ("side_effects", "can ocrevus damage my liver", ["3 times", "2 times", "weeks to months"]),
    # pregnancy and contraception
    ("pregnancy", "how long after my last ocrevus do i need birth control", ["6 months"]),
    ("pregnancy", "can i get pregnant on ocrevus", ["6 months", "tell your healthcare provider"]),
    ("pregnancy", "does ocrevus cause birth defects or miscarriage", ["2-4%", "15-20%"]),
    ("pregnancy", "what do i need to know about ocrevus and pregnancy", ["6 months"]),
    # vaccines
    ("vaccines", "getting jabs before i start ocrevus - how far ahead", ["4 weeks", "2 weeks"]),
    ("vaccines", "can i have vaccines with ocrevus", ["4 weeks", "2 weeks"]),
    # PML
    ("pml", "what is the risk of pml on ocrevus", ["anti-CD20"]),
    ("pml", "what are the signs of pml", ["days to weeks"]),
    # monitoring
    ("monitoring", "what monitoring does ocrevus need", ["1 hour", "hepatitis B"]),
    ("monitoring", "what tests do i need before starting ocrevus", ["4 weeks", "2 weeks"]),
    ("monitoring", "how often do i need liver tests on ocrevus", ["3 times", "2 times"]),
    ("monitoring", "how long am i watched after the zunovo injection", ["1 hour", "15 minutes"]),
    # eligibility
    ("eligibility", "can my 12 year old take ocrevus", ["10 years", "25 kg"]),
    ("eligibility", "im 68 is ocrevus ok at my age", ["65"]),
    # indication and mechanism
    ("indication", "does ocrevus work for ppms?", ["32.9%", "39.3%"]),
    ("indication", "how well does ocrevus work for relapsing ms", ["46%", "47%", "9.8%", "15.2%"]),
    ("mechanism", "how long does ocrevus stay in my system", ["72 weeks", "2.5 years"]),
    ("mechanism", "what is the half life of ocrevus", ["26 days"]),
    # storage
    ("storage", "do ocrevus vials go in the fridge", ["2-8 °C"]),
]


@pytest.mark.parametrize(("topic", "question", "numbers"), KEY_NUMBERS, ids=[q for _, q, _ in KEY_NUMBERS])
def test_answer_carries_the_key_number(
    mono: Monograph, topic: str, question: str, numbers: list[str]
) -> None:
    answer = selected_text(mono, topic, question)
    for number in numbers:
        assert number in answer, f"{topic} / {question!r}: {number!r} missing from: {answer}"


def test_how_is_it_given_is_answered_by_the_summary(mono: Monograph) -> None:
    sel = select(mono, "administration", text="how is ocrevus given")
    assert sel.used_summary
    assert 2 <= len(sel.facts) <= 6


def test_side_effect_summary_keeps_its_size_and_the_common_reactions(mono: Monograph) -> None:
    sel = select(mono, "side_effects", text="ocrevus side effects")
    assert sel.used_summary and 2 <= len(sel.facts) <= 6
    text = " ".join(f.text for f in sel.facts)
    assert "upper respiratory infections" in text and "infusion reactions" in text


@pytest.mark.parametrize(
    "question",
    [
        "how often do people react to the drip",
        "do many people have a reaction to the infusion",
        "is it common to react during the drip",
    ],
)
def test_colloquial_reaction_questions_reach_the_infusion_reaction_rate(
    mono: Monograph, question: str
) -> None:
    sel = select(mono, "side_effects", text=question)
    assert "infusion_reactions" in [i.id for i in sel.items], question
    assert any("34-40%" in f.text for f in sel.facts)


def test_infusion_reaction_terms_include_the_words_patients_use(mono: Monograph) -> None:
    terms = set(_item(mono, "side_effects", "infusion_reactions").terms)
    assert {"drip", "infusion", "react", "reaction"} <= terms


# --- O1: children's efficacy -------------------------------------------------------------------


def test_o1_children_efficacy_is_non_inferiority_not_half_the_relapses(mono: Monograph) -> None:
    sel = select(mono, "indication", text="does ocrevus work in children")
    assert "children" in [i.id for i in sel.items]
    text = " ".join(f.text for f in sel.facts)
    assert "half" not in text.lower(), text
    assert "non-inferior" in text and "not worse" in text
    # the relapse difference is not presented as proven
    assert re.search(r"could not show|not shown|not prove", text), text


def test_o1_no_fact_compares_children_with_fingolimod_as_half(mono: Monograph) -> None:
    for fact in _all_facts(mono):
        if "fingolimod" in fact.text and "relapse" in fact.text.lower():
            assert "half" not in fact.text.lower(), fact.text


def test_o1_children_relapse_numbers_cite_section_14_table_8(mono: Monograph) -> None:
    facts = [f for f in _all_facts(mono) if "0.070" in f.text or "non-inferior" in f.text]
    assert facts
    for fact in facts:
        assert fact.section == "14" and fact.table == "Table 8", fact.text
        assert "section 14, Table 8" in cite(mono, fact)


# --- O2 / O14: OCREVUS ZUNOVO contraindications and what is unverified -----------------------------

ZUNOVO_READ = {"Highlights", "1", "2", "2.1", "2.2", "2.3", "2.4"}


def test_o2_hyaluronidase_contraindication_is_patient_facing_and_marked(mono: Monograph) -> None:
    for question in ("who should not take ocrevus", "can i have zunovo if i reacted to hyaluronidase"):
        sel = select(mono, "eligibility", text=question)
        facts = [f for f in sel.facts if "hyaluronidase" in f.text and "life-threatening" in f.text]
        assert facts, question
        for fact in facts:
            assert fact.certainty is not Certainty.label
            citation = cite(mono, fact)
            assert "not confirmed in the label text" in citation or "not verified" in citation, citation


def test_o2_patients_are_told_which_zunovo_facts_are_unchecked(mono: Monograph) -> None:
    text = selected_text(mono, "eligibility", "can i have zunovo instead of the infusion")
    assert "have not been checked" in text or "have not" in text
    assert "side effects" in text and "storage" in text


def test_o14_zunovo_facts_beyond_section_2_4_stay_unverified_or_secondary(mono: Monograph) -> None:
    for fact in _all_facts(mono):
        if fact.source == "zunovo_pi" and fact.section not in ZUNOVO_READ:
            assert fact.certainty in (Certainty.unverified, Certainty.secondary), fact.text


def test_o2_zunovo_hepatitis_b_contraindication_cites_section_2_2(mono: Monograph) -> None:
    facts = [f for f in _all_facts(mono) if f.source == "zunovo_pi" and "active hepatitis B" in f.text]
    assert facts and all(f.section == "2.2" for f in facts)


# --- the minor findings ---------------------------------------------------------------------------


def test_o4_zunovo_label_keeps_a_revision_and_its_check_date(mono: Monograph) -> None:
    zunovo = mono.sources["zunovo_pi"]
    assert zunovo.kind == "label" and zunovo.revised is not None
    assert zunovo.checked is not None


def test_o5_no_rarely_for_throat_swelling_or_anaphylaxis(mono: Monograph) -> None:
    for fact in _item(mono, "side_effects", "infusion_reactions").facts:
        assert "rarely" not in fact.text.lower(), fact.text


def test_o6_serious_herpes_fact_says_headache_as_the_label_does(mono: Monograph) -> None:
    flag = next(f for f in mono.red_flags if f.id == "serious_herpes")
    signs = next(f for f in flag.facts if f.section == "17")
    assert "headache" in signs.text
    assert "severe or lasting" not in signs.text


def test_o7_historical_statements_are_not_cited_to_the_current_label(mono: Monograph) -> None:
    for fact in _all_facts(mono):
        if re.search(r"\bolder (information|patient leaflets?)\b", fact.text, re.IGNORECASE):
            assert fact.source != "us_pi", fact.text
            assert mono.sources[fact.source].kind == "secondary"
            assert fact.certainty is Certainty.secondary


def test_o8_sections(mono: Monograph) -> None:
    experts = [f for f in _all_facts(mono) if "immunology experts" in f.text]
    assert experts and all(f.section == "2.1" for f in experts)
    for fact in _all_facts(mono):
        if fact.source.startswith("uptodate"):
            assert fact.section != "2.4" and fact.certainty is Certainty.secondary, fact.text
    # the monitoring summary no longer files PML, cancer screening and liver tests under 5.4
    for fact in mono.topics["monitoring"].summary:
        if fact.section == "5.4":
            assert "PML" not in fact.text and "breast" not in fact.text, fact.text


def test_o9_ppms_is_not_defined_as_without_relapses(mono: Monograph) -> None:
    for fact in _all_facts(mono):
        assert "without relapses" not in fact.text, fact.text


def test_o10_liver_injury_timing_has_no_usually(mono: Monograph) -> None:
    for fact in _all_facts(mono):
        if fact.section == "5.7" and "weeks to months" in fact.text:
            assert "usually" not in fact.text, fact.text


def test_o11_infusion_reaction_flag_tells_patients_to_act_right_away(mono: Monograph) -> None:
    flag = next(f for f in mono.red_flags if f.id == "infusion_reaction_symptoms")
    assert any("right away" in f.text and f.section == "17" for f in flag.facts)
    item = _item(mono, "side_effects", "infusion_reactions")
    assert any("right away" in f.text and f.section == "17" for f in item.facts)


def test_o13_x2_secondary_sources_without_a_revision_carry_an_access_date(mono: Monograph) -> None:
    for key in ("roche_uk", "roche_us_info", "uptodate_zunovo", "mymsteam_zunovo"):
        source = mono.sources[key]
        assert source.kind == "secondary" and source.revised is None and source.accessed is not None, key
    fact = next(f for f in _all_facts(mono) if f.source == "roche_uk")
    citation = cite(mono, fact)
    assert "accessed June 2026" in citation and "revised June 2026" not in citation


def test_us_label_is_dated_may_2026_and_checked(mono: Monograph) -> None:
    us_pi = mono.sources["us_pi"]
    assert us_pi.revised.isoformat() == "2026-05-20"  # type: ignore[union-attr]
    assert us_pi.checked is not None and us_pi.checked.isoformat() == "2026-12-03"


# --- section 5: facts the audit found missing -----------------------------------------------------


def test_missing_pml_other_anti_cd20(mono: Monograph) -> None:
    text = selected_text(mono, "pml", "how likely is pml")
    assert "other anti-CD20" in text and "other MS medicines" in text


def test_missing_liver_threshold_and_tests_as_needed(mono: Monograph) -> None:
    text = selected_text(mono, "monitoring", "how often are liver tests done")
    assert "3 times the upper limit of normal" in text and "2 times the upper limit of normal" in text
    assert "whenever your doctor judges it needed" in text


def test_missing_children_immunoglobulins(mono: Monograph) -> None:
    text = selected_text(mono, "side_effects", "does ocrevus lower antibodies in children")
    assert "children" in text and "IgM" in text


def test_missing_tell_the_provider_about_a_pregnancy(mono: Monograph) -> None:
    sel = select(mono, "pregnancy", text="i just found out im pregnant on ocrevus")
    fact = next(f for f in sel.facts if "become pregnant" in f.text)
    assert fact.section == "17" and "tell your healthcare provider" in fact.text

"""TABRECTA (capmatinib): the answer to a patient's question carries the number the label gives.

For each topic with a key number (dose, schedule, frequencies, test intervals, how long after the
last dose), a realistic question is run through ``knowledge.answers.select`` on the shipped
monograph and the selected facts must contain the number. Also the marks the label audit of
December 2026 asked for (C3-C10, X2) and the sun-protection item reached by the words patients use.
"""

from __future__ import annotations

import pytest
from keynumbers import selected_text

from knowledge import KnowledgeBase, Monograph, cite
from knowledge.answers import select
from knowledge.red_flags import RedFlagMatcher


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


@pytest.fixture(scope="module")
def mono(kb: KnowledgeBase) -> Monograph:
    return kb.monographs["capmatinib"]


# (topic, question as a patient types it, numbers the answer must contain)
KEY_NUMBERS = [
    # dosing
    ("dosing", "how much tabrecta do i take", ["400 mg", "twice"]),
    ("dosing", "tell me about tabrecta dosing", ["400 mg", "300 mg", "200 mg"]),
    ("dosing", "my doctor wants to lower my dose, what is the lower dose", ["300 mg", "200 mg"]),
    ("dosing", "what strength are the tabrecta tablets", ["150 mg", "200 mg"]),
    ("dosing", "i have kidney disease, do i need a different dose", ["30 to 89"]),
    ("dosing", "what if my bilirubin goes up on tabrecta", ["7 days"]),
    # administration: "how do I take it" gets the dose and schedule as well as the how
    ("administration", "how do i take tabrecta", ["400 mg", "twice a day", "with or without food", "whole"]),
    ("administration", "how should i take capmatinib", ["400 mg", "twice a day"]),
    # side effects: the summary gives frequencies, the items their own numbers
    ("side_effects", "what are the side effects of tabrecta", ["59%", "46%", "53%", "4.8%", "15%", "14%"]),
    ("side_effects", "how likely is lung inflammation on tabrecta", ["4.8%", "1.9%", "0.3%", "1.8 months"]),
    ("side_effects", "how common is liver damage with tabrecta", ["15%", "7%", "1.8 months"]),
    ("side_effects", "can tabrecta affect my pancreas", ["14%", "7%", "1.9%"]),
    ("side_effects", "my creatinine went up since starting tabrecta", ["65%"]),
    ("side_effects", "does tabrecta make you feel sick", ["46%"]),
    # monitoring
    ("monitoring", "what tests do i need on tabrecta", ["every 2 weeks", "3 months"]),
    (
        "monitoring",
        "how often are my liver tests on tabrecta",
        ["every 2 weeks", "first 3 months", "once a month"],
    ),
    # pregnancy and contraception
    ("pregnancy", "can i get pregnant on tabrecta", ["1 week"]),
    ("pregnancy", "how long after my last tabrecta dose do i need birth control", ["1 week"]),
    ("pregnancy", "can i breastfeed while taking tabrecta", ["1 week"]),
    # interactions
    ("interactions", "can i take itraconazole with tabrecta", ["42%"]),
    ("interactions", "can i drink coffee on tabrecta", ["134%"]),
    # eligibility
    ("eligibility", "can i take tabrecta if i have kidney problems", ["30 to 89"]),
    ("eligibility", "can tabrecta be used if i am pregnant or might get pregnant", ["1 week"]),
]


@pytest.mark.parametrize(("topic", "question", "numbers"), KEY_NUMBERS, ids=[q for _, q, _ in KEY_NUMBERS])
def test_answer_carries_the_key_number(
    mono: Monograph, topic: str, question: str, numbers: list[str]
) -> None:
    answer = selected_text(mono, topic, question)
    for number in numbers:
        assert number in answer, f"{topic} / {question!r}: {number!r} missing from: {answer}"


def test_how_do_i_take_it_is_answered_by_the_summary(mono: Monograph) -> None:
    sel = select(mono, "administration", text="how do i take tabrecta")
    assert sel.used_summary
    assert 2 <= len(sel.facts) <= 6


def test_side_effect_summary_gives_a_percent_for_the_most_common_reactions(mono: Monograph) -> None:
    summary = mono.topics["side_effects"].summary
    assert 2 <= len(summary) <= 6
    most_common = summary[0].text
    for pct in ("59%", "46%", "40%", "34%", "28%", "25%", "21%"):
        assert pct in most_common


SUN_QUESTIONS = [
    "can i sunbathe on tabrecta",
    "is sunbathing ok on tabrecta",
    "can i use a tanning bed",
    "can i go on a sunbed while taking capmatinib",
    "will i get sunburn more easily",
    "do i need sunscreen on tabrecta",
    "can i go to the beach",
    "is uv light a problem",
]


@pytest.mark.parametrize("question", SUN_QUESTIONS)
@pytest.mark.parametrize(
    ("topic", "item_id"), [("administration", "sun"), ("side_effects", "sun_sensitivity")]
)
def test_sun_questions_reach_the_photosensitivity_facts(
    mono: Monograph, topic: str, item_id: str, question: str
) -> None:
    sel = select(mono, topic, text=question)
    assert item_id in {item.id for item in sel.items}, f"{topic}: {question!r} missed the sun item"
    answer = " ".join(fact.text for fact in sel.facts)
    assert "sunlight" in answer and "sunscreen" in answer


def test_photosensitivity_is_a_possible_risk_not_a_certainty(mono: Monograph) -> None:
    """Label audit C6: a potential risk based on animal studies."""
    facts = [
        f for item in mono.topics["side_effects"].items if item.id == "sun_sensitivity" for f in item.facts
    ]
    facts += [f for f in mono.topics["side_effects"].summary if "sunlight" in f.text]
    assert facts
    for fact in facts:
        assert "can make" not in fact.text.lower()
    assert any("possible risk" in f.text and "animal" in f.text.lower() for f in facts)


def _facts_with(mono: Monograph, needle: str) -> list:
    out = []
    for topic in mono.topics.values():
        out += [f for f in topic.summary if needle in f.text]
        for item in topic.items:
            out += [f for f in item.facts if needle in f.text]
    for flag in mono.red_flags:
        out += [f for f in flag.facts if needle in f.text]
    return out


def test_organ_toxicity_numbers_are_marked_secondary(mono: Monograph) -> None:
    """Label audit C3: read on a mirror of the current US text, so not certainty: label."""
    for needle in ("4.8%", "15% of people", "14% of people"):
        facts = _facts_with(mono, needle)
        assert facts, needle
        for fact in facts:
            assert fact.certainty.value == "secondary", (needle, fact.text)
            assert fact.section.startswith("5")


def test_liver_test_schedule_is_label_text(mono: Monograph) -> None:
    """Label audit C4: the every-2-weeks schedule is in the US label."""
    facts = _facts_with(mono, "every 2 weeks")
    assert facts
    assert all(f.certainty.value == "label" and f.section == "5.2" for f in facts)


def test_lung_inflammation_is_held_on_suspicion(mono: Monograph) -> None:
    """Label audit C5: paused at once when suspected, stopped if no other cause is found."""
    assert not _facts_with(mono, "is confirmed")
    assert _facts_with(mono, "suspected")
    flag = next(f for f in mono.red_flags if f.id == "lung_inflammation")
    assert any("suspected" in fact.text for fact in flag.facts)


def test_lab_changes_are_marked_secondary(mono: Monograph) -> None:
    """Label audit C7: the lab table came through OncLive (2024 PI)."""
    facts = _facts_with(mono, "65%")
    assert facts and all(f.certainty.value == "secondary" and f.section == "6.1" for f in facts)


def test_hypersensitivity_signs_are_marked_unverified(mono: Monograph) -> None:
    """Label audit C9: section 5.4 could not be read in full."""
    facts = _facts_with(mono, "chills")
    assert facts and all(f.certainty.value == "unverified" and f.section == "5.4" for f in facts)


def test_label_source_is_no_longer_dated_by_a_listing_date(mono: Monograph) -> None:
    """Label audit C10 and X2."""
    pi = mono.sources["tabrecta_pi"]
    assert pi.revised is not None and pi.revised.isoformat() != "2024-11-22"
    assert pi.checked is not None and pi.checked.isoformat() == "2026-12-03"
    for source in mono.sources.values():
        if source.kind == "secondary":
            assert source.accessed is not None and source.revised is None
    citation = cite(mono, mono.topics["dosing"].summary[0])
    assert "revised March 2024" in citation and "not yet checked" in citation


C8_MESSAGES = [
    "husband on tabrecta is panting just from getting dressed",
    "ordering more tabrecta, and i've been really short of wind lately and the hacking is worse",
    "my hacking cough is getting worse on tabrecta",
]


@pytest.fixture(scope="module")
def matcher(kb: KnowledgeBase) -> RedFlagMatcher:
    return RedFlagMatcher.from_knowledge(kb)


@pytest.mark.parametrize("message", C8_MESSAGES)
def test_lung_inflammation_patterns_are_same_day_not_emergency(matcher: RedFlagMatcher, message: str) -> None:
    """Label audit C8: exertional breathlessness and a worsening cough are the lung flag."""
    keys = {d.key for d in matcher.detect(message)}
    assert "capmatinib/lung_inflammation" in keys
    assert "capmatinib/severe_breathing_or_allergic" not in keys


@pytest.mark.parametrize("message", ["my throat is closing up", "i cant breathe", "my lips are swelling"])
def test_airway_signs_stay_an_emergency(matcher: RedFlagMatcher, message: str) -> None:
    keys = {d.key for d in matcher.detect(message)}
    assert "capmatinib/severe_breathing_or_allergic" in keys

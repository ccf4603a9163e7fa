"""Content checks of every shipped monograph: topics present or explained, every fact cited."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from knowledge import TOPICS, Fact, KnowledgeBase, Monograph, cite, select
from knowledge.loader import MONOGRAPH_DIR, monograph_paths

IDS = [p.stem for p in monograph_paths(MONOGRAPH_DIR)]


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return KnowledgeBase.load()


def _facts(mono: Monograph) -> Iterator[Fact]:
    for topic in mono.topics.values():
        yield from topic.summary
        for item in topic.items:
            yield from item.facts
    for flag in mono.red_flags:
        yield from flag.facts


def test_the_three_drugs_are_there(kb: KnowledgeBase) -> None:
    assert {"ocrelizumab", "elacestrant", "capmatinib"} <= set(kb.monographs)


@pytest.mark.parametrize("drug", IDS)
def test_every_topic_is_present_or_explained(kb: KnowledgeBase, drug: str) -> None:
    mono = kb.monographs[drug]
    for topic in TOPICS:
        assert topic in mono.topics or topic in mono.absent_topics, (
            f"{drug}: {topic} neither present nor absent"
        )


@pytest.mark.parametrize("drug", IDS)
def test_core_topics_are_covered(kb: KnowledgeBase, drug: str) -> None:
    mono = kb.monographs[drug]
    for topic in ("indication", "dosing", "side_effects", "pregnancy", "interactions"):
        assert topic in mono.topics, f"{drug} lacks {topic}"
    assert mono.adverse_reaction_tables, f"{drug} has no adverse-reaction table"


@pytest.mark.parametrize("drug", IDS)
def test_every_fact_is_cited_with_a_section_and_a_date(kb: KnowledgeBase, drug: str) -> None:
    mono = kb.monographs[drug]
    for fact in _facts(mono):
        citation = cite(mono, fact)
        assert re.search(r"section \d+(\.\d+)*|section Highlights", citation), citation
        assert re.search(r"(revised|accessed) [A-Z][a-z]+ \d{4}", citation), citation
        if fact.section_inferred:
            assert "(section number inferred)" in citation


@pytest.mark.parametrize("drug", ["ocrelizumab", "capmatinib"])
def test_drug_brings_its_own_red_flags(kb: KnowledgeBase, drug: str) -> None:
    mono = kb.monographs[drug]
    urgencies = {flag.urgency for flag in mono.red_flags}
    assert "emergency" in urgencies and "same_day" in urgencies


def test_capmatinib_red_flags_cover_lung_inflammation_and_liver(kb: KnowledgeBase) -> None:
    ids = {flag.id for flag in kb.monographs["capmatinib"].red_flags}
    assert "lung_inflammation" in ids and "liver_injury" in ids


def test_marks_of_the_reference_are_kept(kb: KnowledgeBase) -> None:
    ocr = kb.monographs["ocrelizumab"]
    facts = list(_facts(ocr))
    assert any(f.section == "5.3" and f.section_inferred for f in facts), "PML section 5.3 must stay inferred"
    assert any(f.certainty.value == "unverified" for f in facts)
    assert any(f.certainty.value == "secondary" for f in facts)
    assert ocr.sources["us_pi"].revised.isoformat() == "2026-05-20"


def test_patients_never_see_a_mirror_site_or_a_fact_read_only_on_one(kb: KnowledgeBase) -> None:
    for mono in kb.monographs.values():
        for source in mono.sources.values():
            assert not re.search(r"\bvia\b|mirror|\.ir\b|rxreasoner|mims", source.title, re.I), source.title
        for topic in TOPICS:
            if topic not in mono.topics:
                continue
            questions = ["", *(term for item in mono.topics[topic].items for term in item.terms)]
            for question in questions:
                for fact in select(mono, topic, question).facts:
                    assert not mono.sources[fact.source].mirror_only, (mono.id, topic, question, fact.text)

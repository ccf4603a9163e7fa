"""Entities from the knowledge base at run time, and the drug placeholder of the intent text."""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.knowledge_entities import EntityIndex, KnowledgeEntityExtractor, drug_spans
from bot.nlu.spelling import NORMALIZED_TEXT, SpellingNormalizer, drug_masked
from knowledge import KnowledgeBase

FIXTURES = Path(__file__).parents[1] / "knowledge" / "fixtures"


@pytest.fixture(scope="module")
def extractor() -> KnowledgeEntityExtractor:
    return KnowledgeEntityExtractor({}, EntityIndex.build(KnowledgeBase.load(FIXTURES)))


def _read(extractor: KnowledgeEntityExtractor, text: str) -> Message:
    message = Message({TEXT: text})
    extractor.process([message])
    return message


def test_a_drug_of_the_knowledge_base_is_found_by_name_brand_and_misspelling(
    extractor: KnowledgeEntityExtractor,
) -> None:
    for text, value in [
        ("does testdrugumab cause colds", "testdrugumab"),
        ("is TESTRA safe", "TESTRA"),
        ("my testra iv infusion", "testra iv"),
        ("side efects of testdrugumb", "testdrugumb"),
    ]:
        message = _read(extractor, text)
        drugs = [e for e in message.get(ENTITIES) if e["entity"] == "drug"]
        assert [e["value"] for e in drugs] == [value], text
        assert drugs[0]["extractor"] == "KnowledgeEntityExtractor"
        assert [s[2] for s in drug_spans(message)] == ["testdrug"]


def test_other_medicines_and_terms_come_from_the_word_lists(extractor: KnowledgeEntityExtractor) -> None:
    message = _read(extractor, "can I take ibuprofen with testra if I get a headache or a flu shot")
    found = {(e["entity"], e["value"]) for e in message.get(ENTITIES)}
    assert {("drug", "ibuprofen"), ("drug", "testra"), ("side_effect", "headache")} <= found
    assert ("vaccine", "flu shot") in found
    assert [s[2] for s in drug_spans(message)] == ["testdrug"]  # ibuprofen is no covered drug


def test_the_longest_phrase_wins(extractor: KnowledgeEntityExtractor) -> None:
    message = _read(extractor, "is shingles vaccine ok")
    assert [(e["entity"], e["value"]) for e in message.get(ENTITIES)] == [("vaccine", "shingles vaccine")]


def test_covered_drug_names_are_masked_for_the_intent_only(extractor: KnowledgeEntityExtractor) -> None:
    a, b = _read(extractor, "how often is TESTRA given"), _read(extractor, "how often is testdrugumab given")
    assert drug_masked(a) == "how often is medicine given" == drug_masked(b)
    assert a.get(TEXT) == "how often is TESTRA given"  # what the patient sees is untouched
    normalizer = SpellingNormalizer({}, None, None)  # type: ignore[arg-type]
    normalizer.process([a])
    assert a.get(NORMALIZED_TEXT) == "how often is medicine given"


def test_training_examples_are_masked_from_their_annotations_and_the_matcher(
    extractor: KnowledgeEntityExtractor,
) -> None:
    annotated = Message(
        {TEXT: "is testra ok", ENTITIES: [{"entity": "drug", "start": 3, "end": 9, "value": "testdrugumab"}]}
    )
    plain = Message({TEXT: "what is testdrugumab for"})
    data = TrainingData([annotated, plain])
    extractor.process_training_data(data)
    SpellingNormalizer({}, None, None).process_training_data(data)  # type: ignore[arg-type]
    assert annotated.get(NORMALIZED_TEXT) == "is medicine ok"
    assert plain.get(NORMALIZED_TEXT) == "what is medicine for"
    assert annotated.get(ENTITIES) == [{"entity": "drug", "start": 3, "end": 9, "value": "testdrugumab"}]


def test_an_everyday_way_of_saying_an_effect_is_reported_by_its_name(
    extractor: KnowledgeEntityExtractor,
) -> None:
    message = _read(extractor, "does it make you lose your hair")
    effects = [e for e in message.get(ENTITIES) if e["entity"] == "side_effect"]
    assert [(e["value"], e["start"], e["end"]) for e in effects] == [("hair loss", 17, 31)]

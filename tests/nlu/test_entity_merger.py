"""Duplicate entities from DIET and the spaCy ruler become one."""

from __future__ import annotations

from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.entity_merger import EntityMerger, merge


def ent(entity: str, start: int, end: int, extractor: str) -> dict:
    return {"entity": entity, "start": start, "end": end, "value": "x", "extractor": extractor}


def test_same_span_same_type_is_kept_once_and_diet_wins_the_tie() -> None:
    diet, ruler = ent("drug", 4, 15, "DIETClassifier"), ent("drug", 4, 15, "SpacyEntityExtractor")
    assert merge([diet, ruler]) == [diet]


def test_spans_that_only_overlap_are_both_kept_for_the_actions_to_join() -> None:
    hair_fall = ent("side_effect", 0, 9, "SpacyEntityExtractor")
    fall_out = ent("side_effect", 5, 13, "DIETClassifier")
    assert merge([hair_fall, fall_out]) == [hair_fall, fall_out]


def test_other_types_and_separate_spans_are_kept_in_order() -> None:
    entities = [
        ent("drug", 3, 12, "DIETClassifier"),
        ent("drug", 21, 30, "DIETClassifier"),
        ent("side_effect", 3, 12, "SpacyEntityExtractor"),
        ent("red_flag", 0, 5, "RedFlagDetector"),
    ]
    assert merge(entities) == entities


def test_component_rewrites_only_messages_with_duplicates() -> None:
    message = Message(data={TEXT: "side efects of ocrevis"})
    both = [ent("drug", 15, 22, "DIETClassifier"), ent("drug", 15, 22, "SpacyEntityExtractor")]
    message.set(ENTITIES, both)
    (out,) = EntityMerger().process([message])
    assert [e["extractor"] for e in out.get(ENTITIES)] == ["DIETClassifier"]

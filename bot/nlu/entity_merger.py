"""Rasa NLU component: one entity per span when several extractors found it.

DIET and the spaCy entity ruler both tag drugs, side effects and the rest, so the same
word came out twice. For entities of the same type whose spans overlap, the longest span
is kept (on a tie, the first extractor's, i.e. DIET's, which carries a confidence).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES
from rasa.shared.nlu.training_data.message import Message


def merge(entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Drop an entity when a longer (or earlier, equally long) one of its type overlaps it."""
    kept: list[dict[str, Any]] = []
    for ent in sorted(entities, key=lambda e: -(int(e.get("end", 0)) - int(e.get("start", 0)))):
        if not any(
            k.get("entity") == ent.get("entity")
            and int(k.get("start", 0)) < int(ent.get("end", 0))
            and int(ent.get("start", 0)) < int(k.get("end", 0))
            for k in kept
        ):
            kept.append(ent)
    return [e for e in entities if any(e is k for k in kept)]  # original order


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class EntityMerger(GraphComponent):
    """Removes duplicate entities left by several extractors (see the module docstring)."""

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EntityMerger:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = message.get(ENTITIES) or []
            merged = merge(entities)
            if len(merged) != len(entities):
                message.set(ENTITIES, merged, add_to_output=True)
        return messages

"""Rasa NLU component: one entity per span when several extractors found it.

DIET and the spaCy entity ruler both tag drugs, side effects and the rest, so the same
word came out twice. Of entities with the same type and the same span, the first (DIET's,
which carries a confidence) is kept. Spans that only overlap are both kept: the actions
join them ("hair" + "hair fall" + "fall out" -> "hair fall out").
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
    """The entities without repeats of an earlier one's type and span, in their order."""
    seen: set[tuple[Any, Any, Any]] = set()
    kept = []
    for ent in entities:
        key = (ent.get("entity"), ent.get("start"), ent.get("end"))
        if key not in seen:
            seen.add(key)
            kept.append(ent)
    return kept


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

"""Rasa NLU component: marks red-flag symptoms in every message as ``red_flag`` entities.

Runs on every message whatever the intent; the RedFlagPolicy then answers it first.
The entity value is ``<drug id>/<flag id>`` (``general/...`` for the shared list).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from knowledge import KnowledgeBase
from knowledge.red_flags import RedFlagMatcher

ENTITY = "red_flag"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class RedFlagDetector(GraphComponent, EntityExtractorMixin):
    """Adds one ``red_flag`` entity per red flag found in the message text."""

    def __init__(self, config: dict[str, Any]) -> None:
        self._config = config
        self._matcher: RedFlagMatcher | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        return cls(config)

    @property
    def matcher(self) -> RedFlagMatcher:
        if self._matcher is None:
            self._matcher = RedFlagMatcher.from_knowledge(KnowledgeBase.load())
        return self._matcher

    def process(self, messages: list[Message]) -> list[Message]:
        """Append red-flag entities to each message."""
        for message in messages:
            text = str(message.get(TEXT) or "")
            if not text or text.startswith("/"):
                continue
            found = [
                {
                    "entity": ENTITY,
                    "value": det.key,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for det in self.matcher.detect(text)
            ]
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages

    def process_training_data(self, training_data: Any) -> Any:
        """Nothing to learn: red flags come from the monographs."""
        return training_data

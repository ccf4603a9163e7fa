"""Rasa NLU component: marks red-flag symptoms in every message as ``red_flag`` entities.

Runs on every message whatever the intent; the RedFlagPolicy then answers it first.
The entity value is ``<drug id>/<flag id>`` (``general/...`` for the shared list). The word
patterns come first; when they find no emergency or crisis, the sentence-similarity check
(bot/nlu/red_flag_similarity.py, thoughts of self-harm told in other words) may add one.
Training stores the embeddings of the training questions, which the similarity check uses as
look-alikes: whatever the bot is trained to answer is, by construction, not a crisis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from knowledge import KnowledgeBase
from knowledge.red_flags import URGENCY_ORDER, Detection, RedFlagMatcher

if TYPE_CHECKING:
    from bot.nlu.red_flag_similarity import RedFlagSimilarity

ENTITY = "red_flag"
#: urgencies after which the similarity check is not asked (the patient is already sent on)
_ALREADY_URGENT = {"emergency", "crisis"}


def _urgent(detections: list[Detection]) -> bool:
    return any(d.urgency in _ALREADY_URGENT for d in detections)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class RedFlagDetector(GraphComponent, EntityExtractorMixin):
    """Adds one ``red_flag`` entity per red flag found in the message text."""

    BANK_FILE = "training_questions.npz"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # similarity: also look for red flags told in other words (knowledge/red_flag_examples.yml)
        return {"similarity": True}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage | None = None,
        resource: Resource | None = None,
        bank: np.ndarray | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        #: embeddings of the training questions (look-alikes for the similarity check)
        self._bank = bank
        self._matcher: RedFlagMatcher | None = None
        self._similarity: RedFlagSimilarity | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> RedFlagDetector:
        return cls(config, model_storage, resource)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> RedFlagDetector:
        """At server start: build the matcher and embed the examples, so no patient waits for it."""
        try:
            with model_storage.read_from(resource) as directory:
                bank = np.load(directory / cls.BANK_FILE)["vectors"].astype(np.float32)
        except (ValueError, FileNotFoundError, KeyError):
            bank = None  # trained with similarity off, or an older model: the patterns alone
        detector = cls(config, model_storage, resource, bank)
        detector.detect(["hello"])
        return detector

    @property
    def matcher(self) -> RedFlagMatcher:
        if self._matcher is None:
            self._matcher = RedFlagMatcher.from_knowledge(KnowledgeBase.load())
        return self._matcher

    @property
    def similarity(self) -> RedFlagSimilarity | None:
        """The similarity check, only with the training questions' embeddings: its margin was
        calibrated with them, and without them it fires on farewells ("bye")."""
        if self._similarity is None and self._config["similarity"] and self._bank is not None:
            from bot.nlu.embeddings import MiniLMEncoder
            from bot.nlu.red_flag_similarity import RedFlagSimilarity

            self._similarity = RedFlagSimilarity(MiniLMEncoder.load(), bank=self._bank)
        return self._similarity

    def detect_patterns(self, texts: list[str]) -> list[list[Detection]]:
        """Per text, the red flags of the word patterns alone."""
        return [self.matcher.detect(text) for text in texts]

    def detect(self, texts: list[str]) -> list[list[Detection]]:
        """Per text, the patterns' red flags, most urgent first; the similarity check's too when
        the patterns found no emergency or crisis."""
        found = self.detect_patterns(texts)
        ask = [i for i, hits in enumerate(found) if not _urgent(hits)]
        if self.similarity is not None and ask:
            for i, more in zip(ask, self.similarity.detect([texts[i] for i in ask]), strict=True):
                found[i] = sorted([*found[i], *more], key=lambda d: URGENCY_ORDER[d.urgency])
        return found

    def process(self, messages: list[Message]) -> list[Message]:
        """Append red-flag entities to each message."""
        todo = [(m, str(m.get(TEXT) or "")) for m in messages]
        todo = [(m, text) for m, text in todo if text and not text.startswith("/")]
        for (message, text), detections in zip(todo, self.detect([t for _, t in todo]), strict=True):
            found = [
                {
                    "entity": ENTITY,
                    "value": det.key,
                    "start": 0,
                    "end": len(text),
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                for det in detections
            ]
            if found:
                message.set(ENTITIES, [*message.get(ENTITIES, []), *found], add_to_output=True)
        return messages

    def train(self, training_data: TrainingData) -> Resource:
        """Store the embedded training questions, the similarity check's look-alikes."""
        assert self._storage is not None and self._resource is not None
        if self._config["similarity"]:
            texts = [str(m.get(TEXT)) for m in training_data.intent_examples if m.get(TEXT)]
            with self._storage.write_to(self._resource) as directory:
                np.savez(directory / self.BANK_FILE, vectors=self.embed_look_alikes(texts).astype(np.float16))
        return self._resource

    def embed_look_alikes(self, texts: list[str]) -> np.ndarray:
        """The embeddings of ``texts`` on which no pattern finds an emergency or crisis."""
        from bot.nlu.embeddings import MiniLMEncoder

        hits = self.detect_patterns(texts)
        kept = sorted({t for t, found in zip(texts, hits, strict=True) if not _urgent(found)})
        return MiniLMEncoder.load().encode(kept)

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """Red flags are never annotated in training data: nothing to add."""
        return training_data

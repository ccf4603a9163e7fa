"""Spelling normaliser for intent classification: patients' misspelt words -> the words we trained on.

``SpellingNormalizer`` learns, at training time, the words of the training examples (the
correction targets) and a list of known English words (the whole words of MiniLM's WordPiece
vocabulary). At inference it rewrites each word that is neither known nor trained to the
closest training word (``patient_text.spelling.Speller``: Damerau-Levenshtein distance 1, or 2
for words of 9 letters or more; ties go to the more frequent word) and stores the result in the
message attribute ``text_normalized``. Before that, every covered drug's name (the
``drug_spans`` of ``KnowledgeEntityExtractor``, which runs first) becomes one placeholder, in
training examples too, so the intent does not depend on which drug is named and a drug added
after training needs no training example. Only the intent features read ``text_normalized``
(``intent_text``); entities, red flags and everything the patient sees keep the original text.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.knowledge_entities import drug_spans
from patient_text.drugs import masked
from patient_text.spelling import WORD, Speller

NORMALIZED_TEXT = "text_normalized"


def intent_text(message: Message) -> str:
    """The text the intent features are computed from: normalised when the normaliser ran."""
    return str(message.get(NORMALIZED_TEXT) or message.get(TEXT) or "")


def drug_masked(message: Message) -> str:
    """The message's text with each covered drug's name replaced by the placeholder."""
    return masked(str(message.get(TEXT) or ""), drug_spans(message))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpellingNormalizer(GraphComponent):
    """Sets ``text_normalized`` on incoming messages; training examples are left as written."""

    FILE = "spelling.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"model_dir": None}  # MiniLM directory whose vocab.txt lists the known words

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self.speller: Speller | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpellingNormalizer:
        return cls(config, model_storage, resource)

    def train(self, training_data: TrainingData) -> Resource:
        from bot.nlu.embeddings import model_dir
        from bot.nlu.vocabulary import vocabulary_words

        counts: Counter[str] = Counter()
        for message in training_data.training_examples:
            counts.update(WORD.findall(intent_text(message).lower()))
            for entity in message.get(ENTITIES) or []:
                if entity.get("entity") != "drug":
                    counts.update(WORD.findall(str(entity.get("value", "")).lower()))
        vocab = (model_dir(self._config["model_dir"]) / "vocab.txt").read_text(encoding="utf-8").split()
        known = sorted({w for w in vocab if w.isalpha()} | vocabulary_words())
        with self._storage.write_to(self._resource) as directory:
            (directory / self.FILE).write_text(json.dumps({"targets": dict(counts), "known": known}), "utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpellingNormalizer:
        component = cls(config, model_storage, resource)
        try:
            with model_storage.read_from(resource) as directory:
                data = json.loads((directory / cls.FILE).read_text("utf-8"))
        except (ValueError, FileNotFoundError):
            return component  # untrained: messages pass unchanged
        component.speller = Speller({str(k): int(v) for k, v in data["targets"].items()}, data["known"])
        return component

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        """The classifier learns from the examples as written, drug names masked."""
        for message in training_data.training_examples:
            if message.get(TEXT):
                message.set(NORMALIZED_TEXT, drug_masked(message))
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            if message.get(TEXT):
                text = drug_masked(message)
                message.set(NORMALIZED_TEXT, self.speller.text(text) if self.speller else text)
        return messages

"""Spelling normaliser for intent classification: patients' misspelt words -> the words we trained on.

``SpellingNormalizer`` learns, at training time, the words of the training examples (the
correction targets) and a list of known English words (the whole words of MiniLM's WordPiece
vocabulary). At inference it rewrites each word that is neither known nor trained to the
closest training word (Damerau-Levenshtein distance 1, or 2 for words of 9 letters or more;
ties go to the more frequent word) and stores the result in the message attribute
``text_normalized``. Only the intent features read it (``intent_text``); entities, red flags
and everything the patient sees keep the original text.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

NORMALIZED_TEXT = "text_normalized"
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
MIN_LENGTH = 4  # shorter words are left alone: too many real words lie one edit apart
LONG_WORD = 9  # from this length on, two edits are allowed


def intent_text(message: Message) -> str:
    """The text the intent features are computed from: normalised when the normaliser ran."""
    return str(message.get(NORMALIZED_TEXT) or message.get(TEXT) or "")


def _deletes(word: str, depth: int) -> set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


def _distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


class Speller:
    """Corrects unknown words to the nearest target word (SymSpell-style index of deletions)."""

    def __init__(self, targets: dict[str, int], known: Iterable[str]) -> None:
        self.targets = targets
        self.known = set(known) | set(targets)
        self._index: dict[str, set[str]] = {}
        for word in targets:
            if len(word) >= MIN_LENGTH:
                for key in _deletes(word, self._depth(word)):
                    self._index.setdefault(key, set()).add(word)

    @staticmethod
    def _depth(word: str) -> int:
        return 2 if len(word) >= LONG_WORD else 1

    def word(self, word: str) -> str:
        if word in self.known or len(word) < MIN_LENGTH or not word.isalpha():
            return word
        depth = self._depth(word)
        candidates = set().union(*(self._index.get(k, set()) for k in _deletes(word, depth)))
        scored = [(_distance(word, c), -self.targets[c], c) for c in candidates]
        best = min((s for s in scored if s[0] <= depth), default=None)
        return best[2] if best else word

    def text(self, text: str) -> str:
        return WORD.sub(lambda m: self.word(m.group(0)), text.lower())


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
            counts.update(WORD.findall(str(message.get(TEXT) or "").lower()))
            for entity in message.get(ENTITIES) or []:
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
        return training_data  # the classifier learns from the examples exactly as written

    def process(self, messages: list[Message]) -> list[Message]:
        if self.speller is not None:
            for message in messages:
                if message.get(TEXT):
                    message.set(NORMALIZED_TEXT, self.speller.text(str(message.get(TEXT))))
        return messages

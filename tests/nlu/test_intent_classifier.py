"""The embedding + n-gram logistic-regression intent classifier: train, persist, load, classify."""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.intent_classifier import EmbeddingIntentClassifier

EXAMPLES = {
    "ask_storage": ["does it need the fridge", "how do i store insulin", "can i freeze it", "keep it cold?"],
    "ask_dosing": ["how much should i take", "what is the dose", "how often do i take it", "max dose a day"],
    "greet": ["hi", "hello there", "good morning", "hey"],
}


def _message(text: str, intent: str | None = None) -> Message:
    """A message with a fake dense sentence feature (hashed words: a stand-in for the MiniLM embedding)."""
    vec = np.full((1, 16), 1e-3, dtype=np.float32)
    for word in text.split():
        vec[0, zlib.crc32(word.encode()) % 16] += 1.0
    message = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    message.add_features(Features(vec / np.linalg.norm(vec), FEATURE_TYPE_SENTENCE, TEXT, "minilm"))
    return message


def test_train_persist_load_and_classify(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("intent_clf")
    context = ExecutionContext(GraphSchema({}), "test")
    config = {**EmbeddingIntentClassifier.get_default_config(), "featurizers": ["minilm"]}
    clf = EmbeddingIntentClassifier.create(config, storage, resource, context)
    clf.train(TrainingData([_message(t, i) for i, texts in EXAMPLES.items() for t in texts]))

    loaded = EmbeddingIntentClassifier.load(config, storage, resource, context)
    messages = loaded.process([_message("how much of it do i take"), _message("store it in the fridge")])
    assert [m.get(INTENT)["name"] for m in messages] == ["ask_dosing", "ask_storage"]
    ranking = messages[0].get("intent_ranking")
    assert len(ranking) == 3 and abs(sum(r["confidence"] for r in ranking) - 1.0) < 1e-5


def test_untrained_component_leaves_messages_alone(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    context = ExecutionContext(GraphSchema({}), "test")
    clf = EmbeddingIntentClassifier.load({}, storage, Resource("missing"), context)
    (message,) = clf.process([_message("hello")])
    assert message.get(INTENT) is None

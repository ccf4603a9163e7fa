"""Rasa intent classifier: logistic regression on sentence embeddings plus word and character n-grams.

The dense sentence features come from the pipeline (``bot.nlu.embeddings.MiniLMFeaturizer``);
the n-gram TF-IDF features are computed here from the message text. A linear model over
both generalises to the way real patients phrase questions much better than DIET on the
same data (see the README's evaluation section).

Persisted as JSON and a ``.npz`` of arrays (vocabularies, idf weights, coefficients): no pickle.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, PREDICTED_CONFIDENCE_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.spelling import intent_text

logger = logging.getLogger(__name__)

INTENT_RANKING = "intent_ranking"
RANKING_LENGTH = 10


def _vectorizers(config: dict[str, Any]) -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    words = TfidfVectorizer(lowercase=True, ngram_range=(1, 2), sublinear_tf=True)
    chars = TfidfVectorizer(
        lowercase=True,
        analyzer="char_wb",
        ngram_range=(2, 4),
        sublinear_tf=True,
        max_features=int(config["max_char_features"]),
    )
    return words, chars


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class EmbeddingIntentClassifier(GraphComponent, IntentClassifier):
    """Multinomial logistic regression over [w * sentence embedding, word TF-IDF, char TF-IDF]."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "embedding_weight": 1.5,  # scale of the unit-length embedding next to the unit-length TF-IDF rows
            "C": 64.0,
            "max_char_features": 20000,
            "featurizers": [],  # aliases of the dense featurizers to use; empty = all
            "random_seed": 4242,
        }

    @staticmethod
    def required_packages() -> list[str]:
        return ["sklearn"]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        state: dict[str, Any] | None = None,
    ) -> None:
        self._config = {**self.get_default_config(), **config}
        self._storage = model_storage
        self._resource = resource
        self._state = _prepared(state) if state else state  # classes, coef, intercept, vectorizers

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> EmbeddingIntentClassifier:
        return cls(config, model_storage, resource)

    # --- features -------------------------------------------------------------------------
    def _dense(self, message: Message) -> np.ndarray | None:
        _, sentence = message.get_dense_features(TEXT, self._config["featurizers"] or None)
        return None if sentence is None else np.asarray(sentence.features, dtype=np.float32).reshape(-1)

    def _matrix(self, texts: list[str], dense: np.ndarray, words: Any, chars: Any) -> Any:
        from scipy.sparse import csr_matrix, hstack

        weight = float(self._config["embedding_weight"])
        return hstack([csr_matrix(dense * weight), words.transform(texts), chars.transform(texts)]).tocsr()

    # --- training -------------------------------------------------------------------------
    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.linear_model import LogisticRegression

        examples = [m for m in training_data.intent_examples if m.get(TEXT)]
        labels = [str(m.get(INTENT)) for m in examples]
        if len(set(labels)) < 2:
            logger.warning("EmbeddingIntentClassifier needs at least two intents; not trained.")
            return self._resource
        dense_rows = [self._dense(m) for m in examples]
        if any(d is None for d in dense_rows):
            raise ValueError("needs dense sentence features: put MiniLMFeaturizer before it")
        texts = [intent_text(m) for m in examples]
        words, chars = _vectorizers(self._config)
        words.fit(texts)
        chars.fit(texts)
        x = self._matrix(texts, np.vstack(dense_rows), words, chars)  # type: ignore[arg-type]
        clf = LogisticRegression(
            C=float(self._config["C"]), max_iter=5000, random_state=int(self._config["random_seed"])
        ).fit(x, labels)
        self._state = _prepared(
            {
                "classes": [str(c) for c in clf.classes_],
                "coef": clf.coef_.astype(np.float32),
                "intercept": clf.intercept_.astype(np.float32),
                "words": words,
                "chars": chars,
            }
        )
        self.persist()
        return self._resource

    def persist(self) -> None:
        if not self._state:
            return
        s = self._state
        with self._storage.write_to(self._resource) as directory:
            meta = {
                "classes": s["classes"],
                "word_vocabulary": {k: int(v) for k, v in s["words"].vocabulary_.items()},
                "char_vocabulary": {k: int(v) for k, v in s["chars"].vocabulary_.items()},
            }
            (directory / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
            np.savez_compressed(
                directory / "arrays.npz",
                coef=s["coef"],
                intercept=s["intercept"],
                word_idf=s["words"].idf_,
                char_idf=s["chars"].idf_,
            )

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> EmbeddingIntentClassifier:
        from sklearn.feature_extraction.text import TfidfVectorizer

        try:
            with model_storage.read_from(resource) as directory:
                meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
                arrays = dict(np.load(directory / "arrays.npz"))
        except (ValueError, FileNotFoundError):
            logger.warning("EmbeddingIntentClassifier: no trained model found; it will not classify.")
            return cls(config, model_storage, resource)
        full = {**cls.get_default_config(), **config}
        words, chars = _vectorizers(full)
        for vec, vocab, idf in (
            (words, meta["word_vocabulary"], arrays["word_idf"]),
            (chars, meta["char_vocabulary"], arrays["char_idf"]),
        ):
            vec.vocabulary_ = vocab
            vec.idf_ = idf
            vec.fixed_vocabulary_ = True
        assert isinstance(words, TfidfVectorizer)
        state = {
            "classes": meta["classes"],
            "coef": arrays["coef"],
            "intercept": arrays["intercept"],
            "words": words,
            "chars": chars,
        }
        return cls(config, model_storage, resource, state)

    # --- inference ------------------------------------------------------------------------
    def predict_proba(self, messages: list[Message]) -> np.ndarray:
        s = self._state
        assert s is not None
        dense = np.vstack([self._dense(m) for m in messages])  # type: ignore[misc]
        x = self._matrix([intent_text(m) for m in messages], dense, s["words"], s["chars"])
        logits = np.asarray(x @ s["coef_t"]) + s["intercept"]
        logits -= logits.max(axis=1, keepdims=True)
        probs = np.exp(logits)
        return probs / probs.sum(axis=1, keepdims=True)

    def process(self, messages: list[Message]) -> list[Message]:
        todo = [m for m in messages if m.get(TEXT) and self._state and self._dense(m) is not None]
        if not todo:
            return messages
        for message, probs in zip(todo, self.predict_proba(todo), strict=True):
            order = np.argsort(-probs)[:RANKING_LENGTH]
            ranking = [
                {INTENT_NAME_KEY: self._state["classes"][i], PREDICTED_CONFIDENCE_KEY: float(probs[i])}  # type: ignore[index]
                for i in order
            ]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING, ranking, add_to_output=True)
        return messages


def _prepared(state: dict[str, Any]) -> dict[str, Any]:
    """``state`` with the transposed coefficients as scipy multiplies them (float64, row order),
    made once when the model is trained or loaded: handing it ``coef.T`` made it convert the whole
    matrix on every message."""
    state["coef_t"] = np.ascontiguousarray(state["coef"].T, dtype=np.float64)
    return state

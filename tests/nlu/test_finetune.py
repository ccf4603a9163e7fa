"""Fine-tuning MiniLM: the TensorFlow forward pass is the numpy one, and tuned weights persist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu import embeddings
from bot.nlu.embeddings import MiniLMEncoder, MiniLMFeaturizer

try:
    embeddings.model_dir()
    HAVE_MODEL = True
except FileNotFoundError:
    HAVE_MODEL = False

pytestmark = pytest.mark.skipif(not HAVE_MODEL, reason="run `python -m bot.nlu.embeddings fetch` first")

# two made-up intents whose sentences the published model does not separate by intent
EXAMPLES = {
    "colour": ["the car is red", "a blue house", "green grass on the hill", "her yellow coat", "a red apple"],
    "count": ["three cars", "one house on the hill", "two coats", "five apples", "four dogs in the garden"],
}


def test_tensorflow_forward_equals_numpy_forward() -> None:
    import tensorflow as tf

    from bot.nlu.finetune import _forward, _pad

    encoder = MiniLMEncoder.load()
    # lengths 9, 4 and 11 tokens: most of the batch's rows are padding, which is never computed
    texts = ["can i take advil with tylenol", "dose?", "how should i store insulin pens when travelling"]
    ids, mask = _pad([encoder.tokenizer.encode(t) for t in texts])
    weights = {k: tf.constant(v) for k, v in encoder.w.items()}
    tf_out = _forward(weights, encoder, tf)(tf.constant(ids), tf.constant(mask), 0.0).numpy()
    np.testing.assert_allclose(tf_out, encoder.encode(texts), atol=1e-5)


def _margin(encoder: MiniLMEncoder) -> float:
    """Mean cosine within intents minus mean cosine across them."""
    vecs = {k: encoder.encode(v) for k, v in EXAMPLES.items()}
    within = np.mean([(v @ v.T)[np.triu_indices(len(v), 1)].mean() for v in vecs.values()])
    across = float((vecs["colour"] @ vecs["count"].T).mean())
    return float(within - across)


def test_train_persists_tuned_weights_that_separate_the_intents(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("minilm")
    context = ExecutionContext(GraphSchema({}), "minilm")
    config = {**MiniLMFeaturizer.get_default_config(), "alias": "minilm", "fine_tune_epochs": 4}
    config["fine_tune_learning_rate"] = 1e-4
    featurizer = MiniLMFeaturizer.create(config, storage, resource, context)
    before = _margin(featurizer.encoder)
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts])
    featurizer.train(data)

    loaded = MiniLMFeaturizer.load(config, storage, resource, context)
    stored = dict(loaded.encoder.w)  # a server's encoder keeps its layers in the ONNX session only
    assert _margin(loaded.encoder) > before + 0.05
    published = MiniLMEncoder.load()
    changed = [k for k in published.w if not np.array_equal(published.w[k], stored[k])]
    assert "encoder.layer.5.output.dense.weight" in changed
    # the embedding tables keep their published values (in float16, as every stored weight)
    rounded = published.rounded()
    assert all(np.array_equal(rounded.w[k], stored[k]) for k in rounded.w if k.startswith("embeddings."))


def test_without_fine_tuning_the_model_stores_the_published_weights(tmp_path: Path) -> None:
    storage = LocalModelStorage(tmp_path)
    resource = Resource("minilm")
    context = ExecutionContext(GraphSchema({}), "minilm")
    config = {**MiniLMFeaturizer.get_default_config(), "alias": "minilm"}
    featurizer = MiniLMFeaturizer.create(config, storage, resource, context)
    data = TrainingData([Message(data={TEXT: t, INTENT: i}) for i, ts in EXAMPLES.items() for t in ts])
    featurizer.train(data)
    loaded = MiniLMFeaturizer.load(config, storage, resource, context)
    # stored as float16, like tuned weights: the published ones rounded, nothing else
    published = MiniLMEncoder.load().rounded()
    assert all(np.array_equal(published.w[k], loaded.encoder.w[k]) for k in published.w)


def test_soup_is_the_mean_of_the_runs() -> None:
    from bot.nlu.finetune import soup

    a = {"w": np.array([1.0, 2.0], dtype=np.float32), "b": np.zeros(1, dtype=np.float32)}
    b = {"w": np.array([3.0, 6.0], dtype=np.float32), "b": np.ones(1, dtype=np.float32)}
    mixed = soup([a, b])
    np.testing.assert_allclose(mixed["w"], [2.0, 4.0])
    np.testing.assert_allclose(mixed["b"], [0.5])
    assert soup([a])["w"] is not a["w"] and mixed["w"].dtype == np.float32


def test_a_cached_training_is_not_reused_after_the_fine_tuning_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.nlu import embeddings as module

    before = MiniLMFeaturizer.fingerprint_addon({})
    changed = tmp_path / "finetune.py"
    changed.write_text(module.FINE_TUNING_CODE.read_text() + "\n# changed\n")
    monkeypatch.setattr(module, "FINE_TUNING_CODE", changed)
    assert MiniLMFeaturizer.fingerprint_addon({}) != before

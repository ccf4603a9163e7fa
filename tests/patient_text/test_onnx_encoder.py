"""The encoder on ONNX Runtime gives the numpy reference pass's embeddings."""

from __future__ import annotations

import numpy as np
import pytest

from patient_text import onnx_encoder
from patient_text.encoder import MiniLMEncoder, published_encoder

pytestmark = pytest.mark.skipif(not onnx_encoder.available(), reason="onnxruntime is in requirements.lock")

TEXTS = [
    "hello",
    "my throat is swelling",
    "how common are infusion reactions with ocrevus",
    "I have had a bad headache since yesterday. This morning my vision went blurry and my "
    "left arm feels weak. Is it the tablets?",
]


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return published_encoder()


def test_onnx_is_the_default_backend(encoder: MiniLMEncoder) -> None:
    assert encoder.backend == "onnx"


def test_onnx_and_numpy_give_the_same_embeddings(encoder: MiniLMEncoder) -> None:
    onnx = encoder.encode(TEXTS)
    encoder.backend = "numpy"
    try:
        reference = encoder.encode(TEXTS)
    finally:
        encoder.backend = "onnx"
    assert onnx.shape == reference.shape == (len(TEXTS), 384)
    assert np.abs(onnx - reference).max() < 1e-5
    assert np.allclose(np.linalg.norm(onnx, axis=1), 1.0, atol=1e-5)


def test_a_padded_batch_reads_each_text_as_alone(encoder: MiniLMEncoder) -> None:
    together = encoder.encode(TEXTS)
    alone = np.vstack([encoder.encode([t]) for t in TEXTS])
    assert np.abs(together - alone).max() < 1e-5


def test_new_weights_build_a_new_session(encoder: MiniLMEncoder) -> None:
    before = encoder.encode(["should i skip my next dose"])
    changed = MiniLMEncoder(dict(encoder.w), encoder.tokenizer, encoder.config, transposed=True)
    changed.w["encoder.layer.0.output.dense.bias"] = changed.w["encoder.layer.0.output.dense.bias"] + 0.5
    assert not np.allclose(changed.encode(["should i skip my next dose"]), before)
    assert np.allclose(encoder.encode(["should i skip my next dose"]), before)


def test_a_servers_encoder_keeps_its_layers_in_the_session_only(encoder: MiniLMEncoder, tmp_path) -> None:
    encoder.save(tmp_path)
    served = MiniLMEncoder.load_saved(tmp_path)
    assert np.abs(served.encode(TEXTS) - encoder.encode(TEXTS)).max() < 1e-5
    assert not any(k.startswith("encoder.layer.") for k in served.w)
    assert np.abs(served.encode(TEXTS[:1]) - encoder.encode(TEXTS[:1])).max() < 1e-5  # the same session
    served.backend = "numpy"
    with pytest.raises(RuntimeError, match="ONNX session only"):
        served.encode(["hello"])


def test_threads_are_every_usable_core_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv(onnx_encoder.THREADS_ENV, raising=False)
    assert onnx_encoder.threads() == len(os.sched_getaffinity(0))
    monkeypatch.setenv(onnx_encoder.THREADS_ENV, "1")
    assert onnx_encoder.threads() == 1


def test_the_number_of_threads_does_not_change_the_vectors(monkeypatch: pytest.MonkeyPatch) -> None:
    vectors = []
    for threads in ("1", "2"):
        monkeypatch.setenv(onnx_encoder.THREADS_ENV, threads)
        vectors.append(published_encoder().encode(TEXTS * 8))
    assert np.abs(vectors[0] - vectors[1]).max() < 1e-6

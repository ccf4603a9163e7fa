"""The all-MiniLM-L6-v2 forward pass (ONNX Runtime; numpy as reference) against known properties."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bot.nlu import embeddings
from bot.nlu.embeddings import MiniLMEncoder, WordPieceTokenizer


def _available() -> bool:
    try:
        embeddings.model_dir()
    except FileNotFoundError:
        return False
    return True


needs_model = pytest.mark.skipif(not _available(), reason="run `python -m bot.nlu.embeddings fetch` first")


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    return MiniLMEncoder.load()


def test_tokenizer_rules_on_a_tiny_vocab() -> None:
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "can", "i", "take"]
    vocab += ["ibu", "##pro", "##fen", "?", "cafe", "'", "s"]
    tok = WordPieceTokenizer(vocab)
    assert tok.basic_tokens("Can I take IBUPROFEN?") == ["can", "i", "take", "ibuprofen", "?"]
    assert tok.basic_tokens("Café's") == ["cafe", "'", "s"]  # accents stripped, punctuation split
    assert tok.encode("can i take ibuprofen?") == [2, 4, 5, 6, 7, 8, 9, 10, 3]
    assert tok.encode("xyz") == [2, 1, 3]  # unknown word -> [UNK]


@needs_model
def test_real_vocab_wordpieces(encoder: MiniLMEncoder) -> None:
    tok = encoder.tokenizer
    inverse = {v: k for k, v in tok.vocab.items()}
    pieces = [inverse[i] for i in tok.encode("Metformin dose?")]
    assert pieces[0] == "[CLS]" and pieces[-1] == "[SEP]" and "?" in pieces
    assert any(p.startswith("##") for p in pieces)  # 'metformin' is not one word piece


@needs_model
def test_unit_norm_and_shape(encoder: MiniLMEncoder) -> None:
    vecs = encoder.encode(["hello", "what is metformin used for", "x " * 300])  # last one is truncated
    assert vecs.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, atol=1e-5)


@needs_model
def test_reference_similarities(encoder: MiniLMEncoder) -> None:
    """Cosine similarities published for all-MiniLM-L6-v2 in the sentence-transformers docs."""
    texts = [
        "The new movie is awesome",
        "The new movie is so great",
        "The cat sits outside",
        "The cat plays in the garden",
        "I love pasta",
        "Do you like pizza?",
        "A man is playing guitar",
        "A woman watches TV",
    ]
    v = encoder.encode(texts)
    sims = [float(v[i] @ v[i + 1]) for i in range(0, 8, 2)]
    np.testing.assert_allclose(sims, [0.8939, 0.6788, 0.5096, -0.0327], atol=2e-3)


@needs_model
def test_paraphrases_close_unrelated_far(encoder: MiniLMEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "how should I store my insulin",
            "does insulin need to be kept in the fridge",
            "who won the football game",
        ]
    )
    assert a @ b > 0.6
    assert a @ c < 0.2


@needs_model
def test_batching_does_not_change_results(encoder: MiniLMEncoder) -> None:
    texts = ["short", "a somewhat longer sentence about side effects of lisinopril", "dose?"]
    together = encoder.encode(texts, batch_size=8)
    alone = np.vstack([encoder.encode([t]) for t in texts])
    np.testing.assert_allclose(together, alone, atol=1e-5)


@needs_model
def test_featurizer_adds_sentence_features(encoder: MiniLMEncoder) -> None:
    from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, TEXT
    from rasa.shared.nlu.training_data.message import Message

    comp = embeddings.MiniLMFeaturizer(
        {**embeddings.MiniLMFeaturizer.get_default_config(), "alias": "minilm"}, "minilm", encoder
    )
    msgs = comp.process([Message(data={TEXT: "can i take advil with tylenol"}), Message(data={TEXT: ""})])
    seq, sent = msgs[0].get_dense_features(TEXT)
    assert seq is None and sent is not None
    assert sent.features.shape == (1, 384) and sent.type == FEATURE_TYPE_SENTENCE
    assert msgs[1].get_dense_features(TEXT) == (None, None)


def test_saved_encoder_reads_like_the_rounded_one(encoder: MiniLMEncoder, tmp_path: Path) -> None:
    """What a trained model stores (float16 weights, vocabulary, settings) loads on its own and
    gives the same embeddings as the encoder it was saved from, rounded."""
    encoder.save(tmp_path / "encoder")
    saved = MiniLMEncoder.load_saved(tmp_path / "encoder")
    texts = ["my throat is swelling", "how often is ocrevus given", "naïve café ünïcode"]
    assert saved.tokenizer.tokens == encoder.tokenizer.tokens
    # the word table (a third of the weights) stays float16 in memory; the math is the same
    assert saved.w["embeddings.word_embeddings.weight"].dtype == np.float16
    assert saved.w["encoder.layer.0.intermediate.dense.weight"].dtype == np.float32
    np.testing.assert_allclose(saved.encode(texts), encoder.rounded().encode(texts), atol=1e-6)
    # float16 storage moves an embedding by far less than the gap between different questions
    assert float(np.min(np.sum(saved.encode(texts) * encoder.encode(texts), axis=1))) > 0.999


def test_load_saved_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="weights.npz"):
        MiniLMEncoder.load_saved(tmp_path)

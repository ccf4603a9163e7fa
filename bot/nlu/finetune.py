"""Fine-tuning all-MiniLM-L6-v2 on the intent labels, in TensorFlow (already a Rasa dependency).

The encoder is the same BERT as ``bot.nlu.embeddings.MiniLMEncoder`` (same weight layout,
mean pooling, L2 normalisation), written with TensorFlow ops so that it can be trained: a
cosine-softmax head over the intents is trained together with the encoder for a few epochs
with a small learning rate, then the head is dropped and the updated encoder weights are
returned in the numpy encoder's layout. Inference stays in numpy; TensorFlow only runs here.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from bot.nlu.embeddings import MiniLMEncoder

logger = logging.getLogger(__name__)


def fine_tune(
    encoder: MiniLMEncoder,
    texts: Sequence[str],
    labels: Sequence[str],
    *,
    epochs: int = 3,
    learning_rate: float = 3e-5,
    batch_size: int = 32,
    dropout: float = 0.1,
    scale: float = 20.0,
    seed: int = 4242,
) -> dict[str, np.ndarray]:
    """Train encoder + intent head on (text, label) pairs; return the new encoder weights."""
    import tensorflow as tf

    tf.random.set_seed(seed)
    rng = np.random.default_rng(seed)
    weights = {k: tf.Variable(v, name=k.replace(".", "_")) for k, v in encoder.w.items() if "pooler" not in k}
    forward = _forward(weights, encoder, tf)
    classes = sorted(set(labels))
    y_all = np.array([classes.index(lab) for lab in labels], dtype=np.int32)
    head = tf.Variable(tf.random.normal((encoder.hidden, len(classes)), stddev=0.02, seed=seed))
    head_bias = tf.Variable(tf.zeros(len(classes)))
    enc_vars = list(weights.values())
    # the legacy Adam's fused dense update: the new Adam updates the 30k-row word-embedding
    # table in several dense passes per step, which made a step 1.5 times slower
    opt_encoder = tf.keras.optimizers.legacy.Adam(learning_rate)
    opt_head = tf.keras.optimizers.legacy.Adam(3e-3)

    @tf.function(reduce_retracing=True)
    def step(ids: Any, mask: Any, y: Any) -> Any:
        with tf.GradientTape() as tape:
            emb = forward(ids, mask, dropout)
            logits = scale * tf.matmul(emb, tf.math.l2_normalize(head, 0)) + head_bias
            loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, enc_vars + [head, head_bias])]
        opt_encoder.apply_gradients(zip(grads[: len(enc_vars)], enc_vars))  # noqa: B905 (autograph zip has no strict)
        opt_head.apply_gradients(zip(grads[len(enc_vars) :], [head, head_bias]))  # noqa: B905
        return loss

    seqs = [encoder.tokenizer.encode(t) for t in texts]
    order = np.arange(len(seqs))
    for epoch in range(epochs):
        start, total, batches = time.monotonic(), 0.0, 0
        rng.shuffle(order)
        for i in range(0, len(order), batch_size):
            idx = order[i : i + batch_size]
            ids, mask = _pad([seqs[j] for j in idx])
            total += float(step(tf.constant(ids), tf.constant(mask), tf.constant(y_all[idx])))
            batches += 1
        seconds, loss = time.monotonic() - start, total / batches
        logger.info("MiniLM fine-tuning epoch %d/%d: loss %.3f (%.0f s)", epoch + 1, epochs, loss, seconds)
    tuned = {k: v.numpy() for k, v in weights.items()}
    return {k: tuned.get(k, v) for k, v in encoder.w.items()}


def soup(runs: Sequence[dict[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """The element-wise mean of several fine-tuned weight sets of the same encoder."""
    return {k: np.mean([run[k] for run in runs], axis=0, dtype=np.float32) for k in runs[0]}


def _pad(batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
    length = max(len(s) for s in batch)
    ids = np.zeros((len(batch), length), dtype=np.int32)
    mask = np.zeros((len(batch), length), dtype=np.float32)
    for i, seq in enumerate(batch):
        ids[i, : len(seq)] = seq
        mask[i, : len(seq)] = 1.0
    return ids, mask


def _forward(w: dict[str, Any], encoder: MiniLMEncoder, tf: Any) -> Callable[..., Any]:
    """The numpy encoder's forward pass in TensorFlow ops, with dropout while training."""
    hidden, heads, layers, eps = encoder.hidden, encoder.heads, encoder.layers, encoder.eps
    dh = hidden // heads

    def norm(x: Any, p: str) -> Any:
        mu, var = tf.nn.moments(x, -1, keepdims=True)
        return (x - mu) / tf.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]

    def forward(ids: Any, mask: Any, dropout: float) -> Any:
        n, length = tf.shape(ids)[0], tf.shape(ids)[1]
        x = (
            tf.gather(w["embeddings.word_embeddings.weight"], ids)
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        x = norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(layers):
            p = f"encoder.layer.{layer}."

            def lin(t: Any, name: str, p: str = p) -> Any:
                # a 2-D matmul: a batched one's weight gradient would be summed over a [n, in, out] tensor
                weight = w[p + name + ".weight"]
                flat = tf.matmul(tf.reshape(t, (-1, tf.shape(weight)[0])), weight) + w[p + name + ".bias"]
                return tf.reshape(flat, (n, length, -1))

            def split(t: Any) -> Any:
                return tf.transpose(tf.reshape(t, (n, length, heads, dh)), (0, 2, 1, 3))

            q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(dh) + bias
            probs = tf.nn.dropout(tf.nn.softmax(scores, -1), dropout)
            ctx = tf.reshape(tf.transpose(tf.matmul(probs, v), (0, 2, 1, 3)), (n, length, hidden))
            attended = tf.nn.dropout(lin(ctx, "attention.output.dense"), dropout)
            x = norm(attended + x, p + "attention.output.LayerNorm")
            inner = tf.nn.gelu(lin(x, "intermediate.dense"), approximate=False)
            x = norm(tf.nn.dropout(lin(inner, "output.dense"), dropout) + x, p + "output.LayerNorm")
        counts = tf.maximum(tf.reduce_sum(mask, 1, keepdims=True), 1e-9)
        pooled = tf.reduce_sum(x * mask[..., None], 1) / counts
        return tf.math.l2_normalize(pooled, 1)

    return forward

"""Fine-tuning all-MiniLM-L6-v2 on the intent labels, in TensorFlow (already a Rasa dependency).

The encoder is the same BERT as ``bot.nlu.embeddings.MiniLMEncoder`` (same weight layout,
mean pooling, L2 normalisation), written with TensorFlow ops so that it can be trained: a
cosine-softmax head over the intents is trained together with the encoder for a few epochs
with a small learning rate (the embedding tables stay as published), then the head is dropped
and the updated encoder weights are returned in the numpy encoder's layout. Inference stays in
numpy and ONNX Runtime; TensorFlow only runs here.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

if TYPE_CHECKING:
    from bot.nlu.embeddings import MiniLMEncoder

logger = logging.getLogger(__name__)

#: weights that keep their published values while fine-tuning
FROZEN = ("embeddings.",)


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
    # the embedding tables (word, position, type and their layer norm: half of the weights)
    # keep their published values: a word no example uses keeps its place among the others,
    # and an epoch is about 12% shorter without their gradients and Adam's updates
    enc_vars = [v for k, v in weights.items() if not k.startswith(FROZEN)]
    # the legacy Adam's fused update: the new one made a step 1.5 times slower
    opt_encoder = tf.keras.optimizers.legacy.Adam(learning_rate)
    opt_head = tf.keras.optimizers.legacy.Adam(3e-3)

    # traced once for every batch shape (a trace per new length would cost seconds each)
    signature = [tf.TensorSpec([None, None], tf.int32), tf.TensorSpec([None, None], tf.float32)]
    signature.append(tf.TensorSpec([None], tf.int32))

    @tf.function(input_signature=signature)
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
    """The numpy encoder's forward pass in TensorFlow ops, with dropout while training.

    The padding is never computed: the batch's real tokens go through the linear layers,
    layer norms and dropout as one [tokens, hidden] matrix, and only attention sees them laid
    out per sentence (padded keys masked). In random batches of our examples 42% of the
    positions are padding: the same arithmetic on 58% of the rows.
    """
    hidden, heads, layers, eps = encoder.hidden, encoder.heads, encoder.layers, encoder.eps
    dh = hidden // heads

    def norm(x: Any, p: str) -> Any:
        mu, var = tf.nn.moments(x, -1, keepdims=True)
        return (x - mu) / tf.sqrt(var + eps) * w[p + ".weight"] + w[p + ".bias"]

    def forward(ids: Any, mask: Any, dropout: float) -> Any:
        n, length = tf.shape(ids)[0], tf.shape(ids)[1]
        where = tf.where(mask > 0)  # [tokens, 2]: (sentence, position), sentence by sentence
        sentence = tf.cast(where[:, 0], tf.int32)
        x = (
            tf.gather(w["embeddings.word_embeddings.weight"], tf.gather_nd(ids, where))
            + tf.gather(w["embeddings.position_embeddings.weight"], where[:, 1])
            + w["embeddings.token_type_embeddings.weight"][0][None]
        )
        x = norm(x, "embeddings.LayerNorm")
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]

        padded = tf.stack([tf.cast(n, tf.int64), tf.cast(length, tf.int64), hidden])

        def split(t: Any) -> Any:  # [tokens, hidden] -> [n, heads, length, dh], zeros at padding
            laid_out = tf.scatter_nd(where, t, padded)
            return tf.transpose(tf.reshape(laid_out, (n, length, heads, dh)), (0, 2, 1, 3))

        for layer in range(layers):
            p = f"encoder.layer.{layer}."

            def lin(t: Any, name: str, p: str = p) -> Any:
                return tf.matmul(t, w[p + name + ".weight"]) + w[p + name + ".bias"]

            q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            scores = tf.matmul(q, k, transpose_b=True) / np.sqrt(dh) + bias
            probs = tf.nn.dropout(tf.nn.softmax(scores, -1), dropout)
            ctx = tf.reshape(tf.transpose(tf.matmul(probs, v), (0, 2, 1, 3)), (n, length, hidden))
            ctx = tf.gather_nd(ctx, where)
            attended = tf.nn.dropout(lin(ctx, "attention.output.dense"), dropout)
            x = norm(attended + x, p + "attention.output.LayerNorm")
            inner = tf.nn.gelu(lin(x, "intermediate.dense"), approximate=False)
            x = norm(tf.nn.dropout(lin(inner, "output.dense"), dropout) + x, p + "output.LayerNorm")
        pooled = tf.math.unsorted_segment_sum(x, sentence, n) / tf.reduce_sum(mask, 1, keepdims=True)
        return tf.math.l2_normalize(pooled, 1)

    return forward

"""The MiniLM encoder's transformer layers as one ONNX Runtime session.

:class:`patient_text.encoder.MiniLMEncoder` computes the same thing in plain numpy; numpy runs
each of the ~130 matrix operations of a short sentence as a separate BLAS call, ONNX Runtime
runs the whole graph with its own kernels (fused layer norms and GELU, one product for the
query, key and value). Same weights, same operations, float32 throughout: the embeddings agree
to about 1e-6 (tests/patient_text/test_onnx_encoder.py).

The graph is built from the encoder's weights when the encoder is loaded (nothing is written to
disk). Input: the summed token, position and type embeddings ``[n, length, hidden]`` and the
additive attention mask ``[n, 1, 1, length]``; output: the last hidden states. The embedding
lookup and the mean pooling stay in numpy: they are indexing and a sum.

``PHARMA_ENCODER_THREADS`` sets the session's threads; by default every core the process may
use: a single Rasa server under load keeps one core busy with everything else and leaves the
other mostly idle (7% more messages a second with two threads at 50 patients on 2 cores). The
production layout runs two Rasa servers on two cores and sets 1 (``bot/prodstack.py``).
The number of threads does not change the vectors.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

THREADS_ENV = "PHARMA_ENCODER_THREADS"
OPSET = 17  # LayerNormalization is an operator from opset 17
IR_VERSION = 8


def available() -> bool:
    """ONNX Runtime and onnx (to build the graph) are installed."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


def _graph(w: dict[str, np.ndarray], layers: int, heads: int, hidden: int, eps: float) -> Any:
    """The ONNX model of the encoder's layers (embedding layer norm to the last hidden state)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes: list[Any] = []
    inits: list[Any] = []

    def const(name: str, value: np.ndarray) -> str:
        inits.append(numpy_helper.from_array(np.ascontiguousarray(value), name))
        return name

    def node(op: str, inputs: list[str], out: str, **attrs: Any) -> str:
        nodes.append(helper.make_node(op, inputs, [out], **attrs))
        return out

    def layer_norm(x: str, prefix: str, out: str) -> str:
        scale = const(prefix + ".weight", w[prefix + ".weight"].astype(np.float32))
        bias = const(prefix + ".bias", w[prefix + ".bias"].astype(np.float32))
        return node("LayerNormalization", [x, scale, bias], out, axis=-1, epsilon=eps)

    def linear(x: str, weight: np.ndarray, bias: np.ndarray, out: str) -> str:
        prod = node("MatMul", [x, const(out + ".w", weight.astype(np.float32))], out + ".mm")
        return node("Add", [prod, const(out + ".b", bias.astype(np.float32))], out)

    def dense(x: str, prefix: str, out: str) -> str:
        return linear(x, w[prefix + ".weight"], w[prefix + ".bias"], out)

    dh = hidden // heads
    heads_shape = const("heads_shape", np.array([0, 0, heads, dh], dtype=np.int64))
    merged_shape = const("merged_shape", np.array([0, 0, hidden], dtype=np.int64))
    scale = const("scale", np.array(1.0 / np.sqrt(dh), dtype=np.float32))
    half, one = const("half", np.array(0.5, dtype=np.float32)), const("one", np.array(1.0, dtype=np.float32))
    root2 = const("root2", np.array(np.sqrt(2.0), dtype=np.float32))

    x = layer_norm("embeddings", "embeddings.LayerNorm", "h0")
    for i in range(layers):
        p = f"encoder.layer.{i}."
        att = p + "attention.self."
        qkv_w = np.concatenate([w[att + m + ".weight"] for m in ("query", "key", "value")], axis=1)
        qkv_b = np.concatenate([w[att + m + ".bias"] for m in ("query", "key", "value")])
        qkv = linear(x, qkv_w, qkv_b, f"l{i}.qkv")
        split = [f"l{i}.q", f"l{i}.k", f"l{i}.v"]
        sizes = const(f"l{i}.split", np.array([hidden] * 3, dtype=np.int64))
        nodes.append(helper.make_node("Split", [qkv, sizes], split, axis=-1))
        q, k, v = (node("Reshape", [s, heads_shape], s + ".heads") for s in split)
        q = node("Transpose", [q], f"l{i}.qT", perm=[0, 2, 1, 3])
        k = node("Transpose", [k], f"l{i}.kT", perm=[0, 2, 3, 1])
        v = node("Transpose", [v], f"l{i}.vT", perm=[0, 2, 1, 3])
        scores = node("Mul", [node("MatMul", [q, k], f"l{i}.qk"), scale], f"l{i}.scaled")
        probs = node("Softmax", [node("Add", [scores, "mask_bias"], f"l{i}.masked")], f"l{i}.probs", axis=-1)
        ctx = node("Transpose", [node("MatMul", [probs, v], f"l{i}.ctx")], f"l{i}.ctxT", perm=[0, 2, 1, 3])
        ctx = node("Reshape", [ctx, merged_shape], f"l{i}.ctx_merged")
        attn = dense(ctx, p + "attention.output.dense", f"l{i}.ao")
        x = layer_norm(node("Add", [attn, x], f"l{i}.res1"), p + "attention.output.LayerNorm", f"l{i}.h1")
        inner = dense(x, p + "intermediate.dense", f"l{i}.inner")
        erf = node("Erf", [node("Div", [inner, root2], f"l{i}.div")], f"l{i}.erf")
        erf = node("Add", [erf, one], f"l{i}.erf1")
        gelu = node("Mul", [node("Mul", [inner, half], f"l{i}.halfx"), erf], f"l{i}.gelu")
        out = dense(gelu, p + "output.dense", f"l{i}.out")
        x = layer_norm(node("Add", [out, x], f"l{i}.res2"), p + "output.LayerNorm", f"l{i}.h2")
    nodes.append(helper.make_node("Identity", [x], ["hidden"]))

    floats = TensorProto.FLOAT
    graph = helper.make_graph(
        nodes,
        "minilm",
        [
            helper.make_tensor_value_info("embeddings", floats, ["n", "length", hidden]),
            helper.make_tensor_value_info("mask_bias", floats, ["n", 1, 1, "length"]),
        ],
        [helper.make_tensor_value_info("hidden", floats, ["n", "length", hidden])],
        inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], ir_version=IR_VERSION)


def threads() -> int:
    """``PHARMA_ENCODER_THREADS``, else the number of cores this process may use."""
    value = os.environ.get(THREADS_ENV, "").strip()
    return max(1, int(value)) if value else max(1, len(os.sched_getaffinity(0)))


class OnnxLayers:
    """The encoder's layers as an ONNX Runtime session: embeddings and mask in, hidden states out."""

    def __init__(self, w: dict[str, np.ndarray], layers: int, heads: int, hidden: int, eps: float) -> None:
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads()
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = False  # 20 MB less a session, no slower for one message
        model = _graph(w, layers, heads, hidden, eps)
        self.session = ort.InferenceSession(
            model.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, embeddings: np.ndarray, mask_bias: np.ndarray) -> np.ndarray:
        (hidden,) = self.session.run(
            None,
            {
                "embeddings": np.ascontiguousarray(embeddings, dtype=np.float32),
                "mask_bias": np.ascontiguousarray(mask_bias, dtype=np.float32),
            },
        )
        return np.asarray(hidden)

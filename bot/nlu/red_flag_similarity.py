"""Red flags told in words no pattern covers, found by sentence similarity.

``knowledge/red_flag_examples.yml`` gives, for a general red flag (thoughts of self-harm),
whole messages that mean it and look-alikes that do not. A message, and each of its
sentences, is embedded with the published all-MiniLM-L6-v2 (not the intent-tuned copy): the
flag counts when the mean of its ``top_k`` best cosines to the examples beats the mean of
its ``top_k`` best to the look-alikes by the flag's ``margin``. The RedFlagDetector asks this
only when the patterns found no emergency or crisis, so it adds to them and never replaces
them. Loaded lazily; the examples are embedded once, on first use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydantic import validator

from bot.nlu.embeddings import MiniLMEncoder
from knowledge.errors import MonographError
from knowledge.loader import read_checked
from knowledge.red_flags import GENERAL, Detection, load_general
from knowledge.schema import Strict

EXAMPLES_FILE = Path(__file__).resolve().parents[2] / "knowledge" / "red_flag_examples.yml"
#: sentences of a message looked at on their own, beyond the whole message
MAX_SENTENCES = 8
#: shorter texts ("bye", "exit") have embeddings too vague to compare: only the patterns see them
MIN_WORDS = 4
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|\s*;\s*")


class _FlagExamples(Strict):
    id: str
    margin: float
    examples: list[str]
    look_alikes: list[str]

    @validator("examples", "look_alikes")
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value or any(not s.strip() for s in value):
            raise ValueError("needs at least one example and no empty lines")
        return value


class _ExamplesFile(Strict):
    top_k: int = 3
    flags: list[_FlagExamples]


def load_examples(path: Path = EXAMPLES_FILE) -> _ExamplesFile:
    """The examples file, checked: every flag is a general red flag; errors name the field."""
    data = read_checked(path, _ExamplesFile)
    known = {flag.id for flag in load_general()}
    unknown = [
        f"flags.{flag.id}: not in general_red_flags.yml" for flag in data.flags if flag.id not in known
    ]
    if unknown:
        raise MonographError(str(path), unknown)
    return data


def sentences(text: str) -> list[str]:
    """The whole message, then its sentences when it has several; only those of ``MIN_WORDS``
    words or more (none for "bye")."""
    parts = [p for p in _SENTENCE_END.split(text.strip()) if len(p.split()) >= MIN_WORDS]
    whole = [text] if len(text.split()) >= MIN_WORDS else []
    return whole + parts[:MAX_SENTENCES] if len(parts) > 1 else whole


@dataclass
class _Flag:
    flag_id: str
    urgency: str
    title: str
    margin: float
    examples: list[str]
    positive: np.ndarray
    negative: np.ndarray


class RedFlagSimilarity:
    """Scores messages against each flag's examples and look-alikes."""

    def __init__(
        self, encoder: MiniLMEncoder, path: Path = EXAMPLES_FILE, bank: np.ndarray | None = None
    ) -> None:
        """``bank``: more look-alikes for every flag, already embedded (the training questions)."""
        data = load_examples(path)
        general = {flag.id: flag for flag in load_general()}
        self.encoder = encoder
        self.top_k = data.top_k
        self.flags = [
            _Flag(
                f.id,
                general[f.id].urgency,
                general[f.id].title,
                f.margin,
                f.examples,
                encoder.encode(f.examples),
                np.vstack([encoder.encode(f.look_alikes), *([bank] if bank is not None else [])]),
            )
            for f in data.flags
        ]

    def _top(self, sims: np.ndarray) -> np.ndarray:
        k = min(self.top_k, sims.shape[1])
        return np.sort(sims, axis=1)[:, -k:].mean(axis=1)

    def scores(self, texts: list[str]) -> list[dict[str, tuple[float, str]]]:
        """Per text and flag: the best margin over the text and its sentences, and the example
        closest to that sentence. All sentences of all texts are embedded in one batch."""
        parts = [(i, part) for i, text in enumerate(texts) for part in sentences(text)]
        owner = np.array([i for i, _ in parts])
        vectors = self.encoder.encode([part for _, part in parts])
        out: list[dict[str, tuple[float, str]]] = [{} for _ in texts]
        if not parts:
            return out
        for flag in self.flags:
            pos = vectors @ flag.positive.T
            margins = self._top(pos) - self._top(vectors @ flag.negative.T)
            for i in range(len(texts)):
                rows = np.flatnonzero(owner == i)
                if not len(rows):
                    continue
                best = rows[int(np.argmax(margins[rows]))]
                out[i][flag.flag_id] = (float(margins[best]), flag.examples[int(np.argmax(pos[best]))])
        return out

    def detect(self, texts: list[str]) -> list[list[Detection]]:
        """Per text, the flags whose margin reaches their threshold; ``matched`` names the
        closest example."""
        return [
            [
                Detection(GENERAL, flag.flag_id, flag.urgency, flag.title, f"like: {scores[flag.flag_id][1]}")
                for flag in self.flags
                if flag.flag_id in scores and scores[flag.flag_id][0] >= flag.margin
            ]
            for scores in self.scores(texts)
        ]

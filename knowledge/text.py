"""Text normalisation shared by every lookup: lower case, plain words, crude singulars."""

from __future__ import annotations

import re
from difflib import SequenceMatcher

_NON_WORD = re.compile(r"[^a-z0-9]+")


def _singular(token: str) -> str:
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


def normalise(text: str) -> str:
    """'Infusion Reactions!' -> 'infusion reaction' (deterministic, no model needed)."""
    tokens = _NON_WORD.sub(" ", text.lower().replace("'", "")).split()
    return " ".join(_singular(t) for t in tokens)


def contains_phrase(text_norm: str, phrase_norm: str) -> bool:
    """True when the normalised phrase occurs in the normalised text on word boundaries."""
    return bool(phrase_norm) and f" {phrase_norm} " in f" {text_norm} "


def similar(a: str, b: str) -> float:
    """Similarity of two normalised strings in [0, 1] (difflib ratio)."""
    return SequenceMatcher(None, a, b).ratio()

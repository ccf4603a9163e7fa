"""Spotting a personal treatment decision in a question ("should I skip my infusion?").

The bot never answers such a question yes or no: it gives the label's facts and sends the
decision to the patient's physician. The learned triage (patient_text/triage.py) reads most
decisions; the word patterns of ``data/decisions.yml`` are the few that still add to it (20 of
the 43 there were; the others only repeated the triage on the message tables or raised false
refusals). This module owns reading that file (checked, once) and applying its patterns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DATA_FILE = Path(__file__).resolve().parent / "data" / "decisions.yml"
_FIELDS = ("spelling", "fragments", "patterns", "modal_patterns", "question_words", "question_window")
_FRAGMENT = re.compile(r"\{([a-z_]+)\}")


class DataError(ValueError):
    """A data file that cannot be used; the message reads ``file: what is wrong``."""


@dataclass(frozen=True)
class DecisionPatterns:
    """The contents of ``data/decisions.yml``, checked and compiled."""

    spelling: dict[str, str]
    patterns: list[re.Pattern[str]]
    modal_patterns: list[re.Pattern[str]]
    question_words: frozenset[str]
    question_window: int


def _strings(value: Any, where: str) -> list[str]:
    """A string, or a non-empty list of strings (alternatives), as a list."""
    items = value if isinstance(value, list) and value else [value]
    if not all(isinstance(v, str) and v for v in items):
        raise ValueError(f"{where}: must be a non-empty string or a list of them")
    return items


def _compile(value: Any, where: str, fragments: dict[str, str]) -> re.Pattern[str]:
    def fragment(match: re.Match[str]) -> str:
        if match.group(1) not in fragments:
            raise ValueError(
                f"{where}: unknown fragment {{{match.group(1)}}} (known: {', '.join(fragments)})"
            )
        return fragments[match.group(1)]

    source = _FRAGMENT.sub(fragment, "|".join(_strings(value, where)))
    try:
        return re.compile(source)
    except re.error as err:
        raise ValueError(f"{where}: not a regular expression ({err})") from err


def _parse(raw: Any) -> DecisionPatterns:
    if not isinstance(raw, dict) or sorted(raw) != sorted(_FIELDS):
        found = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ValueError(f"needs exactly the fields {', '.join(_FIELDS)} (found: {found})")
    spelling, fragments = raw["spelling"], raw["fragments"]
    for field, mapping in (("spelling", spelling), ("fragments", fragments)):
        if not isinstance(mapping, dict) or not all(isinstance(k, str) for k in mapping):
            raise ValueError(f"{field}: must map words to values")
    if not all(isinstance(v, str) and v for v in spelling.values()):
        raise ValueError("spelling: every word must map to the word it stands for")
    parts = {name: "|".join(_strings(v, f"fragments.{name}")) for name, v in fragments.items()}
    compiled: dict[str, list[re.Pattern[str]]] = {}
    for field in ("patterns", "modal_patterns"):
        if not isinstance(raw[field], list):
            raise ValueError(f"{field}: must be a list of patterns")
        compiled[field] = [_compile(p, f"{field}[{i}]", parts) for i, p in enumerate(raw[field])]
    words, window = raw["question_words"], raw["question_window"]
    if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
        raise ValueError("question_words: must be a list of words")
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        raise ValueError(f"question_window: must be a whole number of words, 1 or more (found: {window!r})")
    return DecisionPatterns(
        spelling, compiled["patterns"], compiled["modal_patterns"], frozenset(words), window
    )


def load(path: Path = DATA_FILE) -> DecisionPatterns:
    """The decision patterns of ``path``; a missing or invalid file raises ``DataError``."""
    try:
        return _parse(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError, ValueError) as err:
        raise DataError(f"{path}: {err}") from err


@lru_cache(maxsize=1)
def decision_patterns() -> DecisionPatterns:
    """The patterns of ``data/decisions.yml``, read once."""
    return load()


def _asked_as_decision(norm: str, data: DecisionPatterns) -> bool:
    for pattern in data.modal_patterns:
        for match in pattern.finditer(norm):
            sentence = re.split(r"[.!?]", norm[: match.start()])[-1]
            before = sentence.split()[-data.question_window :]
            if not data.question_words.intersection(before):
                return True
    return False


def _normalise(text: str) -> str:
    """Lowercase words and punctuation marks, spaced: "Shoud I stop it?" -> "should i stop it ?"."""
    text = text.lower().replace("’", "'").replace("'", "")
    words = re.sub(r"[^a-z0-9?.!,]+", " ", re.sub(r"([?.!,])", r" \1 ", text)).split()
    spelling = decision_patterns().spelling
    return " ".join(spelling.get(w, w) for w in words)


def asks_for_decision(text: str) -> bool:
    """True when the patient asks the bot to decide about their own treatment."""
    norm = _normalise(text)
    data = decision_patterns()
    return any(p.search(norm) for p in data.patterns) or _asked_as_decision(norm, data)

"""What a monograph is silent on: everyday things a question names that the label never mentions.

The list of everyday things (alcohol, coffee, grapefruit, smoking, ...) and the words for
each is data, ``knowledge/vocab/everyday.yml``. A thing counts as covered when any of its
words appears in the monograph's facts or sub-topic terms (so grapefruit is covered for a
drug whose label warns about it, and alcohol is not for one whose label never names it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from knowledge.schema import Monograph
from patient_text.spelling import contains_phrase, normalise

EVERYDAY_FILE = Path(__file__).resolve().parent / "vocab" / "everyday.yml"


@lru_cache(maxsize=4)
def everyday_things(path: Path = EVERYDAY_FILE) -> dict[str, tuple[str, ...]]:
    """Each everyday thing's name and the normalised words patients use for it."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(name): tuple(normalise(str(w)) for w in words or []) for name, words in data.items()}


#: each monograph's words in normal form, worked out once per monograph (a process keeps its
#: knowledge base for its lifetime): id -> (the monograph, its words)
_SAID: dict[int, tuple[Monograph, str]] = {}


def _monograph_words(mono: Monograph) -> str:
    cached = _SAID.get(id(mono))
    if cached is not None and cached[0] is mono:
        return cached[1]
    parts: list[str] = []
    for topic in mono.topics.values():
        parts += [f.text for f in topic.summary]
        for item in topic.items:
            parts += [item.title, *item.terms, *(f.text for f in item.facts)]
    said = " ".join(normalise(p) for p in parts)
    _SAID[id(mono)] = (mono, said)
    return said


def not_covered(mono: Monograph, question: str) -> list[str]:
    """The everyday things ``question`` names that ``mono`` never mentions, in list order."""
    asked = normalise(question)
    said = _monograph_words(mono)
    silent = []
    for name, words in everyday_things().items():
        if any(contains_phrase(asked, w) for w in words) and not any(contains_phrase(said, w) for w in words):
            silent.append(name)
    return silent

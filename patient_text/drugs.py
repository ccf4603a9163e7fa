"""The one drug-name matcher: which covered medicine a typed name or a message names.

A name is compared in the normal form of ``patient_text.spelling``: it is a drug's generic
name, id, brand or alias exactly, one of them as whole words inside a longer name ("my testra
infusion"), or a misspelling within the drug-name tolerances of ``patient_text.spelling``. The
knowledge base indexes its monographs' names here; ``KnowledgeBase.find_drug`` and
``find_drugs_in_text``, and through them the actions, ask it. Nothing here imports knowledge.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from patient_text.spelling import (
    DRUG_IN_TEXT,
    DRUG_NAME,
    DRUG_NAME_MIN_LENGTH,
    contains_phrase,
    nearest,
    normalise,
)

#: a medicine the knowledge base does not cover counts only as whole words of this many letters
#: or more ("na" in "gonna" names no medicine)
MIN_UNKNOWN_LENGTH = 3
#: a word of a message as the drug matcher reads it ("ocrevus's" is one word)
TOKEN = re.compile(r"[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*")
#: what a covered drug's name becomes in the text the intent classifier reads
PLACEHOLDER = "medicine"


def masked(text: str, spans: Iterable[tuple[int, int, str]]) -> str:
    """``text`` with every span replaced by ``PLACEHOLDER``: the intent of "what is ocrevus
    for" and "what is tabrecta for" is read from the same words, "what is medicine for"."""
    out, at = [], 0
    for start, end, _ in sorted(spans):
        if start >= at:
            out += [text[at:start], PLACEHOLDER]
            at = end
    return "".join(out) + text[at:]


def stands_in(name: str, text: str) -> bool:
    """``name`` stands as whole words in ``text`` (any case), and has ``MIN_UNKNOWN_LENGTH`` letters."""
    name = name.strip()
    return (
        len(name) >= MIN_UNKNOWN_LENGTH
        and re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) is not None
    )


class DrugNames:
    """Every name of every covered drug, in normal form, with its drug id (the first drug wins a name)."""

    def __init__(self, names: Iterable[tuple[str, str]]) -> None:
        self.ids: dict[str, str] = {}
        for name, drug_id in names:
            self.ids.setdefault(normalise(name), drug_id)
        self._longest_first = sorted(self.ids.items(), key=lambda kv: -len(kv[0]))
        self._widths = sorted({len(known.split()) for known in self.ids}, reverse=True)
        gap = DRUG_IN_TEXT.max_length_gap or 0
        self._near: dict[int, list[tuple[str, str]]] = {}  # typed length -> names it may be
        for known, drug_id in self._longest_first:
            for length in range(len(known) - gap, len(known) + gap + 1):
                self._near.setdefault(length, []).append((known, drug_id))
        self._seen: dict[str, str | None] = {}  # typed words -> the drug they name (a cache)

    def _named(self, typed: str) -> str | None:
        """The drug id whose name ``typed`` is, exactly or each word misspelt within
        ``DRUG_IN_TEXT`` (so "testra if" is not "testra iv": short words must be exact)."""
        if typed not in self._seen:
            if len(self._seen) > 100_000:
                self._seen.clear()
            hit = self.ids.get(typed)
            if hit is None:
                words = typed.split()
                for known, drug_id in self._near.get(len(typed), []):
                    names = known.split()
                    if len(names) == len(words) and all(map(DRUG_IN_TEXT.accepts, words, names)):
                        hit = drug_id
                        break
            self._seen[typed] = hit
        return self._seen[typed]

    def find(self, name: str) -> str | None:
        """The drug id a name refers to: exactly, then a name within it, then misspelt; else None."""
        key = normalise(name)
        if not key:
            return None
        if key in self.ids:
            return self.ids[key]
        for known, drug_id in self._longest_first:
            if contains_phrase(key, known):
                return drug_id
        if len(key) < DRUG_NAME_MIN_LENGTH:
            return None
        match = nearest(key, self.ids, DRUG_NAME)
        return self.ids[match] if match else None

    def spans(self, text: str) -> list[tuple[int, int, str]]:
        """Where covered drugs are named in ``text``, misspelt too: (start, end, drug id) in
        character offsets of ``text``, longest names first, never overlapping, in text order."""
        words = [(m.start(), m.end(), normalise(m.group(0))) for m in TOKEN.finditer(text)]
        words = [w for w in words if w[2]]
        found: list[tuple[int, int, int, str]] = []  # (-width, first word, last word, id)
        for width in self._widths:
            for i in range(len(words) - width + 1):
                drug_id = self._named(" ".join(w[2] for w in words[i : i + width]))
                if drug_id:
                    found.append((-width, i, i + width - 1, drug_id))
        taken: set[int] = set()
        out: list[tuple[int, int, str]] = []
        for _, first, last, drug_id in sorted(found):
            if taken.isdisjoint(range(first, last + 1)):
                taken.update(range(first, last + 1))
                out.append((words[first][0], words[last][1], drug_id))
        return sorted(out)

    def in_text(self, text: str) -> list[str]:
        """Ids of the covered drugs named in free text, misspelt too, in the order they come."""
        return list(dict.fromkeys(drug_id for _, _, drug_id in self.spans(text)))

    def mentioned(self, values: Iterable[str], text: str) -> list[str]:
        """The values (a message's drug entities) that name a medicine in ``text``: a covered
        drug's name, or an unknown one that stands there as whole words."""
        return [v for v in values if self.find(v) or stands_in(v, text)]

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

    def in_text(self, text: str) -> list[str]:
        """Ids of the covered drugs named in free text, misspelt too, in the order they come."""
        tokens = normalise(text).split()
        found: list[tuple[int, str]] = []
        for known, drug_id in self.ids.items():
            width = len(known.split())
            for i in range(len(tokens) - width + 1):
                if DRUG_IN_TEXT.accepts(" ".join(tokens[i : i + width]), known):
                    found.append((i, drug_id))
                    break
        return list(dict.fromkeys(drug_id for _, drug_id in sorted(found)))

    def mentioned(self, values: Iterable[str], text: str) -> list[str]:
        """The values (a message's drug entities) that name a medicine in ``text``: a covered
        drug's name, or an unknown one that stands there as whole words."""
        return [v for v in values if self.find(v) or stands_in(v, text)]

"""Spelling tolerance: how a typed word is compared with a known word, for every reader.

This module owns the normal form every lookup compares (``normalise``), the one similarity of
two words (``similarity``, difflib's ratio) with ``Tolerance`` and ``nearest`` to read a
misspelt word as a known one, the edit counts of ``edit_distance`` (``transposed``,
``letter_dropped`` and the ``Speller`` of the intent classifier's text), and the tolerance of
each use, in one table at the end. It imports nothing from the rest of the project.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

_NON_WORD = re.compile(r"[^a-z0-9]+")
#: a word as the speller reads it ("don't" is one word)
WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")


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


_MATCHERS = threading.local()


def _matcher(a: str, b: str) -> SequenceMatcher[str]:
    """difflib's matcher of ``a`` against ``b``, reusing what it learnt of ``b`` (per thread):
    the known words are few and compared again and again."""
    cache: dict[str, SequenceMatcher[str]] | None = getattr(_MATCHERS, "by_b", None)
    if cache is None or len(cache) > 20_000:
        cache = _MATCHERS.by_b = {}
    matcher = cache.get(b)
    if matcher is None:
        matcher = cache[b] = SequenceMatcher(None, "", b)
    matcher.set_seq1(a)
    return matcher


def similarity(a: str, b: str, at_least: float = 0.0) -> float:
    """How alike two words are, in [0, 1]: difflib's ratio (the order of ``a`` and ``b`` can
    matter by a little, so each caller keeps its own). 0 when it is surely under ``at_least``."""
    matcher = _matcher(a, b)
    if at_least and (matcher.real_quick_ratio() < at_least or matcher.quick_ratio() < at_least):
        return 0.0
    return matcher.ratio()


@dataclass(frozen=True)
class Tolerance:
    """When a typed word counts as a known word spelt otherwise."""

    #: the similarity needed
    min_ratio: float
    #: known words shorter than this must be typed exactly ("test" is not a typo of "testra")
    min_length: int = 0
    #: at most this many letters more or fewer than the known word (None: any number)
    max_length_gap: int | None = None
    #: the first letter must be right
    same_first_letter: bool = False
    #: compare as ``similarity(known, typed)`` (difflib's own order) rather than (typed, known)
    known_first: bool = False

    def score(self, typed: str, known: str) -> float | None:
        """The similarity of ``typed`` to ``known`` when this tolerance accepts it, else None."""
        if typed == known:
            return 1.0
        if len(known) < self.min_length or (self.same_first_letter and typed[:1] != known[:1]):
            return None
        if self.max_length_gap is not None and abs(len(typed) - len(known)) > self.max_length_gap:
            return None
        pair = (known, typed) if self.known_first else (typed, known)
        ratio = similarity(*pair, at_least=self.min_ratio)
        return ratio if ratio >= self.min_ratio else None

    def accepts(self, typed: str, known: str) -> bool:
        """True when ``typed`` is ``known``, or a misspelling of it within this tolerance."""
        return self.score(typed, known) is not None


def nearest(typed: str, known: Iterable[str], tolerance: Tolerance) -> str | None:
    """The known word most similar to ``typed`` that ``tolerance`` accepts (of equals, the last
    in alphabetical order, as ``difflib.get_close_matches``), or None."""
    scored = [(score, k) for k in known if (score := tolerance.score(typed, k)) is not None]
    return max(scored)[1] if scored else None


def edit_distance(a: str, b: str) -> int:
    """Letters added, dropped, changed or swapped with a neighbour to make ``b`` of ``a``
    (Damerau-Levenshtein distance, optimal string alignment)."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[-1][-1]


def transposed(a: str, b: str) -> bool:
    """Two neighbouring letters typed the wrong way round, nothing else: "pian" for "pain"."""
    if len(a) != len(b):
        return False
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]


def letter_dropped(typed: str, known: str) -> bool:
    """``typed`` is ``known`` with one letter left out: "efects" for "effects"."""
    return len(typed) == len(known) - 1 and edit_distance(typed, known) == 1


def _deletes(word: str, depth: int) -> set[str]:
    out, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        out |= frontier
    return out


class Speller:
    """Corrects unknown words to the nearest target word: the fewest edits (at most one, or two
    from ``SPELLER_LONG_WORD`` letters), then the most frequent (an index of deletions, SymSpell)."""

    def __init__(self, targets: dict[str, int], known: Iterable[str]) -> None:
        self.targets = targets
        self.known = set(known) | set(targets)
        self._index: dict[str, set[str]] = {}
        for word in targets:
            if len(word) >= SPELLER_MIN_LENGTH:
                for key in _deletes(word, self._depth(word)):
                    self._index.setdefault(key, set()).add(word)

    @staticmethod
    def _depth(word: str) -> int:
        return 2 if len(word) >= SPELLER_LONG_WORD else 1

    def word(self, word: str) -> str:
        """The target ``word`` stands for, or ``word`` itself when it is known or nothing is near."""
        if word in self.known or len(word) < SPELLER_MIN_LENGTH or not word.isalpha():
            return word
        depth = self._depth(word)
        candidates = set().union(*(self._index.get(k, set()) for k in _deletes(word, depth)))
        scored = [(edit_distance(word, c), -self.targets[c], c) for c in candidates]
        best = min((s for s in scored if s[0] <= depth), default=None)
        return best[2] if best else word

    def text(self, text: str) -> str:
        """The text lower-cased, each word corrected."""
        return WORD.sub(lambda m: self.word(m.group(0)), text.lower())


# --- the tolerance of each use (as each was before they were gathered here) --------------------

#: a drug name asked about ("ocrevis") -> the most similar covered name
DRUG_NAME = Tolerance(min_ratio=0.8, max_length_gap=2, known_first=True)
#: typed drug names shorter than this must match a name exactly
DRUG_NAME_MIN_LENGTH = 5
#: words of a message read as a covered drug's name ("does testdrugumub cause colds")
DRUG_IN_TEXT = Tolerance(min_ratio=0.85, min_length=5, max_length_gap=2)
#: an entity value read as a monograph's term ("shingels")
TERM = Tolerance(min_ratio=0.85, min_length=5)
#: a message word read as a red-flag pattern word ("diarhea"); from ``SWAP_MIN_LENGTH``
#: letters, two letters after the first swapped count too ("pian")
PATTERN_WORD = Tolerance(min_ratio=0.85, min_length=5, same_first_letter=True, known_first=True)
SWAP_MIN_LENGTH = 4
#: the words of a question itself ("side efects") may miss one letter from this length on
QUESTION_WORD_MIN_LENGTH = 6
#: the speller leaves shorter words alone: too many real words lie one edit apart
SPELLER_MIN_LENGTH = 4
#: the speller allows one edit, and two from this length on
SPELLER_LONG_WORD = 9

"""Finding red-flag symptoms in a patient's message, with negation and resolved mentions.

Patterns come from the monographs' ``red_flags`` (drug-specific) and from
``general_red_flags.yml`` (emergencies and self-harm, whatever the drug). A mention does
not count when it is negated ("no fever"), resolved or in the past ("I had a rash last
year"), or hypothetical ("what if my throat swells", "can it cause chest pain") — except
thoughts of self-harm, which count even in a question unless it asks whether a medicine can
cause them. Deterministic, plain Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Literal

from knowledge.base import KnowledgeBase
from knowledge.loader import read_checked
from knowledge.schema import Strict
from patient_text.spelling import PATTERN_WORD, SWAP_MIN_LENGTH, transposed

GENERAL_FILE = Path(__file__).parent / "general_red_flags.yml"
GENERAL = "general"
URGENCY_ORDER = {"poisoning": 0, "crisis": 1, "emergency": 2, "same_day": 3}

_NEGATIONS = {
    "no",
    "not",
    "never",
    "without",
    "dont",
    "doesnt",
    "didnt",
    "isnt",
    "arent",
    "wasnt",
    "werent",
    "havent",
    "hasnt",
    "hadnt",
    "deny",
    "denies",
    "nor",
    "neither",
    "none",
    "nothing",
}
#: a time in the past, unless the clause says the sign goes on (``_ONGOING``)
_PAST_TIME = (
    "last year",
    "last month",
    "last week",
    "years ago",
    "months ago",
    "weeks ago",
    "a year ago",
    "last time",
    "the time before",
)
_ONGOING = {"started", "starting", "began", "still", "keeps", "getting", "worse", "now"}
_RESOLVED = (
    "in the past",
    "used to",
    "went away",
    "gone away",
    "is gone",
    "are gone",
    "cleared up",
    "resolved",
    "no longer",
    "gone now",
    "completely gone",
    "all gone",
    "got better",
    "better now",
    "fine now",
    "ok now",
    "okay now",
    "all good now",
    "before i started",
    "previously",
    "history of",
    "when i was a child",
    "as a child",
    "when i was a kid",
    "as a kid",
    "as a baby",
    "as a teenager",
    "got over",
    "getting over",
    "recovered from",
    "back in",
    # told as over: "nothing since", "was fine after five minutes"
    "nothing since",
    "none since",
    "not since",
    "fine since",
    "fine ever since",
    "ok since",
    "fine after",
    "ok after",
    "okay after",
    "sorted it",
    "recovered",
)
#: a symptom named as something to watch for or read about, not as happening now
_GENERAL_MENTION = (
    "watch for",
    "watch out for",
    "look out for",
    "what does that mean",
    "in the leaflet",
    "leaflet says",
)
_HYPOTHETICAL_START = ("if", "what if", "in case", "suppose", "what happens if", "what should i do if")
_QUESTION_START = {
    "does",
    "do",
    "can",
    "could",
    "will",
    "would",
    "might",
    "may",
    "is",
    "are",
    "should",
    "how",
    "what",
    "which",
}
_QUESTION_WORDS = {
    "cause",
    "causes",
    "give",
    "gives",
    "trigger",
    "triggers",
    "risk",
    "side",
    "common",
    "chance",
    "make",
    "makes",
}
#: words that make a question about someone ("is it normal that my eyes are yellow")
_PERSONAL = {
    "i",
    "im",
    "ive",
    "id",
    "me",
    "my",
    "myself",
    "we",
    "our",
    "us",
    "husband",
    "wife",
    "partner",
    "mum",
    "mom",
    "mother",
    "dad",
    "father",
    "son",
    "daughter",
    "child",
    "kid",
    "baby",
    # "is it normal to feel dizzy after the infusion" asks about the writer
    "normal",
}
# a full stop or comma between digits is a decimal ("38.5"), not the end of a clause
_CLAUSE_SPLIT = re.compile(r"[!?;\n]+|(?<!\d)[.,]|[.,](?!\d)|\bbut\b|\bthough\b|\bhowever\b")
_NON_WORD = re.compile(r"[^a-z0-9]+")
NEGATION_WINDOW = 4


def parse_pattern(pattern: str) -> tuple[tuple[tuple[str, ...], ...], ...]:
    """A pattern as terms of alternatives.

    "trouble breathing" is one phrase, its words in order (two filler words may sit between
    them). "lips|face|tongue + swollen|swelling" needs one phrase of each term anywhere in the
    same clause, in any order: "lips all puffy and swollen", "swelling of my face".
    """
    terms = []
    for term in pattern.split("+"):
        alternatives = tuple(tuple(tokens(alt)) for alt in term.split("|") if tokens(alt))
        if alternatives:
            terms.append(alternatives)
    return tuple(terms)


#: chat shorthand, and a relative's symptoms told in the third person, read as the patient's
#: own: "hubby says he doesnt want to live" -> "husband says i dont want to live"
_SAME_WORD = {
    "n": "and",
    "w": "with",
    "yday": "yesterday",
    "yest": "yesterday",
    "hubby": "husband",
    "he": "i",
    "she": "i",
    "they": "i",
    "hes": "im",
    "shes": "im",
    "theyre": "im",
    "his": "my",
    "her": "my",
    "their": "my",
    "him": "me",
    "them": "me",
    "himself": "myself",
    "herself": "myself",
    "themselves": "myself",
    "doesnt": "dont",
}


def tokens(text: str) -> list[str]:
    """Lowercase words with apostrophes dropped and shorthand read out:
    "I can’t breathe" -> ['i', 'cant', 'breathe']; "fever n chills" -> ['fever', 'and', 'chills']."""
    text = text.lower().replace("’", "'").replace("'", "")
    return [_SAME_WORD.get(w, w) for w in _NON_WORD.sub(" ", text).split()]


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    """A crude stem: "swelling", "swells" -> "swell"; "ending" -> "end"; "breathe" -> "breath"."""
    for suffix in ("ing", "ed", "s", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def _same_word(pattern_word: str, word: str) -> bool:
    if pattern_word == word or (len(word) >= 4 and _stem(pattern_word) == _stem(word)):
        return True
    if len(word) >= SWAP_MIN_LENGTH and word[:1] == pattern_word[:1] and transposed(pattern_word, word):
        return True
    return PATTERN_WORD.accepts(word, pattern_word)


class _GeneralFlag(Strict):
    id: str
    title: str
    urgency: Literal["emergency", "same_day", "crisis", "poisoning"]
    patterns: list[str]


class _GeneralFile(Strict):
    red_flags: list[_GeneralFlag]
    not_symptoms: list[str] = []


@dataclass(frozen=True)
class FlagPattern:
    """One pattern of one red flag, for one drug or for every drug (``general``)."""

    drug_id: str
    flag_id: str
    urgency: str
    title: str
    #: every term must be in the clause; a term is one of several phrases (word tuples)
    terms: tuple[tuple[tuple[str, ...], ...], ...]

    @property
    def size(self) -> int:
        """Words the pattern needs at least: longer patterns are tried first."""
        return sum(min(len(alt) for alt in term) for term in self.terms)

    @property
    def key(self) -> str:
        """'ocrelizumab/pml_signs' or 'general/chest_pain' (the entity value)."""
        return f"{self.drug_id}/{self.flag_id}"


@dataclass(frozen=True)
class Detection:
    """A red flag found in a message: which one, how urgent, and the words that matched."""

    drug_id: str
    flag_id: str
    urgency: str
    title: str
    matched: str

    @property
    def key(self) -> str:
        return f"{self.drug_id}/{self.flag_id}"


def load_general(path: Path = GENERAL_FILE) -> list[_GeneralFlag]:
    """The shared red flags; errors name the file and field."""
    return load_general_file(path).red_flags


def load_general_file(path: Path = GENERAL_FILE) -> _GeneralFile:
    """The shared red flags and the phrases that are not symptoms; errors name the file and field."""
    return read_checked(path, _GeneralFile)


class RedFlagMatcher:
    """Matches every red-flag pattern of every drug, plus the general ones, in a message."""

    def __init__(self, patterns: list[FlagPattern], not_symptoms: list[str] | None = None) -> None:
        self.patterns = sorted(patterns, key=lambda p: -p.size)
        #: phrases that use a symptom word in another sense ("a fit of giggles"), skipped
        self.not_symptoms = [tuple(tokens(p)) for p in not_symptoms or [] if tokens(p)]
        self._vocabulary = frozenset(
            w for p in self.patterns for term in p.terms for phrase in term for w in phrase
        )
        self._hits: dict[str, frozenset[str]] = {}

    def _pattern_words(self, word: str) -> frozenset[str]:
        """The pattern words that ``word`` stands for (itself, a misspelling, another ending)."""
        hits = self._hits.get(word)
        if hits is None:
            if len(self._hits) > MAX_CACHED_WORDS:
                self._hits.clear()
            hits = self._hits[word] = frozenset(p for p in self._vocabulary if _same_word(p, word))
        return hits

    @classmethod
    def from_knowledge(cls, kb: KnowledgeBase, general_path: Path = GENERAL_FILE) -> RedFlagMatcher:
        patterns = [
            FlagPattern(mono.id, flag.id, flag.urgency, flag.title, parse_pattern(p))
            for mono in kb.monographs.values()
            for flag in mono.red_flags
            for p in flag.patterns
        ]
        general = load_general_file(general_path)
        patterns += [
            FlagPattern(GENERAL, flag.id, flag.urgency, flag.title, parse_pattern(p))
            for flag in general.red_flags
            for p in flag.patterns
        ]
        return cls([p for p in patterns if p.terms], general.not_symptoms)

    def detect(self, text: str) -> list[Detection]:
        """Red flags in ``text``, most urgent first, one per drug and flag."""
        return self.scan(text)[0]

    def scan(self, text: str) -> tuple[list[Detection], set[str]]:
        """The red flags, and the urgencies of patterns that matched only where they do not
        count (negated, past or resolved, hypothetical): "I don't have chest pain" gives
        ``{"emergency"}``; empty when any red flag counts."""
        found: dict[str, Detection] = {}
        discounted: set[str] = set()
        for clause in clauses(text):
            words = _drop_phrases(tokens(clause), self.not_symptoms)
            if not words:
                continue
            hypothetical = _is_hypothetical(words)
            resolved = _is_resolved(words)
            hits = [self._pattern_words(w) for w in words]
            for pattern in self.patterns:
                if pattern.key in found:
                    continue
                spans = _find_terms(pattern.terms, words, hits)
                if spans is None:
                    continue
                if (
                    any(_negated(words, start) for start, _ in spans)
                    or (pattern.urgency != "crisis" and (hypothetical or resolved))
                    or (pattern.urgency == "crisis" and _asks_about_a_cause(words))
                ):
                    discounted.add(pattern.urgency)
                    continue
                found[pattern.key] = Detection(
                    pattern.drug_id,
                    pattern.flag_id,
                    pattern.urgency,
                    pattern.title,
                    " ".join(" ".join(words[a:b]) for a, b in sorted(spans)),
                )
        ordered = sorted(found.values(), key=lambda d: (URGENCY_ORDER[d.urgency], d.drug_id, d.flag_id))
        return ordered, set() if ordered else discounted


#: words a patient slips into a symptom ("my eyes look kinda yellow"), skipped when matching
_FILLERS = {
    "kinda",
    "kind",
    "of",
    "sort",
    "really",
    "very",
    "so",
    "quite",
    "pretty",
    "a",
    "bit",
    "little",
    "all",
    "now",
    "totally",
    "completely",
    "suddenly",
    "slightly",
    "super",
    "more",
    "and",
}
MAX_FILLERS = 2
#: words remembered with the pattern words they match (a cache, cleared when full)
MAX_CACHED_WORDS = 50_000


def _find_terms(
    terms: tuple[tuple[tuple[str, ...], ...], ...], words: list[str], hits: list[frozenset[str]]
) -> list[tuple[int, int]] | None:
    """(start, end) of one phrase of every term in ``words``, or None when a term is missing.
    ``hits[i]`` holds the pattern words that ``words[i]`` matches."""
    spans = []
    for term in terms:
        for phrase in term:
            start = _find(phrase, words, hits)
            if start is not None:
                spans.append((start, start + len(phrase)))
                break
        else:
            return None
    return spans


def _find(pattern: tuple[str, ...], words: list[str], hits: list[frozenset[str]]) -> int | None:
    """Start of the first match of ``pattern`` in ``words``; up to two filler words may sit
    between the pattern's words."""
    for start in range(len(words)):
        if pattern[0] not in hits[start]:
            continue
        pos, skipped, ok = start + 1, 0, True
        for p in pattern[1:]:
            while pos < len(words) and p not in hits[pos] and words[pos] in _FILLERS:
                pos, skipped = pos + 1, skipped + 1
            if pos >= len(words) or skipped > MAX_FILLERS or p not in hits[pos]:
                ok = False
                break
            pos += 1
        if ok:
            return start
    return None


def _drop_phrases(words: list[str], phrases: list[tuple[str, ...]]) -> list[str]:
    """``words`` without any of ``phrases`` (exact words, in order)."""
    for phrase in phrases:
        n = len(phrase)
        i = 0
        while i + n <= len(words):
            if tuple(words[i : i + n]) == phrase:
                words = words[:i] + words[i + n :]
            else:
                i += 1
    return words


def _is_resolved(words: list[str]) -> bool:
    """A past or resolved mention. A time in the past does not count when the clause says the
    sign goes on: "since last week", "worse than last week", "started 2 weeks ago"."""
    text = f" {' '.join(words)} "
    if any(f" {r} " in text for r in _RESOLVED):
        return True
    past = [t for t in _PAST_TIME if f" {t} " in text]
    if any(f" since {t} " in text or f" than {t} " in text for t in past):
        return False
    return bool(past) and not any(w in _ONGOING for w in words)


def _negated(words: list[str], start: int) -> bool:
    before = words[max(0, start - NEGATION_WINDOW) : start]
    return any(w in _NEGATIONS for w in before)


def clauses(text: str) -> list[str]:
    """The clauses of a message, as the patterns read them (split at ". ! ? ; but however")."""
    return [c for c in _CLAUSE_SPLIT.split(text.lower()) if c and c.strip()]


#: words that make a question one about what a medicine may cause ("can it cause suicidal
#: thoughts", "can it make you suicidal")
_CAUSE_WORDS = {"cause", "causes", "side", "risk", "trigger", "triggers"}
_MAKE = {"make", "makes"}
_WHOM = {"you", "people", "someone", "anyone"}


def _asks_about_a_cause(words: list[str]) -> bool:
    """A question whether a medicine can cause a thing: a side-effect question, not a report."""
    makes = any(a in _MAKE and b in _WHOM for a, b in zip(words, words[1:], strict=False))
    return words[0] in _QUESTION_START and (makes or any(w in _CAUSE_WORDS for w in words))


def _is_hypothetical(words: list[str]) -> bool:
    """A question about a symptom in general, not a report of one: "can it cause chest pain",
    "how long does blurred vision from eye drops last" (a question about nobody)."""
    text = " ".join(words)
    if any(text == h or text.startswith(h + " ") for h in _HYPOTHETICAL_START):
        return True
    if any(f" {g} " in f" {text} " for g in _GENERAL_MENTION):
        return True
    personal = any(w in _PERSONAL for w in words)
    if " side effect" in f" {text}" and not personal:
        return True
    if words[0] not in _QUESTION_START:
        return False
    return any(w in _QUESTION_WORDS for w in words) or not personal

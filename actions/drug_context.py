"""Which medicine a message is about: named in it, carried over in the conversation, or unclear."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from knowledge import KnowledgeBase, Monograph
from patient_text.spelling import QUESTION_WORD_MIN_LENGTH, letter_dropped


@dataclass(frozen=True)
class DrugContext:
    """The drug to answer about, or the unknown name the patient used, or neither (ask)."""

    monograph: Monograph | None = None
    unknown_name: str | None = None
    #: covered drugs the patient may mean when the message names none and several were discussed
    choices: tuple[str, ...] = ()

    @property
    def needs_choice(self) -> bool:
        return self.monograph is None and self.unknown_name is None


def entity_values(message: dict[str, Any], entity: str) -> list[str]:
    """Values of one entity type in a parsed message, in order, without repeats."""
    out: list[str] = []
    for ent in message.get("entities") or []:
        value = str(ent.get("value") or "").strip()
        if ent.get("entity") == entity and value and value not in out:
            out.append(value)
    return out


#: words that make a named medicine the *other* one in "can I take it with ibuprofen"
_COMPANION_WORDS = ("with", "and", "plus", "alongside", "while on", "while taking", "together with")
#: words that refer to the conversation's medicine ("is it fine to take ibuprofen with it")
_SUBJECT_REFERENCES = re.compile(
    r"\b(it|this|that|my (medicine|medication|infusion|injection|treatment|drug))\b"
)
#: entity values that are chat noise, not side effects ("ppl", "u")
_NOT_EFFECTS = {"u", "ur", "ppl", "people", "you", "it", "me", "my", "i", "the", "a", "get", "make", "have"}
#: the question's own words, not an effect: "ocrevus side efects" names no side effect
_GENERIC_WORDS = (
    "effect",
    "effects",
    "sideeffect",
    "sideeffects",
    "sideaffects",
    "affects",
    "reaction",
    "reactions",
    "side",
)


def _is_generic(value: str) -> bool:
    """True for the words of the question itself ("side effects", "efects", "side affects"),
    spelt right or with one letter missing."""
    word = "".join(ch for ch in value.lower() if ch.isalpha())
    return any(
        word == g or (len(g) >= QUESTION_WORD_MIN_LENGTH and letter_dropped(word, g)) for g in _GENERIC_WORDS
    )


def companion_drugs(message: dict[str, Any], names: list[str]) -> list[str]:
    """Named medicines taken alongside the conversation's one: "... with ibuprofen", or
    "take ibuprofen with it" (the message refers to the subject as "it"/"my medicine")."""
    text = " " + " ".join(str(message.get("text") or "").lower().split()) + " "
    if _SUBJECT_REFERENCES.search(text):
        return list(names)
    return [n for n in names if any(f" {w} {n.lower()}" in text for w in _COMPANION_WORDS)]


def side_effect_mentions(message: dict[str, Any]) -> list[str]:
    """Side effects named in a message: overlapping entity spans joined ("hair" + "fall out"
    -> "hair fall out"), a synonym's name as is ("lose my hair" -> "hair loss"), chat noise dropped."""
    text = str(message.get("text") or "")
    spans: list[tuple[int, int]] = []
    loose: list[str] = []
    for ent in message.get("entities") or []:
        if ent.get("entity") != "side_effect":
            continue
        value = str(ent.get("value") or "").strip()
        if len(value) < 3 or value.lower() in _NOT_EFFECTS or _is_generic(value):
            continue
        start, end = ent.get("start"), ent.get("end")
        typed = isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)
        if typed and text[start:end].lower() == value.lower():
            spans.append((start, end))
        elif value not in loose:
            loose.append(value)
    merged: list[list[int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    found = [text[a:b].strip() for a, b in merged]
    return [v for v in dict.fromkeys([*found, *loose]) if v]


def _page_drug(metadata: Any) -> str | None:
    drug = metadata.get("drug") if isinstance(metadata, dict) else None
    return drug.strip() if isinstance(drug, str) and drug.strip() else None


def page_change(events: list[dict[str, Any]]) -> str | None:
    """The drug of the article the patient moved to: the page's drug of the latest message
    when it differs from the page of the message before it (the widget sends the page's drug
    with every message), else None."""
    pages = [_page_drug(e.get("metadata")) for e in events if e.get("event") == "user"]
    if len(pages) >= 2 and pages[-1] and pages[-1] != pages[-2]:
        return pages[-1]
    return None


def resolve_drug(
    kb: KnowledgeBase,
    message: dict[str, Any],
    slot_value: str | None,
    *,
    allow_companions: bool = False,
    discussed: list[str] | None = None,
    moved_to: str | None = None,
) -> DrugContext:
    """Drug named in the message, else the conversation's drug, else the site default or only drug.

    With ``allow_companions`` (interaction questions), an unknown medicine introduced by
    "with ..." is the other medicine, not the subject, so the conversation's drug stays.
    When the message names no drug and the patient just ``moved_to`` another article, that
    article's drug is meant. When several covered drugs were ``discussed``, it is unclear
    which one is meant: the context holds the choices instead of a drug.
    """
    text = str(message.get("text") or "")
    named = kb.drug_names.mentioned(entity_values(message, "drug"), text)
    if allow_companions:
        named = [n for n in named if kb.find_drug(n) or n not in companion_drugs(message, named)]
    for name in named:
        mono = kb.find_drug(name)
        if mono:
            return DrugContext(monograph=mono)
    in_text = kb.find_drugs_in_text(text)
    if in_text:
        return DrugContext(monograph=kb.monographs[in_text[0]])
    if named:
        return DrugContext(unknown_name=named[0])
    moved = kb.find_drug(moved_to) if moved_to else None
    if moved:
        return DrugContext(monograph=moved)
    known = [d for d in dict.fromkeys(discussed or []) if d in kb.monographs]
    if len(known) >= 2:
        return DrugContext(choices=tuple(known))
    if slot_value:
        mono = kb.find_drug(slot_value)
        return DrugContext(monograph=mono) if mono else DrugContext(unknown_name=slot_value)
    if kb.default_drug:
        return DrugContext(monograph=kb.monographs[kb.default_drug])
    if len(kb.monographs) == 1:
        return DrugContext(monograph=next(iter(kb.monographs.values())))
    return DrugContext()

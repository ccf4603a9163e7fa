"""Entity vocabulary for the spaCy entity ruler: monograph names and terms plus word lists."""

from __future__ import annotations

from pathlib import Path

import yaml

from knowledge import KnowledgeBase

VOCAB_DIR = Path(__file__).resolve().parents[2] / "knowledge" / "vocab"
ENTITY_LABELS = ("drug", "side_effect", "condition", "population", "vaccine")


def _vocab_file(name: str) -> dict[str, list[str]]:
    path = VOCAB_DIR / name
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {k: [str(v) for v in vs or []] for k, vs in data.items()}


def vocabulary_words() -> set[str]:
    """Every lowercase word of the knowledge/vocab word lists (drug names, terms)."""
    lists = {**_vocab_file("terms.yml"), **_vocab_file("drugs.yml")}
    return {w for words in lists.values() for phrase in words for w in phrase.lower().split()}


def effect_synonyms() -> dict[str, str]:
    """Everyday ways of saying a side effect -> the name the bot uses (knowledge/vocab/synonyms.yml)."""
    return {
        " ".join(variant.lower().split()): name
        for name, variants in _vocab_file("synonyms.yml").items()
        for variant in variants
    }


def entity_phrases(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Lowercase phrases per entity label, from the monographs and knowledge/vocab/*.yml."""
    phrases: dict[str, set[str]] = {label: set() for label in ENTITY_LABELS}
    for mono in kb.monographs.values():
        phrases["drug"].update(n.lower() for n in kb.names_of(mono))
        for table in mono.adverse_reaction_tables:
            for row in table.rows:
                phrases["side_effect"].update(t.lower() for t in [row.effect, *row.terms])
    for label, words in {**_vocab_file("terms.yml"), **_vocab_file("drugs.yml")}.items():
        key = "drug" if label == "drugs" else label
        if key in phrases:
            phrases[key].update(w.lower().strip() for w in words if w.strip())
    phrases["side_effect"].update(effect_synonyms())
    # a phrase belongs to one label only: drug names win, then the order of ENTITY_LABELS
    taken: set[str] = set()
    for label in ENTITY_LABELS:
        phrases[label] -= taken
        taken |= phrases[label]
    return phrases

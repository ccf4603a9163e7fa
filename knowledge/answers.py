"""Choosing the facts that answer a question: a topic, the terms the patient used, tables."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.schema import AdverseReactionTable, Fact, Item, Monograph, TableRow, Topic
from patient_text.spelling import TERM, contains_phrase, normalise


@dataclass(frozen=True)
class TableHit:
    """One adverse-reaction row that matches what the patient asked about."""

    table: AdverseReactionTable
    row: TableRow


@dataclass
class Selection:
    """What the knowledge base has on a question: matched sub-topics, rows, or the summary."""

    drug_id: str
    topic: str
    covered: bool
    absent_reason: str = ""
    items: list[Item] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    table_hits: list[TableHit] = field(default_factory=list)
    unlisted: list[str] = field(default_factory=list)
    used_summary: bool = False
    #: the topic the facts come from: ``topic``, or another topic whose sub-topic covers an
    #: effect the question named and ``topic`` has nothing on ("can I sunbathe", read as
    #: administration, reaches the sunlight warning wherever it is filed)
    answered_topic: str = ""


def _term_matches(terms: list[str], text_norm: str, values_norm: list[str]) -> bool:
    for term in terms:
        t = normalise(term)
        if contains_phrase(text_norm, t):
            return True
        for value in values_norm:
            if contains_phrase(value, t) or TERM.accepts(value, t):  # typos such as "shingels"
                return True
    return False


def _dedupe(facts: list[Fact]) -> list[Fact]:
    seen: set[str] = set()
    out = []
    for fact in facts:
        if fact.text not in seen:
            seen.add(fact.text)
            out.append(fact)
    return out


def _mentions(section: Topic, effects: list[str]) -> bool:
    """The topic's own facts speak of one of the effects (its summary on PML names PML)."""
    said = " ".join(
        normalise(f.text) for f in [*section.summary, *(f for i in section.items for f in i.facts)]
    )
    return any(contains_phrase(said, effect) for effect in effects)


def select(
    mono: Monograph,
    topic: str,
    text: str = "",
    entity_values: list[str] | None = None,
    named_effects: list[str] | None = None,
) -> Selection:
    """Select the facts of ``topic`` that fit the question.

    ``entity_values`` are all entity values of the message (side effects, conditions,
    populations, vaccines); ``named_effects`` the side-effect entities alone: those the
    monograph has nothing on are reported back as ``unlisted``.
    """
    text_norm = normalise(text)
    values = [normalise(v) for v in (entity_values or []) if normalise(v)]
    sel = Selection(drug_id=mono.id, topic=topic, covered=topic in mono.topics)
    if not sel.covered:
        sel.absent_reason = mono.absent_topics.get(topic, "not_reviewed")
        return sel
    section = mono.topics[topic]
    sel.items = [item for item in section.items if _term_matches(item.terms, text_norm, values)]
    if topic == "side_effects":
        for table in mono.adverse_reaction_tables:
            for row in table.rows:
                if _term_matches([row.effect, *row.terms], text_norm, values):
                    sel.table_hits.append(TableHit(table, row))
        for effect in named_effects or []:
            norm = normalise(effect)
            known = [t for item in section.items for t in item.terms] + [
                t
                for table in mono.adverse_reaction_tables
                for row in table.rows
                for t in [row.effect, *row.terms]
            ]
            if norm and not _term_matches(known, norm, [norm]):
                sel.unlisted.append(effect)
    sel.answered_topic = topic
    effects = [normalise(e) for e in named_effects or [] if normalise(e)]
    if effects and not sel.items and not sel.table_hits and not _mentions(section, effects):
        for other in sorted(set(mono.topics) - {topic}, key=lambda t: t != "side_effects"):
            across = [i for i in mono.topics[other].items if _term_matches(i.terms, "", effects)]
            if across:
                sel.items, sel.answered_topic = across, other
                break
    if sel.items:
        sel.facts = _dedupe([f for item in sel.items for f in _shown(mono, item.facts)])
    elif not sel.table_hits:
        sel.facts = _shown(mono, section.summary)
        sel.used_summary = True
    return sel


def _shown(mono: Monograph, facts: list[Fact]) -> list[Fact]:
    """The facts patients may see: not those read only on an unofficial mirror."""
    return [f for f in facts if not mono.sources[f.source].mirror_only]

"""Turning a knowledge-base selection into message text: facts with citations, table rows."""

from __future__ import annotations

from actions.phrases import phrase
from knowledge import Monograph, Selection, TableHit, cite, format_citation


def percent(value: float) -> str:
    """34.0 -> '34', 0.3 -> '0.3'."""
    return f"{value:g}"


def table_row_line(mono: Monograph, hit: TableHit) -> str:
    """One adverse-reaction row as a sentence with its citation."""
    table, row = hit.table, hit.row
    citation = format_citation(
        mono.sources[table.source],
        table.section,
        section_inferred=table.section_inferred,
        table=table.table,
        certainty=table.certainty,
    )
    values = {
        "effect": row.effect,
        "drug_pct": percent(row.drug_pct),
        "drug_arm": table.drug_arm,
        "population": table.population,
        "trial": table.trial,
        "citation": citation,
    }
    if table.comparator_arm and row.comparator_pct is not None:
        line = phrase(
            "ae_row",
            comparator_pct=percent(row.comparator_pct),
            comparator_arm=table.comparator_arm,
            **values,
        )
    else:
        line = phrase("ae_row_single_arm", **values)
    if row.severe_pct is not None and table.severe_label:
        line += " " + phrase(
            "ae_row_severe", severe_pct=percent(row.severe_pct), severe_label=table.severe_label
        )
    return line


def answer_text(mono: Monograph, selection: Selection, intro: str) -> str:
    """Intro line, 'not listed' lines, matched table rows, then facts, each with its source."""
    drug_name = mono.generic_name
    lines = [intro]
    for effect in selection.unlisted:
        lines.append(phrase("effect_not_listed", drug_name=drug_name, effect=effect))
    lines.extend(f"- {table_row_line(mono, hit)}" for hit in selection.table_hits)
    lines.extend(f"- {fact.text} {cite(mono, fact)}" for fact in selection.facts)
    return "\n".join(lines)

"""The text a question's answer is made of, for the key-number tests of each drug."""

from __future__ import annotations

from knowledge import Monograph
from knowledge.answers import select


def selected_text(mono: Monograph, topic: str, question: str) -> str:
    """The text of every fact and table row the bot would select for the question."""
    selection = select(mono, topic, text=question)
    assert selection.covered, f"{topic} is not covered"
    parts = [fact.text for fact in selection.facts]
    parts += [f"{hit.row.effect} {hit.row.drug_pct:g}%" for hit in selection.table_hits]
    return " ".join(parts)

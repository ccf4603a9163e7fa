"""How a fact's source is shown to patients: title, section, revision date and any caveat."""

from __future__ import annotations

import datetime as dt

from knowledge.schema import Certainty, Fact, Monograph, Source

CAVEATS = {
    Certainty.secondary: "secondary source, not confirmed in the label text",
    Certainty.unverified: "not verified against the label text",
}


def format_citation(
    source: Source,
    section: str,
    *,
    section_inferred: bool = False,
    table: str | None = None,
    certainty: Certainty = Certainty.label,
    checked_against: dt.date | None = None,
) -> str:
    """'(OCREVUS US Prescribing Information, section 5.1, revised May 2026)'."""
    where = f"section {section}"
    if section_inferred:
        where += " (section number inferred)"
    if table:
        where += f", {table}"
    parts = [source.title, where, source_date(source, checked_against)]
    if source.kind == "secondary" and certainty is Certainty.label:
        certainty = Certainty.secondary
    caveat = CAVEATS.get(certainty)
    text = ", ".join(parts)
    return f"({text}; {caveat})" if caveat else f"({text})"


def _month(day: dt.date) -> str:
    return day.strftime("%B %Y")


def source_date(source: Source, checked_against: dt.date | None = None) -> str:
    """'revised May 2026', 'accessed June 2026', or the revision with a newer one pending."""
    revised = checked_against or source.revised
    if revised is None:
        return f"accessed {_month(source.accessed)}" if source.accessed else "undated"
    text = f"revised {_month(revised)}"
    if source.newer_revision is not None:
        text += f"; a {_month(source.newer_revision)} revision is not yet checked"
    return text


def cite(monograph: Monograph, fact: Fact) -> str:
    """The citation of one fact of a monograph."""
    return format_citation(
        monograph.sources[fact.source],
        fact.section,
        section_inferred=fact.section_inferred,
        table=fact.table,
        certainty=fact.certainty,
        checked_against=fact.checked_against,
    )

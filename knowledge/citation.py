"""How a fact's source is shown to patients: title, section, revision date and any caveat."""

from __future__ import annotations

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
) -> str:
    """'(OCREVUS US Prescribing Information, section 5.1, revised May 2026)'."""
    where = f"section {section}"
    if section_inferred:
        where += " (section number inferred)"
    if table:
        where += f", {table}"
    parts = [source.title, where, f"revised {source.revised.strftime('%B %Y')}"]
    if source.kind == "secondary" and certainty is Certainty.label:
        certainty = Certainty.secondary
    caveat = CAVEATS.get(certainty)
    text = ", ".join(parts)
    return f"({text}; {caveat})" if caveat else f"({text})"


def cite(monograph: Monograph, fact: Fact) -> str:
    """The citation of one fact of a monograph."""
    return format_citation(
        monograph.sources[fact.source],
        fact.section,
        section_inferred=fact.section_inferred,
        table=fact.table,
        certainty=fact.certainty,
    )

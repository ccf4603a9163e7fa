"""Turning a knowledge-base selection into message text a patient reads on a phone.

The answer opens with the fact that answers the question (a table row's number, or the
first fact of the sub-topic or summary), then the others as short bullets. Each fact keeps
its citation as a footnote number; the sources are listed once, at the end, under
"Sources:" after the disclaimer (the widget folds them; REST keeps them in the text for testers).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.phrases import buttons, phrase
from knowledge import Monograph, Selection, TableHit, cite, format_citation

#: the line the sources follow; the widget folds the paragraph that starts with it
SOURCES_HEADING = "Sources:"


@dataclass
class Footnotes:
    """Citations numbered in the order they are first used; one number per distinct citation."""

    citations: list[str] = field(default_factory=list)

    def mark(self, citation: str) -> str:
        """' [n]' for ``citation`` ('(TITLE, section X, revised ...)'), numbered on first use."""
        if citation not in self.citations:
            self.citations.append(citation)
        return f" [{self.citations.index(citation) + 1}]"

    def lines(self) -> list[str]:
        """'Sources:' and one '[n] TITLE, section X, revised ...' line per citation."""
        if not self.citations:
            return []
        return [SOURCES_HEADING, *(f"[{i}] {c.strip()[1:-1]}" for i, c in enumerate(self.citations, 1))]


def percent(value: float) -> str:
    """34.0 -> '34', 0.3 -> '0.3'."""
    return f"{value:g}"


def table_row_line(mono: Monograph, hit: TableHit, notes: Footnotes | None = None) -> str:
    """One adverse-reaction row as a sentence with its citation (a footnote mark with ``notes``)."""
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
        "citation": notes.mark(citation).strip() if notes is not None else citation,
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


def answer_text(mono: Monograph, selection: Selection, intro: str, notes: Footnotes | None = None) -> str:
    """Intro line, 'not listed' lines, the answering fact, then the others as bullets, each with
    a footnote mark; the sources follow unless ``notes`` is given (the caller adds more first)."""
    drug_name = mono.generic_name
    own = notes is None
    notes = notes if notes is not None else Footnotes()
    lines = [intro]
    for effect in selection.unlisted:
        lines.append(phrase("effect_not_listed", drug_name=drug_name, effect=effect))
    points = [table_row_line(mono, hit, notes) for hit in selection.table_hits]
    points += [f"{fact.text}{notes.mark(cite(mono, fact))}" for fact in selection.facts]
    if points:
        lines.append(points[0])
        lines.extend(f"- {point}" for point in points[1:])
    if own:
        lines.extend(notes.lines())
    return "\n".join(lines)


def disclaimer_shown(tracker: Tracker) -> bool:
    """Whether the full disclaimer was already sent in this conversation."""
    full = phrase("disclaimer")
    return any(e.get("event") == "bot" and full in str(e.get("text") or "") for e in tracker.events)


def send_answer(
    dispatcher: CollectingDispatcher, tracker: Tracker, text: str, notes: Footnotes, *, offer: bool = False
) -> None:
    """One message: the answer, the consultant offer (with its button) when asked for, the
    disclaimer (in full the first time in a conversation, one short line after), then the
    sources. Lines, not blank lines: Rasa's channels split a text at blank lines."""
    lines = [text]
    if offer:
        lines.append(phrase("offer_consultant"))
    lines.append(phrase("disclaimer_short" if disclaimer_shown(tracker) else "disclaimer"))
    lines.extend(notes.lines())
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons("offer_consultant") if offer else [])

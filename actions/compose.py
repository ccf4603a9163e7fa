"""Turning a knowledge-base selection into message text a patient reads on a phone.

The answer opens with the fact that answers the question (a table row's number, or the
first fact of the sub-topic or summary), then the others as short bullets. Each fact keeps
its citation as a footnote number; the sources are listed once, at the end, under
"Sources:" after the disclaimer (the widget folds them; REST keeps them in the text for testers).
An answer stays within MAX_ANSWER_WORDS with its list unfolded: the facts on what was asked
first, and a line when the label has more.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.phrases import buttons, phrase
from knowledge import Monograph, Selection, TableHit, cite, format_citation
from patient_text.spelling import normalise

#: the slot that remembers the full disclaimer was sent in this session
DISCLAIMER_SLOT = "disclaimer_shown"
#: the line the sources follow; the widget folds the paragraph that starts with it
SOURCES_HEADING = "Sources:"


@dataclass
class Footnotes:
    """Citations numbered in the order they are first used; one number per distinct citation."""

    citations: list[str] = field(default_factory=list)

    def mark(self, citation: str, detail: str = "") -> str:
        """' [n]' for ``citation`` ('(TITLE, section X, revised ...)') and an optional ``detail``
        (a table's trial), numbered on first use."""
        note = self.note(citation, detail)
        if note not in self.citations:
            self.citations.append(note)
        return f" [{self.citations.index(note) + 1}]"

    @staticmethod
    def note(citation: str, detail: str = "") -> str:
        """The source line's text: the citation without its brackets, then the detail."""
        return citation.strip()[1:-1] + (f"; {detail}" if detail else "")

    def lines(self) -> list[str]:
        """'Sources:' and one '[n] TITLE, section X, revised ...' line per citation."""
        if not self.citations:
            return []
        return [SOURCES_HEADING, *(f"[{i}] {note}" for i, note in enumerate(self.citations, 1))]


#: no medical answer is longer than this with its bullets unfolded, its offer and disclaimer
#: included; the sources, folded behind their own toggle in the widget, are not (issue 24)
MAX_ANSWER_WORDS = 200
_PERCENT = re.compile(r"\d+(?:\.\d+)?%")
#: question words shorter than this say nothing about which fact fits ("can", "they", "with")
_MIN_CUE_LETTERS = 5


def words(text: str) -> int:
    """Words as the answer-length report counts them (bot/convtest/report.py)."""
    return len(text.split())


@dataclass
class WordBudget:
    """Words an answer's facts may still use, and how many facts it left out for lack of room."""

    remaining: int
    left_out: int = 0


@dataclass
class Point:
    """One fact line: its text, its citation (and a table's trial for the note), and
    what follows the footnote mark (a row's severe share)."""

    text: str
    citation: str
    detail: str = ""
    after: str = ""
    #: what the point is filed under (its sub-topic's title and terms, a row's effect and terms)
    about: str = ""

    def render(self, notes: Footnotes) -> str:
        return self.text + notes.mark(self.citation, self.detail) + (f" {self.after}" if self.after else "")

    def cost(self) -> int:
        """Words this point adds to what the patient reads, its footnote mark and bullet dash
        included (the sources are folded away in the widget)."""
        return words(self.text) + words(self.after) + 2


def percent(value: float) -> str:
    """34.0 -> '34', 0.3 -> '0.3'."""
    return f"{value:g}"


def table_row_point(mono: Monograph, hit: TableHit) -> Point:
    """One adverse-reaction row as a short sentence (the arms by their short names); the trial
    goes into the row's source note, once per table."""
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
        "drug_arm": table.drug_arm_short or table.drug_arm,
        "population": table.population,
    }
    if table.comparator_arm and row.comparator_pct is not None:
        line = phrase(
            "ae_row",
            comparator_pct=percent(row.comparator_pct),
            comparator_arm=table.comparator_arm_short or table.comparator_arm,
            **values,
        )
    else:
        line = phrase("ae_row_single_arm", **values)
    severe = ""
    if row.severe_pct is not None and table.severe_label:
        severe = phrase("ae_row_severe", severe_pct=percent(row.severe_pct), severe_label=table.severe_label)
    return Point(line, citation, table.trial, severe, about=" ".join([row.effect, *row.terms]))


def _cues(text: str, leave_out: frozenset[str] = frozenset()) -> set[str]:
    return {w for w in normalise(text).split() if len(w) >= _MIN_CUE_LETTERS and w not in leave_out}


def _figures(text: str) -> set[str]:
    return set(_PERCENT.findall(text))


def _points(mono: Monograph, selection: Selection) -> list[Point]:
    """The table rows, then the facts, less a fact whose every figure one of the rows already
    gives ("Nausea happened in 35% vs 19%" under the nausea row)."""
    rows = [table_row_point(mono, hit) for hit in selection.table_hits]
    row_figures = [_figures(f"{row.text} {row.after}") for row in rows]
    filed = {id(f): " ".join([item.title, *item.terms]) for item in selection.items for f in item.facts}
    facts = [
        Point(fact.text, cite(mono, fact), about=filed.get(id(fact), ""))
        for fact in selection.facts
        if not (_figures(fact.text) and any(_figures(fact.text) <= shown for shown in row_figures))
    ]
    return rows + facts


def first_point_words(mono: Monograph, selection: Selection, intro: str) -> int:
    """Words of ``intro`` and the answering fact of ``selection``: the least it shows."""
    points = _points(mono, selection)
    return words(intro) + (points[0].cost() if points else 0)


def _fitting(
    points: list[Point], budget: WordBudget, named: list[str], drug_names: frozenset[str]
) -> list[Point]:
    """The points shown within ``budget``: the answering fact (the first) always, then the
    others by how many telling words of what the patient ``named`` (the question and its entity
    values) they hold, in their text or what they are filed under (ties in the monograph's
    order), while they fit; shown in the monograph's order. A word is telling when at most half
    of the points hold it ("infections" among infusion and infection facts, not "infusion";
    never the drug's own names). Counts those left out in ``budget``."""
    held = [_cues(f"{point.text} {point.about}") for point in points]
    asked = _cues(" ".join(named), drug_names)
    cues = {c for c in asked if 2 * sum(c in h for h in held) <= max(2, len(points))}
    order = [0, *sorted(range(1, len(points)), key=lambda i: (-len(cues & held[i]), i))]
    chosen = set()
    for i in order:
        if i == 0 or points[i].cost() <= budget.remaining:
            chosen.add(i)
            budget.remaining -= points[i].cost()
        else:
            budget.left_out += 1
    return [points[i] for i in sorted(chosen)]


def answer_text(
    mono: Monograph,
    selection: Selection,
    intro: str,
    notes: Footnotes | None = None,
    *,
    budget: WordBudget | None = None,
    named: list[str] | None = None,
) -> str:
    """Intro line, 'not listed' lines, the answering fact, then the others as bullets, each with
    a footnote mark (within ``budget``, those on what the patient ``named`` first: the question
    and its entity values); the sources follow unless ``notes`` is given (the caller adds more
    first)."""
    drug_name = mono.generic_name
    own = notes is None
    notes = notes if notes is not None else Footnotes()
    lines = [intro]
    for effect in selection.unlisted:
        lines.append(phrase("effect_not_listed", drug_name=drug_name, effect=effect))
    points = _points(mono, selection)
    if budget is not None and points:
        budget.remaining -= sum(words(line) for line in lines)
        names = frozenset(normalise(" ".join([mono.generic_name, *mono.brands])).split())
        points = _fitting(points, budget, named or [], names)
    rendered = [point.render(notes) for point in points]
    if rendered:
        lines.append(rendered[0])
        lines.extend(f"- {point}" for point in rendered[1:])
    if own:
        lines.extend(notes.lines())
    return "\n".join(lines)


def disclaimer_shown(tracker: Tracker) -> bool:
    """Whether the full disclaimer was already sent in this session: the slot its senders set
    (an answer action gets only the latest turns' events, bot/action_history.py), or a message
    of the events it has."""
    if tracker.get_slot(DISCLAIMER_SLOT):
        return True
    full = phrase("disclaimer")
    return any(e.get("event") == "bot" and full in str(e.get("text") or "") for e in tracker.events)


def full_disclaimer(dispatcher: CollectingDispatcher) -> list[EventType]:
    """Send the full disclaimer; the event that remembers it was sent."""
    dispatcher.utter_message(text=phrase("disclaimer"))
    return [SlotSet(DISCLAIMER_SLOT, True)]


def _disclaimer(tracker: Tracker) -> str:
    return phrase("disclaimer_short" if disclaimer_shown(tracker) else "disclaimer")


def answer_budget(tracker: Tracker, fixed: list[str], *, offer: bool) -> WordBudget:
    """The words left for an answer's facts: ``MAX_ANSWER_WORDS`` less its ``fixed`` lines, the
    offer, the disclaimer and the line saying more was left out (not the folded sources)."""
    tail = [*fixed, _disclaimer(tracker), phrase("more_in_label")]
    if offer:
        tail.append(phrase("offer_consultant"))
    return WordBudget(MAX_ANSWER_WORDS - sum(words(line) for line in tail))


def send_answer(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    text: str,
    notes: Footnotes,
    *,
    offer: bool = False,
    left_out: int = 0,
) -> list[EventType]:
    """One message: the answer, a line when facts were left out for length, the consultant offer
    (with its button) when asked for, the disclaimer (in full the first time in a session, one
    short line after), then the sources. Lines, not blank lines: Rasa's channels split a text at
    blank lines. Returns the event that remembers a full disclaimer."""
    lines = [text]
    if left_out:
        lines.append(phrase("more_in_label"))
    if offer:
        lines.append(phrase("offer_consultant"))
    full = not disclaimer_shown(tracker)
    lines.append(phrase("disclaimer" if full else "disclaimer_short"))
    lines.extend(notes.lines())
    dispatcher.utter_message(text="\n".join(lines), buttons=buttons("offer_consultant") if offer else [])
    return [SlotSet(DISCLAIMER_SLOT, True)] if full else []

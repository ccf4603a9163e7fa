"""The monograph file format: pydantic models that say what a drug file must hold.

One YAML file per drug under ``knowledge/monographs/``. Every fact names the source
(a label with its revision date) and the label section it comes from; marks for an
inferred section number or an unverified/secondary fact travel with the fact.
"""

from __future__ import annotations

import datetime as dt
import re
from enum import Enum
from typing import Dict, List, Literal

from pydantic import BaseModel, Extra, Field, root_validator, validator

SECTION_RE = re.compile(r"^(\d{1,2}(\.\d{1,2})*|Highlights|Boxed Warning)$")
SLUG_RE = re.compile(r"^[a-z][a-z0-9_]*$")

#: Topics a monograph may cover; each is answered for one intent of the NLU contract.
TOPICS = (
    "indication",
    "mechanism",
    "dosing",
    "administration",
    "eligibility",
    "monitoring",
    "vaccines",
    "pregnancy",
    "interactions",
    "storage",
    "side_effects",
    "pml",
)


class Strict(BaseModel):
    """Base model: unknown fields are errors, so a typo in a field name is caught."""

    class Config:
        extra = Extra.forbid
        anystr_strip_whitespace = True


class Certainty(str, Enum):
    """How sure a fact is: read in the label, only from a secondary source, or unverified."""

    label = "label"
    secondary = "secondary"
    unverified = "unverified"


class Source(Strict):
    """A document facts come from (a US label, or a named secondary source).

    ``revised`` is the label revision the facts were checked against (a label must have
    one); ``accessed`` is when a secondary source was read (it has no revision of its
    own); ``checked`` is when an editor last checked the facts against this revision;
    ``newer_revision`` records a later revision that exists but whose changes nobody has
    reviewed yet, so patients are told.
    """

    title: str = Field(..., min_length=3)
    revised: dt.date | None = None
    accessed: dt.date | None = None
    checked: dt.date | None = None
    newer_revision: dt.date | None = None
    kind: Literal["label", "secondary"] = "label"
    url: str | None = None
    set_id: str | None = None
    #: where the text was read when not at its publisher (a mirror site): for editors only,
    #: citations name the document, never the site
    via: str | None = None
    #: the only copy read was an unofficial mirror of a work that is not a label: its facts
    #: stay in the file for editors and are never shown to patients
    mirror_only: bool = False

    @root_validator(skip_on_failure=True)
    def _dated(cls, values: Dict[str, object]) -> Dict[str, object]:
        if values.get("kind") == "label" and values.get("revised") is None:
            raise ValueError("a label source needs 'revised', the revision date of the label text read")
        if values.get("revised") is None and values.get("accessed") is None:
            raise ValueError("a secondary source needs 'revised' or 'accessed'")
        newer, revised = values.get("newer_revision"), values.get("revised")
        if newer is not None and (revised is None or newer <= revised):  # type: ignore[operator]
            raise ValueError("'newer_revision' must be later than 'revised'")
        return values


class Fact(Strict):
    """One plain-language statement with its citation."""

    text: str = Field(..., min_length=10)
    source: str
    section: str
    section_inferred: bool = False
    table: str | None = None
    certainty: Certainty = Certainty.label
    # the label revision this fact was checked against, when it is not its source's
    # ``revised`` (a fact carried over unchanged while the monograph moves to a new revision)
    checked_against: dt.date | None = None
    note: str | None = None  # for editors; never shown to patients

    @validator("section")
    def _section_format(cls, value: str) -> str:
        if not SECTION_RE.match(value):
            raise ValueError(f"'{value}' is not a label section like '5.1', '2.3' or 'Highlights'")
        return value


class Item(Strict):
    """A sub-topic (e.g. infusion reactions within side effects), found by its terms."""

    id: str
    title: str
    terms: List[str] = Field(..., min_items=1)
    facts: List[Fact] = Field(..., min_items=1)

    @validator("id")
    def _slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"'{value}' must be a lowercase slug (a-z, 0-9, _)")
        return value


class Topic(Strict):
    """What the monograph says on one topic: a summary plus optional sub-topics."""

    summary: List[Fact] = Field(..., min_items=1)
    items: List[Item] = []


class TableRow(Strict):
    """One adverse reaction with its frequency on the drug and on the comparator."""

    effect: str
    terms: List[str] = Field(..., min_items=1)
    drug_pct: float = Field(..., ge=0, le=100)
    comparator_pct: float | None = Field(None, ge=0, le=100)
    severe_pct: float | None = Field(None, ge=0, le=100)


class AdverseReactionTable(Strict):
    """An adverse-reaction table from a trial: who was studied and what they reported."""

    id: str
    title: str
    population: str
    trial: str
    drug_arm: str
    comparator_arm: str | None = None
    #: the arms' names in an answer line ("OCREVUS", "placebo"); the answer's source note names the trial
    drug_arm_short: str | None = None
    comparator_arm_short: str | None = None
    severe_label: str | None = None
    source: str
    section: str
    table: str | None = None
    section_inferred: bool = False
    certainty: Certainty = Certainty.label
    rows: List[TableRow] = Field(..., min_items=1)

    _section_format = validator("section", allow_reuse=True)(Fact._section_format.__func__)  # type: ignore[attr-defined]


class RedFlag(Strict):
    """Symptoms that need urgent action, the urgency, and the label facts behind it."""

    id: str
    title: str
    urgency: Literal["emergency", "same_day", "crisis", "poisoning"]
    patterns: List[str] = Field(..., min_items=1)
    facts: List[Fact] = Field(..., min_items=1)


class Monograph(Strict):
    """A whole drug file."""

    schema_version: Literal[1]
    id: str
    generic_name: str
    brands: List[str] = []
    aliases: List[str] = []
    drug_class: str
    sources: Dict[str, Source]
    topics: Dict[str, Topic]
    # topics this monograph lacks, and why: the label is silent on it, or nobody has
    # reviewed that part of the label yet (the default for a missing topic)
    absent_topics: Dict[str, Literal["not_in_label", "not_reviewed"]] = {}
    adverse_reaction_tables: List[AdverseReactionTable] = []
    red_flags: List[RedFlag] = []

    @validator("id")
    def _id_slug(cls, value: str) -> str:
        if not SLUG_RE.match(value):
            raise ValueError(f"'{value}' must be a lowercase slug (a-z, 0-9, _)")
        return value

    @validator("sources")
    def _has_sources(cls, value: Dict[str, Source]) -> Dict[str, Source]:
        if not value:
            raise ValueError("at least one source is required")
        return value

    @validator("absent_topics")
    def _absent_are_topics(
        cls,
        value: Dict[str, str],
        values: Dict[str, object],
    ) -> Dict[str, str]:
        unknown = sorted(set(value) - set(TOPICS))
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; allowed: {list(TOPICS)}")
        present = sorted(set(value) & set(values.get("topics") or {}))  # type: ignore[call-overload]
        if present:
            raise ValueError(f"topic(s) {present} are both present and listed as absent")
        return value

    @validator("topics")
    def _known_topics(cls, value: Dict[str, Topic]) -> Dict[str, Topic]:
        unknown = sorted(set(value) - set(TOPICS))
        if unknown:
            raise ValueError(f"unknown topic(s) {unknown}; allowed: {list(TOPICS)}")
        return value

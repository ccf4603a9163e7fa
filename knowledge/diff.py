"""What changed between two versions of the monographs: facts, sources, table rows, red flags.

A version is a monograph file, a directory of them, or a git revision (its
``knowledge/monographs/*.yml``). Files on disk must pass the current schema; files read
from a git revision are compared even when they do not (an old revision may predate a
schema change): the problems become warnings and the raw YAML is compared.
"""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any, Iterator, Literal, Mapping

import yaml

from knowledge.errors import KnowledgeError, MonographError
from knowledge.loader import MONOGRAPH_DIR, load_monograph, monograph_paths

MONOGRAPH_SUBDIR = "knowledge/monographs"  # where a revision's monographs are, from the repo root
SIMILAR = 0.6  # SequenceMatcher ratio from which a reworded fact counts as the same fact

SOURCE_FIELDS = ("title", "revised", "accessed", "checked", "newer_revision")
CITATION_DEFAULTS: dict[str, Any] = {
    "source": None,
    "section": None,
    "table": None,
    "certainty": "label",
    "section_inferred": False,
    "checked_against": None,
}
TABLE_DEFAULTS = {k: v for k, v in CITATION_DEFAULTS.items() if k != "checked_against"}
ROW_FIELDS = ("drug_pct", "comparator_pct", "severe_pct")

Kind = Literal["added", "removed", "changed", "moved"]
KINDS: tuple[Kind, ...] = ("added", "removed", "changed", "moved")
Status = Literal["added", "removed", "changed", "unchanged"]
MARK = {"added": "+", "removed": "-", "changed": "~", "moved": ">"}


class DiffInputError(KnowledgeError):
    """OLD or NEW names no file, directory or git revision, or git cannot read it."""


# --- what is compared ------------------------------------------------------------------


@dataclass(frozen=True)
class PlacedFact:
    """A fact with where it stands: ``topic/summary``, ``topic/items/<id>`` or ``red_flags/<id>``."""

    place: str
    index: int
    fact: dict[str, Any]  # text and the citation fields


@dataclass
class Table:
    """An adverse-reaction table: its citation and its rows by effect."""

    title: str
    citation: dict[str, Any]
    rows: dict[str, dict[str, Any]]


@dataclass
class Flag:
    """A red flag's urgency and patterns (its facts are placed facts)."""

    title: str
    urgency: str
    patterns: list[str]


@dataclass
class Snapshot:
    """One drug's monograph reduced to what the diff compares."""

    id: str
    origin: str
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: list[str] = field(default_factory=list)  # in file order
    items: dict[str, str] = field(default_factory=dict)  # item place -> title
    facts: list[PlacedFact] = field(default_factory=list)
    tables: dict[str, Table] = field(default_factory=dict)
    flags: dict[str, Flag] = field(default_factory=dict)


@dataclass
class Version:
    """The monographs of one side of the comparison, by drug id."""

    label: str
    monographs: dict[str, Snapshot]
    warnings: list[str] = field(default_factory=list)


def _value(value: Any) -> Any:
    """A YAML or model value as plain JSON: dates in ISO form, enums by value, text stripped."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, float) and value.is_integer():
        return int(value)  # 8 and 8.0 are the same percentage
    return value


def _fields(raw: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    out = {}
    for key, default in defaults.items():
        value = _value(raw.get(key))
        out[key] = default if value is None else value
    for key in ("source", "section", "table"):  # an unquoted section 6.1 reads as a number
        if key in out and out[key] is not None:
            out[key] = str(out[key])
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _fact(raw: Any) -> dict[str, Any]:
    raw = _mapping(raw)
    return {"text": str(_value(raw.get("text")) or ""), **_fields(raw, CITATION_DEFAULTS)}


def snapshot(raw: Mapping[str, Any], origin: str, fallback_id: str) -> Snapshot:
    """Reduce a monograph (raw YAML or a validated model's ``.dict()``) to what is compared.

    Missing or malformed parts read as empty, so an old file that fails the schema still compares.
    """
    snap = Snapshot(id=str(raw.get("id") or fallback_id), origin=origin)
    for sid, source in _mapping(raw.get("sources")).items():
        snap.sources[str(sid)] = {k: _value(_mapping(source).get(k)) for k in SOURCE_FIELDS}

    def add(place: str, facts: Any) -> None:
        snap.places.append(place)
        for i, fact in enumerate(_list(facts)):
            snap.facts.append(PlacedFact(place, i, _fact(fact)))

    for topic, body in _mapping(raw.get("topics")).items():
        add(f"{topic}/summary", _mapping(body).get("summary"))
        for item in _list(_mapping(body).get("items")):
            place = f"{topic}/items/{_mapping(item).get('id')}"
            snap.items[place] = str(_mapping(item).get("title") or "")
            add(place, _mapping(item).get("facts"))
    for table in _list(raw.get("adverse_reaction_tables")):
        table = _mapping(table)
        rows: dict[str, dict[str, Any]] = {}
        for row in _list(table.get("rows")):
            row = _mapping(row)
            rows.setdefault(str(_value(row.get("effect"))), {k: _value(row.get(k)) for k in ROW_FIELDS})
        place = f"adverse_reaction_tables/{table.get('id')}"
        snap.places.append(place)
        snap.tables[place] = Table(str(table.get("title") or ""), _fields(table, TABLE_DEFAULTS), rows)
    for flag in _list(raw.get("red_flags")):
        flag = _mapping(flag)
        place = f"red_flags/{flag.get('id')}"
        patterns = [str(_value(p)) for p in _list(flag.get("patterns"))]
        snap.flags[place] = Flag(str(flag.get("title") or ""), str(flag.get("urgency")), patterns)
        add(place, flag.get("facts"))
    return snap


# --- reading a version ------------------------------------------------------------------


def _git(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, encoding="utf-8", check=False
        )
    except OSError as exc:
        raise DiffInputError(f"cannot run git: {exc}") from exc


def _toplevel(repo: Path | None) -> Path:
    start = repo or Path.cwd()
    proc = _git(start, "rev-parse", "--show-toplevel")
    if proc.returncode != 0:
        raise DiffInputError(f"{start} is not in a git repository: {proc.stderr.strip()}")
    return Path(proc.stdout.strip())


def _problems(text: str, name: str) -> list[str]:
    """What the current schema finds wrong with a monograph's text (the loader's messages)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(text, encoding="utf-8")
        try:
            load_monograph(path)
        except MonographError as exc:
            return exc.problems
    return []


def _read_file(path: Path) -> Snapshot:
    mono = load_monograph(path)  # strict: a file on disk must be valid
    return snapshot(mono.dict(), str(path), path.stem)


def _read_blob(root: Path, commit: str, path: str, origin: str) -> tuple[Snapshot, list[str]]:
    """One monograph at a revision, leniently: schema problems come back as a warning."""
    shown = _git(root, "show", f"{commit}:{path}")
    if shown.returncode != 0:
        raise DiffInputError(f"cannot read {origin}: {shown.stderr.strip()}")
    try:
        raw = yaml.safe_load(shown.stdout)
    except yaml.YAMLError as exc:
        raise MonographError(origin, [f"cannot read YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise MonographError(origin, ["(file): must be a mapping of fields"])
    problems = _problems(shown.stdout, Path(path).name)
    warnings = []
    if problems:
        lines = "\n".join(f"  {p}" for p in problems)
        warnings.append(f"{origin} does not pass the current schema; compared as written:\n{lines}")
    return snapshot(raw, origin, Path(path).stem), warnings


def _read_revision(rev: str, repo: Path | None, drug: str | None) -> Version:
    try:
        root = _toplevel(repo)
    except DiffInputError as exc:
        raise DiffInputError(f"'{rev}' is neither a file nor a directory, and {exc}") from exc
    verify = ("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    proc = None if rev.startswith("-") else _git(root, *verify)  # never let a name act as an option
    if proc is None or proc.returncode != 0:
        raise DiffInputError(f"'{rev}' is neither a file, a directory nor a git revision of {root}")
    commit = proc.stdout.strip()
    listing = _git(root, "ls-tree", "--name-only", commit, "--", f"{MONOGRAPH_SUBDIR}/")
    if listing.returncode != 0:
        raise DiffInputError(f"cannot list {MONOGRAPH_SUBDIR} at {rev}: {listing.stderr.strip()}")
    paths = sorted(p for p in listing.stdout.splitlines() if p.endswith(".yml"))
    if not paths:
        raise DiffInputError(f"no monograph files in {MONOGRAPH_SUBDIR} at {rev}")
    version = Version(rev, {})
    for path in paths:
        if drug is None or Path(path).stem == drug:
            snap, warnings = _read_blob(root, commit, path, f"{rev}:{path}")
            version.warnings += warnings
            _keep(version, snap)
    return version


def _keep(version: Version, snap: Snapshot) -> None:
    if snap.id in version.monographs:
        raise DiffInputError(f"{snap.origin}: id '{snap.id}' also in {version.monographs[snap.id].origin}")
    version.monographs[snap.id] = snap


def read_version(spec: str | None, repo: Path | None = None, drug: str | None = None) -> Version:
    """Read OLD or NEW: a file, a directory, a git revision, or (None) the working tree."""
    if spec is None:
        directory = _toplevel(repo) / MONOGRAPH_SUBDIR if repo else MONOGRAPH_DIR
        label, path = "working tree", directory
    else:
        label, path = spec, Path(spec)
    if path.is_file():
        paths = [path]
    elif path.is_dir():
        paths = monograph_paths(path)
        if not paths:
            raise DiffInputError(f"no monograph files in {path}")
        paths = [p for p in paths if drug is None or p.stem == drug]
    elif spec is None:
        raise DiffInputError(f"no monograph directory {path}")
    else:
        return _read_revision(spec, repo, drug)
    version = Version(label, {})
    for p in paths:
        _keep(version, _read_file(p))
    return version


# --- comparing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One line of the report.

    ``what`` is drug, source, item, table, red_flag, urgency, pattern, row or fact; ``name``
    what the line is about (a fact's text, a source id, an effect, a pattern); ``old`` and
    ``new`` its values on each side; ``moved_from`` the place a moved fact left.
    """

    kind: Kind
    what: str
    place: str
    name: str
    old: dict[str, Any] | None = None
    new: dict[str, Any] | None = None
    moved_from: str | None = None

    @property
    def fields(self) -> dict[str, tuple[Any, Any]]:
        """The fields whose value differs, old and new."""
        if self.old is None or self.new is None:
            return {}
        return {k: (self.old.get(k), v) for k, v in self.new.items() if self.old.get(k) != v}

    def to_json(self) -> dict[str, Any]:
        """The change as a JSON object (``fields`` as [old, new] pairs)."""
        return {
            "kind": self.kind,
            "what": self.what,
            "place": self.place,
            "name": self.name,
            "old": self.old,
            "new": self.new,
            "fields": {k: list(v) for k, v in self.fields.items()},
            "moved_from": self.moved_from,
        }


@dataclass
class DrugDiff:
    """The changes of one drug, sources first, then by place in file order."""

    id: str
    status: Status
    changes: list[Change]


@dataclass
class Report:
    """The whole comparison."""

    old: Version
    new: Version
    drugs: list[DrugDiff]

    def counts(self) -> dict[str, int]:
        """How many changes of each kind."""
        every = [c.kind for d in self.drugs for c in d.changes]
        return {kind: every.count(kind) for kind in KINDS}


def _pair_facts(old: list[PlacedFact], new: list[PlacedFact]) -> Iterator[tuple[int, Change]]:
    """Fact changes with their position in the place they are listed under."""
    left_old, left_new = set(range(len(old))), set(range(len(new)))

    def changed(i: int, j: int) -> Change:
        o, n = old[i], new[j]
        left_old.discard(i)
        left_new.discard(j)
        if o.place != n.place:
            return Change("moved", "fact", n.place, n.fact["text"], o.fact, n.fact, moved_from=o.place)
        return Change("changed", "fact", n.place, n.fact["text"], o.fact, n.fact)

    def same_text(i: int, same_place: bool) -> int | None:
        for j in sorted(left_new):
            if new[j].fact["text"] == old[i].fact["text"] and (new[j].place == old[i].place) == same_place:
                return j
        return None

    # the same text in the same place, then the same text in another place (a move)
    for same_place in (True, False):
        for i in sorted(left_old):
            j = same_text(i, same_place)
            if j is not None:
                change = changed(i, j)
                if change.kind == "moved" or change.fields:
                    yield new[j].index, change
    # reworded facts in the same place, most similar pairs first
    pairs = sorted(
        (-difflib.SequenceMatcher(None, old[i].fact["text"], new[j].fact["text"]).ratio(), i, j)
        for i in left_old
        for j in left_new
        if old[i].place == new[j].place
    )
    for ratio, i, j in pairs:
        if -ratio >= SIMILAR and i in left_old and j in left_new:
            yield new[j].index, changed(i, j)
    for j in sorted(left_new):
        yield new[j].index, Change("added", "fact", new[j].place, new[j].fact["text"], None, new[j].fact)
    for i in sorted(left_old):
        yield old[i].index, Change("removed", "fact", old[i].place, old[i].fact["text"], old[i].fact, None)


def _keyed(
    what: str, place: str, old: Mapping[str, dict[str, Any]], new: Mapping[str, dict[str, Any]]
) -> Iterator[Change]:
    """Added, removed and changed entries of two mappings by key (sources, table rows)."""
    for key, value in new.items():
        if key not in old:
            yield Change("added", what, place, key, None, value)
        elif old[key] != value:
            yield Change("changed", what, place, key, old[key], value)
    for key, value in old.items():
        if key not in new:
            yield Change("removed", what, place, key, value, None)


def _place_changes(place: str, old: Snapshot, new: Snapshot) -> Iterator[Change]:
    """Changes of the place itself: an item, table or red flag added or removed, and its parts."""
    if place in old.items or place in new.items:
        if place not in old.items:
            yield Change("added", "item", place, new.items[place])
        elif place not in new.items:
            yield Change("removed", "item", place, old.items[place])
    if place in old.tables or place in new.tables:
        before, after = old.tables.get(place), new.tables.get(place)
        if before is None or after is None:
            table = after or before
            assert table is not None
            yield Change("added" if after else "removed", "table", place, table.title)
        elif before.citation != after.citation:
            yield Change("changed", "table", place, after.title, before.citation, after.citation)
        yield from _keyed("row", place, before.rows if before else {}, after.rows if after else {})
    if place in old.flags or place in new.flags:
        was, now = old.flags.get(place), new.flags.get(place)
        if was is None or now is None:
            flag = now or was
            assert flag is not None
            yield Change("added" if now else "removed", "red_flag", place, f"{flag.title} ({flag.urgency})")
        elif was.urgency != now.urgency:
            urgency = ({"urgency": was.urgency}, {"urgency": now.urgency})
            yield Change("changed", "urgency", place, now.title, *urgency)
        before_p, after_p = was.patterns if was else [], now.patterns if now else []
        for pattern in after_p:
            if pattern not in before_p:
                yield Change("added", "pattern", place, pattern)
        for pattern in before_p:
            if pattern not in after_p:
                yield Change("removed", "pattern", place, pattern)


def compare_drug(old: Snapshot, new: Snapshot) -> list[Change]:
    """Every change between two versions of one drug's monograph."""
    changes = list(_keyed("source", "sources", old.sources, new.sources))
    facts: dict[str, list[tuple[int, Change]]] = {}
    for index, change in _pair_facts(old.facts, new.facts):
        facts.setdefault(change.place, []).append((index, change))
    places = list(dict.fromkeys(new.places + old.places))
    for place in places:
        changes.extend(_place_changes(place, old, new))
        changes.extend(c for _, c in sorted(facts.get(place, []), key=lambda ic: ic[0]))
    return changes


def compare(old: Version, new: Version, drug: str | None = None) -> Report:
    """Compare two versions drug by drug (matched by id); ``drug`` restricts to one."""
    ids = sorted(set(old.monographs) | set(new.monographs))
    if drug is not None:
        if drug not in ids:
            raise DiffInputError(f"drug '{drug}' is in neither {old.label} nor {new.label}")
        ids = [drug]
    drugs = []
    for did in ids:
        was, now = old.monographs.get(did), new.monographs.get(did)
        changes = compare_drug(was or Snapshot(did, ""), now or Snapshot(did, ""))
        status: Status = "changed" if changes else "unchanged"
        if was is None or now is None:
            status = "added" if now else "removed"
            changes.insert(0, Change(status, "drug", "", did))
        drugs.append(DrugDiff(did, status, changes))
    return Report(old, new, drugs)


# --- showing ----------------------------------------------------------------------------


def citation(fact: Mapping[str, Any]) -> str:
    """A fact's citation as editors read it: ``(us_pi, section 5.1, Table 4)``."""
    parts = [str(fact.get("source")), f"section {fact.get('section')}"]
    if fact.get("section_inferred"):
        parts[-1] += " inferred"
    if fact.get("table"):
        parts.append(str(fact["table"]))
    if fact.get("certainty") not in (None, "label"):
        parts.append(str(fact["certainty"]))
    if fact.get("checked_against"):
        parts.append(f"checked against {fact['checked_against']}")
    return f"({', '.join(parts)})"


def _number(value: Any) -> str:
    return "none" if value is None else str(value)


def _field_list(change: Change, skip: tuple[str, ...] = ()) -> str:
    return ", ".join(
        f"{k} {_number(a)} -> {_number(b)}" for k, (a, b) in change.fields.items() if k not in skip
    )


def _lines(change: Change) -> list[str]:
    mark = MARK[change.kind]
    if change.what == "fact":
        fact = change.new or change.old or {}
        if change.kind == "changed" and change.old and change.new and "text" in change.fields:
            return [
                f"{mark} {change.old['text']} {citation(change.old)}",
                f"  -> {change.new['text']} {citation(change.new)}",
            ]
        lines = [f"{mark} {fact['text']} {citation(fact)}"]
        if change.moved_from:
            lines.append(f"    moved from {change.moved_from}")
        if change.fields:
            lines.append(f"    {_field_list(change, skip=('text',))}")
        return lines
    if change.what == "drug":
        return [f"{mark} drug {change.kind}"]
    if change.what == "row" and change.kind != "changed":
        values = change.new or change.old or {}
        return [f"{mark} {change.name}: " + ", ".join(f"{k} {_number(values[k])}" for k in ROW_FIELDS)]
    if change.what == "source" and change.kind != "changed":
        values = change.new or change.old or {}
        return [f"{mark} source {change.name}: " + ", ".join(f"{k} {v}" for k, v in values.items() if v)]
    if change.what == "pattern":
        return [f'{mark} pattern "{change.name}"']
    if change.what == "urgency":
        return [f"{mark} {_field_list(change)}"]
    if change.kind == "changed":
        label = "" if change.what == "row" else f"{change.what} "
        return [f"{mark} {label}{change.name}: {_field_list(change)}"]
    return [f"{mark} {change.what.replace('_', ' ')} {change.name}"]


def format_text(report: Report) -> str:
    """The report as text: drug, then place, one ``+ - ~ >`` line per change, then totals."""
    out = [
        f"old: {report.old.label} ({len(report.old.monographs)} monographs)",
        f"new: {report.new.label} ({len(report.new.monographs)} monographs)",
        "",
    ]
    for drug in report.drugs:
        if not drug.changes:
            out.append(f"= {drug.id}: no changes")
            continue
        out.append(drug.id)
        place = None
        for change in drug.changes:
            if change.place and change.place != place:
                place = change.place
                out.append(f"  {place}")
            out.extend(("    " if change.place else "  ") + line for line in _lines(change))
    counts = report.counts()
    out += ["", ", ".join(f"{counts[kind]} {kind}" for kind in KINDS)]
    return "\n".join(out)


def to_json(report: Report) -> dict[str, Any]:
    """The report as a JSON object with the same content as the text."""
    return {
        "old": report.old.label,
        "new": report.new.label,
        "warnings": report.old.warnings + report.new.warnings,
        "drugs": [
            {"id": d.id, "status": d.status, "changes": [c.to_json() for c in d.changes]}
            for d in report.drugs
        ],
        "summary": report.counts(),
    }

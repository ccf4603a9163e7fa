"""Conversation test cases: the YAML format, loading it, and refusing malformed cases.

Owns the case format (see docs/testers.md). A file holds::

    test_cases:
      - test_case: infusion reactions, with numbers
        metadata: {drug: ocrelizumab}        # optional, sent with the first message
        skip: "needs the handoff form"       # optional: reported as skipped, not played
        steps:
          - user: "how common r infusion reactions"
          - bot_matches: "34-40%"
          - cites: "5.1"
          - disclaimer: true

Every problem is reported as a :class:`CaseFileError` naming the file, line, case and
step at fault, and all problems of all files are collected before anything is played.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.convtest.domain import Domain

#: a ticket reference as the bot shows it: MC- and five characters without 0/O, 1/I/L, U
DEFAULT_TICKET_REGEX = r"\bMC-[2-9A-HJKMNP-TV-Z]{5}\b"

#: step keys and what their value must be (for error messages)
STEP_KEYS: dict[str, str] = {
    "user": "the patient's message (a string)",
    "bot": "the exact text of one bot message (a string)",
    "utter": "the name of a response in the domain (e.g. utter_greet)",
    "slot_was_set": "a list of slot names or {slot: value} mappings",
    "bot_matches": "a regular expression some bot message of the turn matches",
    "no_text": "a regular expression no bot message of the turn may match",
    "disclaimer": "true (last message of the turn contains 'physician') or false (no message does)",
    "cites": 'a label section such as "5.1", or a list of them',
    "urgent": "true (the turn has a red-flag reply) or false (it has none)",
    "ticket_filed": "true, false, or {reference_regex: REGEX}",
}
CASE_KEYS = {"test_case", "steps", "metadata", "skip", "description"}
#: slots Rasa keeps without the domain declaring them
RASA_SLOTS = frozenset({"requested_slot", "session_started_metadata"})
ANY_VALUE: Any = object()  # slot_was_set with a bare slot name: any value but None


class CaseFileError(ValueError):
    """A case file that cannot be played; the message names file, line, case and step."""


@dataclass(frozen=True)
class Step:
    """One step of a case, its value already checked and normalised."""

    kind: str
    value: Any
    raw: Any
    index: int  # 1-based position in the case's steps
    line: int | None = None

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    def describe(self) -> str:
        """The step on one line, its value as JSON: 'cites: "5.1"', 'disclaimer: true'."""
        return f"{self.kind}: {json.dumps(self.raw, ensure_ascii=False)}"


@dataclass(frozen=True)
class Case:
    """A conversation to play in a fresh session, and what to check on the way."""

    name: str
    file: Path
    steps: list[Step]
    metadata: dict[str, Any] = field(default_factory=dict)
    skip: str | None = None
    description: str = ""
    line: int | None = None

    @property
    def topic(self) -> str:
        """The file's stem: 'ocrelizumab_dosing'."""
        return self.file.stem

    @property
    def id(self) -> str:
        """'ocrelizumab_dosing.yml::missed infusion' (what -k matches against)."""
        return f"{self.file.name}::{self.name}"


# --- YAML with line numbers ------------------------------------------------------------


class _LineDict(dict[Any, Any]):
    line: int | None = None


class _LineLoader(yaml.SafeLoader):
    """SafeLoader whose mappings remember the line they start on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> _LineDict:
    loader.flatten_mapping(node)
    mapping = _LineDict(loader.construct_pairs(node, deep=True))
    mapping.line = node.start_mark.line + 1
    keys = [loader.construct_object(k, deep=True) for k, _ in node.value]
    duplicates = sorted({str(k) for k in keys if keys.count(k) > 1})
    if duplicates:
        raise yaml.constructor.ConstructorError(
            None, None, f"duplicate key(s) {', '.join(duplicates)} in one mapping", node.start_mark
        )
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _line(obj: Any) -> int | None:
    return getattr(obj, "line", None)


# --- validation ------------------------------------------------------------------------


class _Problems:
    """Collects problems of one file, each with where it is."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.messages: list[str] = []

    def add(
        self, message: str, line: int | None = None, case: str | None = None, step: int | None = None
    ) -> None:
        where = f"{self.path}:{line}" if line else str(self.path)
        if case is not None:
            where += f": case {case!r}"
        if step is not None:
            where += f", step {step}"
        self.messages.append(f"{where}: {message}")


def _compile(pattern: Any, what: str) -> re.Pattern[str]:
    if not isinstance(pattern, str) or not pattern:
        raise ValueError(f"{what} must be a non-empty regular expression (a string), got {pattern!r}")
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"{what}: invalid regular expression {pattern!r}: {exc}") from exc


def _bool(value: Any, key: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{key} must be true or false, got {value!r}")
    return value


def _section(value: Any) -> str:
    if isinstance(value, (bool, float)):
        raise ValueError(f'cites: write the section in quotes (cites: "{value}"), so 5.10 stays 5.10')
    if isinstance(value, int):
        return str(value)
    if not isinstance(value, str) or not re.fullmatch(r"\d+(\.\d+)*", value.strip()):
        raise ValueError(f'cites: a label section looks like "5.1" or "8", got {value!r}')
    return value.strip()


def _step_value(kind: str, value: Any, domain: Domain | None) -> Any:
    """Check and normalise one step's value; ValueError says what is wrong."""
    if kind in ("user", "bot"):
        if not isinstance(value, str) or not value.strip():
            raise ValueError(f"{kind} must be {STEP_KEYS[kind]}, got {value!r}")
        return value
    if kind == "utter":
        if not isinstance(value, str) or not value:
            raise ValueError(f"utter must be {STEP_KEYS['utter']}, got {value!r}")
        if domain is not None and value not in domain.responses:
            near = domain.similar_responses(value)
            hint = f" (did you mean {', '.join(near)}?)" if near else ""
            raise ValueError(f"utter: the domain has no response {value!r}{hint}")
        return value
    if kind == "slot_was_set":
        items = value if isinstance(value, list) else [value]
        slots: list[tuple[str, Any]] = []
        for item in items:
            if isinstance(item, str):
                slots.append((item, ANY_VALUE))
            elif isinstance(item, dict) and len(item) == 1:
                ((name, slot_value),) = item.items()
                slots.append((str(name), slot_value))
            else:
                raise ValueError(f"slot_was_set must be {STEP_KEYS['slot_was_set']}, got {item!r}")
        if not slots:
            raise ValueError("slot_was_set lists no slot")
        if domain is not None:
            unknown = [name for name, _ in slots if name not in domain.slots | RASA_SLOTS]
            if unknown:
                raise ValueError(f"slot_was_set: the domain has no slot {', '.join(map(repr, unknown))}")
        return slots
    if kind in ("bot_matches", "no_text"):
        return _compile(value, kind)
    if kind in ("disclaimer", "urgent"):
        return _bool(value, kind)
    if kind == "cites":
        sections = value if isinstance(value, list) else [value]
        if not sections:
            raise ValueError("cites lists no section")
        return tuple(_section(s) for s in sections)
    if kind == "ticket_filed":
        if isinstance(value, bool):
            return (value, re.compile(DEFAULT_TICKET_REGEX))
        if isinstance(value, dict) and set(value) == {"reference_regex"}:
            return (True, _compile(value["reference_regex"], "ticket_filed.reference_regex"))
        raise ValueError(f"ticket_filed must be {STEP_KEYS['ticket_filed']}, got {value!r}")
    raise AssertionError(kind)  # pragma: no cover (kind comes from STEP_KEYS)


def _parse_case(raw: Any, path: Path, number: int, domain: Domain | None, problems: _Problems) -> Case | None:
    if not isinstance(raw, dict):
        problems.add(f"test case #{number} must be a mapping with test_case and steps, got {raw!r}")
        return None
    line = _line(raw)
    name = raw.get("test_case")
    if not isinstance(name, str) or not name.strip():
        problems.add(f"test case #{number} needs a name: '- test_case: <name>'", line)
        return None
    name = name.strip()
    before = len(problems.messages)
    for key in sorted(set(raw) - CASE_KEYS):
        problems.add(f"unknown key {key!r} (a case has: {', '.join(sorted(CASE_KEYS))})", line, name)
    metadata = raw.get("metadata") or {}
    if not isinstance(metadata, dict):
        problems.add(
            f"metadata must be a mapping such as {{drug: ocrelizumab}}, got {metadata!r}", line, name
        )
        metadata = {}
    skip = raw.get("skip")
    if skip is not None and (not isinstance(skip, str) or not skip.strip()):
        problems.add('skip must say why, e.g. skip: "needs the handoff form"', line, name)
        skip = None
    description = raw.get("description") or ""
    if not isinstance(description, str):
        problems.add("description must be a string", line, name)
        description = ""
    raw_steps = raw.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        problems.add("steps must be a non-empty list", line, name)
        raw_steps = []
    steps: list[Step] = []
    for index, raw_step in enumerate(raw_steps, start=1):
        step_line = _line(raw_step) or line
        if not isinstance(raw_step, dict) or len(raw_step) != 1:
            problems.add(
                f"a step is one 'key: value' pair (keys: {', '.join(STEP_KEYS)}), got {raw_step!r}",
                step_line,
                name,
                index,
            )
            continue
        ((kind, value),) = raw_step.items()
        if kind not in STEP_KEYS:
            problems.add(
                f"unknown step key {kind!r}; known keys: {', '.join(STEP_KEYS)}", step_line, name, index
            )
            continue
        if kind != "user" and not any(s.is_user for s in steps):
            problems.add(
                f"{kind} comes before any user step: bot-side steps check the replies to "
                "the most recent user message",
                step_line,
                name,
                index,
            )
            continue
        try:
            normalised = _step_value(kind, value, domain)
        except ValueError as exc:
            problems.add(str(exc), step_line, name, index)
            continue
        steps.append(Step(kind=kind, value=normalised, raw=value, index=index, line=step_line))
    if raw_steps and not any(isinstance(s, dict) and "user" in s for s in raw_steps):
        problems.add("a case needs at least one user step", line, name)
    if len(problems.messages) > before:
        return None
    return Case(
        name=name,
        file=path,
        steps=steps,
        metadata=dict(metadata),
        skip=skip,
        description=description,
        line=line,
    )


def load_file(path: Path, domain: Domain | None = None) -> list[Case]:
    """The cases of one file; CaseFileError lists every problem found in it."""
    problems = _Problems(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 (SafeLoader subclass)
    except OSError as exc:
        raise CaseFileError(f"{path}: cannot read: {exc}") from exc
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or "test_cases" not in data:
        raise CaseFileError(f"{path}: a case file is a mapping with a 'test_cases:' list")
    for key in sorted(set(data) - {"test_cases"}):
        problems.add(f"unknown top-level key {key!r} (only 'test_cases' is allowed)", _line(data))
    raw_cases = data["test_cases"]
    if not isinstance(raw_cases, list) or not raw_cases:
        problems.add("test_cases must be a non-empty list", _line(data))
        raw_cases = []
    cases: list[Case] = []
    seen: dict[str, int | None] = {}
    for number, raw in enumerate(raw_cases, start=1):
        case = _parse_case(raw, path, number, domain, problems)
        if case is None:
            continue
        if case.name in seen:
            problems.add(
                f"the name is used twice in this file (first on line {seen[case.name]})", case.line, case.name
            )
            continue
        seen[case.name] = case.line
        cases.append(case)
    if problems.messages:
        raise CaseFileError("\n".join(problems.messages))
    return cases


def find_files(paths: Iterable[Path]) -> list[Path]:
    """Case files under ``paths`` (files as given, directories searched for *.yml/*.yaml)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml") and p.is_file()))
        elif path.is_file():
            files.append(path)
        else:
            raise CaseFileError(f"{path}: no such file or directory")
    return list(dict.fromkeys(files))


def load_cases(paths: Iterable[Path], domain: Domain | None = None) -> list[Case]:
    """Every case of every file; CaseFileError lists every problem of every file."""
    paths = list(paths)
    cases: list[Case] = []
    errors: list[str] = []
    files = find_files(paths)
    if not files:
        raise CaseFileError("no case files (*.yml) found in " + ", ".join(str(p) for p in paths))
    for path in files:
        try:
            cases.extend(load_file(path, domain))
        except CaseFileError as exc:
            errors.append(str(exc))
    if errors:
        raise CaseFileError("\n".join(errors))
    return cases


def select_cases(cases: list[Case], keyword: str | None) -> list[Case]:
    """Cases whose 'file.yml::name' contains ``keyword`` (case-insensitive); all without one."""
    if not keyword:
        return cases
    needle = keyword.lower()
    return [c for c in cases if needle in c.id.lower()]

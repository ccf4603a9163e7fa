"""Reading monograph files from disk and validating them, with errors that name the field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable, Iterator, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from knowledge.errors import MonographError
from knowledge.schema import Fact, Monograph

MONOGRAPH_DIR = Path(__file__).parent / "monographs"
M = TypeVar("M", bound=BaseModel)


def _field_path(loc: Iterable[Any]) -> str:
    out = ""
    for part in loc:
        if part == "__root__":
            continue
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(file)"


def _facts_with_paths(mono: Monograph) -> Iterator[tuple[str, Fact]]:
    for name, topic in mono.topics.items():
        for i, fact in enumerate(topic.summary):
            yield f"topics.{name}.summary[{i}]", fact
        for j, item in enumerate(topic.items):
            for i, fact in enumerate(item.facts):
                yield f"topics.{name}.items[{j}].facts[{i}]", fact
    for j, flag in enumerate(mono.red_flags):
        for i, fact in enumerate(flag.facts):
            yield f"red_flags[{j}].facts[{i}]", fact


def _cross_check(mono: Monograph, stem: str) -> list[str]:
    problems = []
    if mono.id != stem:
        problems.append(f"id: '{mono.id}' must equal the file name '{stem}'")
    for path, fact in _facts_with_paths(mono):
        if fact.source not in mono.sources:
            problems.append(f"{path}.source: unknown source '{fact.source}' (known: {sorted(mono.sources)})")
    for j, table in enumerate(mono.adverse_reaction_tables):
        if table.source not in mono.sources:
            problems.append(f"adverse_reaction_tables[{j}].source: unknown source '{table.source}'")
    for name, topic in mono.topics.items():
        seen: set[str] = set()
        for j, item in enumerate(topic.items):
            if item.id in seen:
                problems.append(f"topics.{name}.items[{j}].id: duplicate id '{item.id}'")
            seen.add(item.id)
    ids = [f.id for f in mono.red_flags]
    for j, flag_id in enumerate(ids):
        if ids.index(flag_id) != j:
            problems.append(f"red_flags[{j}].id: duplicate id '{flag_id}'")
    return problems


def read_checked(path: Path, model: type[M]) -> M:
    """Read a YAML file into ``model``; raise MonographError naming every bad field."""
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MonographError(str(path), [f"cannot read YAML: {exc}"]) from exc
    if not isinstance(raw, dict):
        raise MonographError(str(path), ["(file): must be a mapping of fields"])
    try:
        return model.parse_obj(raw)
    except ValidationError as exc:
        problems = [f"{_field_path(e['loc'])}: {e['msg']}" for e in exc.errors()]
        raise MonographError(str(path), problems) from exc


def load_monograph(path: Path) -> Monograph:
    """Load and validate one file; raise MonographError naming every bad field."""
    mono = read_checked(path, Monograph)
    problems = _cross_check(mono, path.stem)
    if problems:
        raise MonographError(str(path), problems)
    return mono


def monograph_paths(directory: Path = MONOGRAPH_DIR) -> list[Path]:
    """Every monograph file in the directory, sorted so loading is deterministic."""
    return sorted(directory.glob("*.yml"))

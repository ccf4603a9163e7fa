"""Patient-facing building blocks: read from ``answer_templates`` in domain.yml, filled in here."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

DEFAULT_DOMAIN = Path(__file__).resolve().parents[1] / "domain.yml"


class MissingPhraseError(KeyError):
    """A template the code asks for is not in the domain's answer_templates."""


@lru_cache(maxsize=4)
def _templates(path: str) -> dict[str, list[dict[str, Any]]]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    templates = data.get("answer_templates") or {}
    if not isinstance(templates, dict):
        raise MissingPhraseError(f"{path}: answer_templates must be a mapping")
    return templates


def template(name: str) -> dict[str, Any]:
    """The first variation of template ``name`` (text and optional buttons)."""
    path = os.environ.get("DOMAIN_PATH", str(DEFAULT_DOMAIN))
    variations = _templates(path).get(name)
    if not variations:
        raise MissingPhraseError(f"{path}: answer_templates has no '{name}'")
    return variations[0]


def phrase(name: str, /, **values: Any) -> str:
    """Template ``name`` with its {placeholders} filled."""
    return str(template(name)["text"]).format(**values)


def buttons(name: str) -> list[dict[str, str]]:
    """The buttons of template ``name`` (may be empty)."""
    return list(template(name).get("buttons") or [])

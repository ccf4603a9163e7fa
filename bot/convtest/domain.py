"""What `utter:` and `slot_was_set:` steps are checked against: the domain's responses and slots.

A response's text may hold {placeholders} and have several variations; a bot message
matches the response when it equals any variation, each placeholder standing for any text.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

_PLACEHOLDER = re.compile(r"\{[^{}\s]+\}")


def variation_pattern(text: str) -> re.Pattern[str]:
    """A response text as a full-match pattern, '{drug_name}' matching any text."""
    parts = _PLACEHOLDER.split(text.strip())
    return re.compile("(?s)" + ".+?".join(re.escape(p) for p in parts))


@dataclass(frozen=True)
class Domain:
    """Responses (name -> variations) and slot names of a Rasa domain."""

    responses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    slots: frozenset[str] = frozenset()

    @classmethod
    def load(cls, path: Path) -> Domain:
        """A domain file, or a directory of domain files (merged)."""
        files = sorted(path.rglob("*.yml")) + sorted(path.rglob("*.yaml")) if path.is_dir() else [path]
        responses: dict[str, list[dict[str, Any]]] = {}
        slots: set[str] = set()
        for file in files:
            data = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
            for name, variations in (data.get("responses") or {}).items():
                responses.setdefault(str(name), []).extend(v for v in variations or [] if isinstance(v, dict))
            slots.update(str(name) for name in (data.get("slots") or {}))
        return cls(responses=responses, slots=frozenset(slots))

    def similar_responses(self, name: str) -> list[str]:
        return difflib.get_close_matches(name, list(self.responses), n=3, cutoff=0.6)

    def texts(self, name: str) -> list[str]:
        """The text of every variation of response ``name``."""
        return [str(v["text"]) for v in self.responses.get(name, []) if v.get("text")]

    def matches(self, name: str, message: dict[str, Any]) -> bool:
        """Whether one bot message is response ``name`` (any variation)."""
        text = str(message.get("text") or "").strip()
        for variation in self.responses.get(name, []):
            if variation.get("text"):
                matched = bool(text) and variation_pattern(str(variation["text"])).fullmatch(text) is not None
            else:
                matched = any(
                    key in variation and message.get(key) == variation[key] for key in ("custom", "image")
                )
            if matched:
                return True
        return False

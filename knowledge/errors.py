"""Exceptions raised by the knowledge base.

KnowledgeError
 +-- MonographError   a monograph file is unreadable or invalid (names file and field)
"""

from __future__ import annotations


class KnowledgeError(Exception):
    """Base class of every knowledge-base error."""


class MonographError(KnowledgeError):
    """A monograph file cannot be used; the message names the file and the field."""

    def __init__(self, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"{path}: {len(problems)} problem(s)\n{lines}")

"""The action server's one knowledge base, loaded on first use (never at import time)."""

from __future__ import annotations

from functools import lru_cache

from knowledge import KnowledgeBase


@lru_cache(maxsize=1)
def knowledge_base() -> KnowledgeBase:
    """Load every monograph once per process."""
    return KnowledgeBase.load()

"""Drug monographs: loading, validation and queries. Plain Python, no Rasa imports.

Public API: ``KnowledgeBase`` (load, find a drug), ``select`` (facts for a question),
``cite`` / ``format_citation`` (how a source is shown), the schema models and errors.
"""

from knowledge.answers import Selection, TableHit, select
from knowledge.base import KnowledgeBase
from knowledge.citation import cite, format_citation
from knowledge.errors import KnowledgeError, MonographError
from knowledge.loader import MONOGRAPH_DIR, load_monograph
from knowledge.schema import TOPICS, Fact, Monograph

__all__ = [
    "MONOGRAPH_DIR",
    "TOPICS",
    "Fact",
    "KnowledgeBase",
    "KnowledgeError",
    "Monograph",
    "MonographError",
    "Selection",
    "TableHit",
    "cite",
    "format_citation",
    "load_monograph",
    "select",
]

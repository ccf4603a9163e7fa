"""Ticket references: short, human-readable, unambiguous when read out on the phone.

Owns the format ``MC-XXXXX``: five characters from an alphabet without 0/O, 1/I/L and U,
drawn with ``secrets`` (30**5, about 24 million references; collisions are retried by
the repository's unique constraint).
"""

from __future__ import annotations

import re
import secrets

PREFIX = "MC-"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 5

_PATTERN = re.compile(rf"^{PREFIX}[{ALPHABET}]{{{LENGTH}}}$")


def new_reference() -> str:
    """A fresh random reference such as ``MC-7K3Q9``."""
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalize_reference(text: str) -> str:
    """The reference a person typed, upper-cased, with any separator fixed.

    ``mc-7k3q9``, ``MC 7K3Q9`` and ``7K3Q9`` all give ``MC-7K3Q9``.
    """
    cleaned = "".join(ch for ch in text.upper() if ch.isalnum())
    if cleaned.startswith("MC") and len(cleaned) == len(PREFIX) - 1 + LENGTH:
        cleaned = cleaned[2:]
    return PREFIX + cleaned


def is_reference(text: str) -> bool:
    """Whether ``text`` is a well-formed reference."""
    return bool(_PATTERN.match(text))

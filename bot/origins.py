"""Which web origins may open the chat: one reading of ``ALLOWED_ORIGINS`` for every server.

An entry is an exact origin (``https://pharmacy.example``), ``*`` (any origin; refused in
production by :mod:`bot.settings`), or an origin with any port (``http://127.0.0.1:*``, for
development and tests, where the demo page runs on a port chosen at start).
"""

from __future__ import annotations

import re
from collections.abc import Iterable


def pattern(entry: str) -> str:
    """The anchored regular expression matching origin ``entry``."""
    if entry == "*":
        return r"^.*$"
    if entry.endswith(":*"):
        return "^" + re.escape(entry[:-2]) + r":\d{1,5}$"
    return "^" + re.escape(entry) + "$"


def cors_origin(entry: str) -> str:
    """``entry`` as sanic-cors reads it (``rasa run --cors``): exact origins stay strings,
    an any-port entry becomes a regular expression (with a backslash, so it reads as one)."""
    return pattern(entry) if entry.endswith(":*") else entry


def origin_allowed(origin: str | None, allowed: Iterable[str]) -> bool:
    """Whether a request with this ``Origin`` header may connect (no header: not a browser)."""
    if not origin:
        return True
    return any(re.match(pattern(entry), origin, flags=re.IGNORECASE) for entry in allowed)

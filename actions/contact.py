"""Checking what a patient types into the handoff form: names, email addresses, phone numbers."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_PHONE = re.compile(r"^\+?[0-9()./\s-]{6,25}$")
_NOT_NAMES = {"hi", "hello", "hey", "yes", "no", "ok", "okay", "skip", "thanks", "thank you", "none"}
#: words that make a message a question or a sentence, not a name
_NOT_IN_NAMES = {
    "how",
    "what",
    "when",
    "why",
    "where",
    "which",
    "who",
    "can",
    "could",
    "does",
    "do",
    "is",
    "are",
    "should",
    "will",
    "would",
    "my",
    "the",
    "it",
    "i",
    "me",
    "wait",
    "please",
    "about",
    "side",
    "dose",
}
MAX_NAME_WORDS = 5


def clean_name(text: str) -> str | None:
    """A plausible name (letters, spaces, hyphens, apostrophes; 1-80 chars) or None."""
    name = " ".join(text.strip().split())
    for prefix in ("my name is ", "i am ", "i'm ", "im ", "this is ", "name: ", "its ", "it's "):
        if name.lower().startswith(prefix):
            name = name[len(prefix) :]
    if not name or len(name) > 80 or name.lower() in _NOT_NAMES or "?" in name:
        return None
    words = name.lower().replace(",", " ").split()
    if len(words) > MAX_NAME_WORDS or any(w in _NOT_IN_NAMES for w in words):
        return None
    if any(ch.isdigit() for ch in name) or "@" in name or not any(ch.isalpha() for ch in name):
        return None
    return name


def parse_contact(text: str) -> tuple[str | None, str | None]:
    """(email, phone) found in what the patient typed; (None, None) if neither is valid."""
    candidate = text.strip().strip(".,;")
    for token in candidate.replace(",", " ").split():
        token = token.strip(".,;<>()")
        if "@" in token:
            return (token, None) if _EMAIL.match(token) else (None, None)
    digits = re.sub(r"[^0-9]", "", candidate)
    phone_part = re.sub(r"^(my )?(phone|number|mobile|cell|tel)[a-z ]*[:\s]+", "", candidate.lower()).strip()
    if _PHONE.match(phone_part) and 7 <= len(digits) <= 15:
        return None, phone_part
    return None, None

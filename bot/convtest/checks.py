"""Checking the bot's replies to one user message against one bot-side step.

Pure functions over plain data (the REST channel's list of messages and, for
`slot_was_set`, the tracker's slots after the turn), so they are tested without a bot.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from bot.chat_input import is_urgent as carries_urgent_marker
from bot.convtest.cases import ANY_VALUE, DEFAULT_TICKET_REGEX, Step
from bot.convtest.domain import Domain

DISCLAIMER_WORD = re.compile(r"physician", re.IGNORECASE)
_TICKET = re.compile(DEFAULT_TICKET_REGEX)
_CITED_SECTION = re.compile(r"\bsection (\d+(?:\.\d+)*)")


@dataclass
class Turn:
    """One user message and everything the bot answered to it."""

    user: str
    replies: list[dict[str, Any]] = field(default_factory=list)
    slots: dict[str, Any] | None = None  # fetched after the turn when a step needs them
    slots_error: str | None = None


@dataclass(frozen=True)
class Outcome:
    """Whether a step held; what it expected and, when useful, what was found instead."""

    ok: bool
    expected: str
    actual: str = ""


def text(message: dict[str, Any]) -> str:
    return str(message.get("text") or "")


def is_urgent(message: dict[str, Any]) -> bool:
    """A red-flag reply: its ``custom`` payload says ``"urgent": true``, or its text starts with URGENT."""
    return carries_urgent_marker(message) or text(message).lstrip().startswith("URGENT")


def cites_section(message: dict[str, Any], section: str) -> bool:
    """Whether the message cites label section ``section`` ("5.1" is not "5.10" nor "5")."""
    return re.search(rf"\bsection {re.escape(section)}(?!\.?\d)", text(message)) is not None


def _quote(value: str, limit: int = 160) -> str:
    one_line = " ".join(value.split())
    return json.dumps(one_line if len(one_line) <= limit else one_line[: limit - 1] + "…", ensure_ascii=False)


def _closest(expected: str, replies: list[dict[str, Any]]) -> str:
    """Where the reply most like ``expected`` first differs from it."""
    texts = [text(m).strip() for m in replies if text(m).strip()]
    if not texts:
        return "the bot sent no text"
    best = max(texts, key=lambda t: difflib.SequenceMatcher(None, t, expected.strip()).ratio())
    index = texts.index(best) + 1
    want = expected.strip()
    pos = next(
        (i for i, (a, b) in enumerate(zip(best, want, strict=False)) if a != b), min(len(best), len(want))
    )
    return (
        f"closest is message {index}, which differs from character {pos + 1}: "
        f"expected …{_quote(want[pos : pos + 60])}, got …{_quote(best[pos : pos + 60])}"
    )


def _first_match(pattern: re.Pattern[str], replies: list[dict[str, Any]]) -> str:
    for number, message in enumerate(replies, start=1):
        found = pattern.search(text(message))
        if found:
            start = max(found.start() - 40, 0)
            return f"message {number} matches: …{_quote(text(message)[start : found.end() + 40])}"
    return ""


def check(step: Step, turn: Turn, domain: Domain) -> Outcome:
    """Evaluate one bot-side step against the replies of the turn it follows."""
    replies = turn.replies
    texts = [text(m) for m in replies]
    kind, value = step.kind, step.value
    if kind == "bot":
        ok = any(t.strip() == value.strip() for t in texts)
        return Outcome(ok, f"a message exactly {_quote(value, 400)}", "" if ok else _closest(value, replies))
    if kind == "utter":
        variations = domain.texts(value) or ["(a response without text)"]
        shown = " | ".join(_quote(v, 200) for v in variations)
        ok = any(domain.matches(value, m) for m in replies)
        return Outcome(
            ok,
            f"a message that is {value}: {shown}",
            "" if ok or not domain.texts(value) else _closest(domain.texts(value)[0], replies),
        )
    if kind == "slot_was_set":
        if turn.slots is None:
            return Outcome(
                False, "slots " + _slots_text(value), f"could not read the tracker: {turn.slots_error}"
            )
        wrong = []
        for name, want in value:
            have = turn.slots.get(name)
            if (want is ANY_VALUE and have is None) or (want is not ANY_VALUE and have != want):
                wrong.append(f"{name} = {json.dumps(have)}")
        return Outcome(not wrong, "slots " + _slots_text(value), "slots after the turn: " + ", ".join(wrong))
    if kind == "bot_matches":
        ok = any(value.search(t) for t in texts)
        return Outcome(ok, f"a message matching /{value.pattern}/", "" if ok else "no message matches")
    if kind == "no_text":
        hit = _first_match(value, replies)
        return Outcome(not hit, f"no message matching /{value.pattern}/", hit)
    if kind == "disclaimer":
        if value:
            last = texts[-1] if texts else ""
            ok = bool(DISCLAIMER_WORD.search(last))
            actual = "" if ok else (f"last message is {_quote(last)}" if replies else "the bot sent nothing")
            return Outcome(
                ok, 'the last message of the turn is the disclaimer (contains "physician")', actual
            )
        hit = _first_match(DISCLAIMER_WORD, replies)
        return Outcome(not hit, 'no disclaimer (no message contains "physician")', hit)
    if kind == "cites":
        missing = [s for s in value if not any(cites_section(m, s) for m in replies)]
        cited = sorted({s for t in texts for s in _CITED_SECTION.findall(t)}, key=_section_key)
        return Outcome(
            not missing,
            "citations of label section " + ", ".join(value),
            f"missing section {', '.join(missing)}; sections cited: {', '.join(cited) or 'none'}",
        )
    if kind == "urgent":
        urgent = [n for n, m in enumerate(replies, start=1) if is_urgent(m)]
        if value:
            return Outcome(
                bool(urgent),
                'a red-flag reply (custom payload "urgent": true, or text starting URGENT)',
                "no message is marked urgent",
            )
        return Outcome(
            not urgent, "no red-flag reply", f"message {', '.join(map(str, urgent))} is marked urgent"
        )
    if kind == "ticket_filed":
        want, pattern = value
        if want:
            ok = any(pattern.search(t) for t in texts)
            return Outcome(
                ok, f"a ticket reference matching /{pattern.pattern}/", "" if ok else "no reference"
            )
        hit = _first_match(_TICKET, replies)
        return Outcome(not hit, "no ticket reference", hit)
    raise AssertionError(f"not a bot-side step: {kind}")  # pragma: no cover


def _slots_text(slots: list[tuple[str, Any]]) -> str:
    return ", ".join(f"{n} set" if v is ANY_VALUE else f"{n} = {json.dumps(v)}" for n, v in slots)


def _section_key(section: str) -> tuple[int, ...]:
    return tuple(int(p) for p in section.split("."))


def format_replies(replies: list[dict[str, Any]], indent: str = "  ") -> str:
    """The bot's messages, numbered, with buttons and custom payloads, for the console."""
    if not replies:
        return f"{indent}(no reply)"
    lines = []
    for number, message in enumerate(replies, start=1):
        prefix = f"{indent}{number}. "
        body = text(message).splitlines() or [""]
        lines.append(prefix + body[0])
        lines.extend(" " * len(prefix) + line for line in body[1:])
        for button in message.get("buttons") or []:
            lines.append(" " * len(prefix) + f"[button: {button.get('title')} -> {button.get('payload')}]")
        if "custom" in message:
            lines.append(" " * len(prefix) + "custom: " + json.dumps(message["custom"], ensure_ascii=False))
        if "image" in message:
            lines.append(" " * len(prefix) + f"image: {message['image']}")
    return "\n".join(lines)

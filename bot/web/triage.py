"""What the inbox shows a consultant to triage a ticket, computed from the stored ticket.

Owns :func:`render_markdown` (the bot's messages: HTML-escaped first, then only bullets,
paragraphs, line breaks, **strong** and *emphasis*; never raw HTML, links or images),
:func:`patient_text` (a button the patient pressed shown by its title), :func:`red_flag`
(the urgent reply of the conversation, why it was urgent, and which turn to jump to) and
:func:`age` / :func:`is_overdue` (how long a ticket has waited, and whether that is past
``TICKET_OVERDUE_AFTER``).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from markupsafe import Markup, escape

from bot.tickets.drafts import TranscriptEntry
from bot.tickets.records import TicketRecord

# Open tickets the pharmacy owes an answer (waiting for the patient: the patient owes one).
OVERDUE_STATUSES = ("new", "claimed")

URGENCY_LABELS = {
    "poisoning": "Possible poisoning: Poison Control now",
    "crisis": "Crisis: help is needed now",
    "emergency": "Emergency: the patient was told to call emergency services",
    "same_day": "See a doctor today",
}
# What a raw payload said, for transcripts kept before button titles were recorded.
PAYLOAD_LABELS = {
    "affirm": "Yes",
    "deny": "No",
    "greet": "Opened the chat",
    "restart": "Restarted the conversation",
    "request_consultant": "Talk to a consultant",
    "ask_side_effects": "Side effects",
    "ask_dosing": "Dose and schedule",
    "ask_administration": "How it is given",
    "ask_pregnancy": "Pregnancy and breastfeeding",
}

_BULLET = re.compile(r"^\s*[-*\u2022]\s+(.*)$")
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![*\w])\*(?=[^\s*])([^*\n]+?)(?<=[^\s*])\*(?![*\w])")
_UNDERSCORE = re.compile(r"(?<![_\w])_(?=[^\s_])([^_\n]+?)(?<=[^\s_])_(?![_\w])")
_CONCERNS = re.compile(r"what you describe \(([^)]{1,200})\)")
_PAYLOAD = re.compile(r"^/([A-Za-z0-9_]+)(\{.*\})?$", re.S)


def render_markdown(text: str) -> Markup:
    """The bot's message as safe HTML: escaped, then bullets, paragraphs and emphasis."""
    blocks: list[str] = []
    paragraph: list[str] = []
    bullets: list[str] = []

    def flush() -> None:
        if paragraph:
            blocks.append("<p>" + "<br>".join(paragraph) + "</p>")
            paragraph.clear()
        if bullets:
            blocks.append("<ul>" + "".join(f"<li>{item}</li>" for item in bullets) + "</ul>")
            bullets.clear()

    for line in str(text).splitlines():
        bullet = _BULLET.match(line)
        if bullet:
            if paragraph:
                flush()
            bullets.append(_inline(bullet.group(1)))
        elif not line.strip():
            flush()
        else:
            if bullets:
                flush()
            paragraph.append(_inline(line.strip()))
    flush()
    return Markup("".join(blocks))


def _inline(text: str) -> str:
    html = str(escape(text))
    html = _STRONG.sub(r"<strong>\1</strong>", html)
    html = _EMPHASIS.sub(r"<em>\1</em>", html)
    return _UNDERSCORE.sub(r"<em>\1</em>", html)


@dataclass(frozen=True)
class PatientText:
    """A patient's message as the inbox shows it; ``button`` when it was a button press."""

    text: str
    button: bool
    payload: str | None


def patient_text(entry: TranscriptEntry) -> PatientText:
    """The patient's words, or the title of the button they pressed (never "/affirm")."""
    if entry.payload is not None:
        return PatientText(entry.text, True, entry.payload)
    match = _PAYLOAD.match(entry.text.strip())
    if entry.role != "patient" or not match:
        return PatientText(entry.text, False, None)
    intent, entities = match.group(1), match.group(2)
    label = PAYLOAD_LABELS.get(intent) or intent.replace("_", " ").capitalize()
    try:
        values = json.loads(entities) if entities else {}
    except ValueError:
        values = {}
    if isinstance(values, dict) and values:
        label += " (" + ", ".join(str(v) for v in values.values()) + ")"
    return PatientText(label, True, entry.text)


@dataclass(frozen=True)
class RedFlag:
    """Why a ticket is urgent: the level, the concern, and the turn to jump to."""

    level: str | None
    label: str
    concern: str | None
    turn: int | None  # 1-based index of the bot's urgent reply in the transcript
    patient_turn: int | None  # the patient's message that raised it
    patient_words: str | None

    @property
    def anchor(self) -> str | None:
        return f"turn-{self.turn}" if self.turn else None


def red_flag(ticket: TicketRecord) -> RedFlag | None:
    """The red flag of an urgent ticket (the most urgent reply, the first if several)."""
    if not ticket.urgent:
        return None
    found: tuple[int, TranscriptEntry] | None = None
    for number, entry in enumerate(ticket.transcript, 1):
        urgent = entry.role == "bot" and entry.urgency is not None
        if urgent and (found is None or _rank(entry.urgency) < _rank(found[1].urgency)):
            found = (number, entry)
    if found is None:
        return RedFlag(None, "A red flag came up in this conversation", None, None, None, None)
    number, reply = found
    patient_turn = next(
        (n for n in range(number - 1, 0, -1) if ticket.transcript[n - 1].role == "patient"), None
    )
    words = ticket.transcript[patient_turn - 1].text if patient_turn else None
    concern_match = _CONCERNS.search(reply.text)
    concern = concern_match.group(1) if concern_match else _flag_names(reply.red_flags)
    level = reply.urgency
    return RedFlag(
        level,
        URGENCY_LABELS.get(level or "", "Urgent"),
        concern,
        number,
        patient_turn,
        words,
    )


def _rank(urgency: str | None) -> int:
    order = list(URGENCY_LABELS)
    return order.index(urgency) if urgency in order else len(order)


def _flag_names(keys: tuple[str, ...]) -> str | None:
    """'ocrelizumab/pml_signs' -> 'pml signs (ocrelizumab)'; learned triage flags name nothing."""
    names = []
    for key in keys:
        drug, _, flag = key.partition("/")
        if not flag or flag.startswith("triage_"):
            continue
        words = flag.replace("_", " ")
        names.append(words if drug == "general" else f"{words} ({drug})")
    return ", ".join(dict.fromkeys(names)) or None


def is_overdue(ticket: TicketRecord, now: datetime, after: timedelta) -> bool:
    """An open ticket the pharmacy still owes an answer, filed longer ago than ``after``."""
    return ticket.status in OVERDUE_STATUSES and now - ticket.created_at > after


def age(ticket: TicketRecord, now: datetime) -> str:
    """How long ago the ticket was filed, short: '35 min', '5 h', '3 d'."""
    seconds = max(0, int((now - ticket.created_at).total_seconds()))
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 48 * 3600:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"

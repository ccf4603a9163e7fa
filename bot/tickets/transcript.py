"""Turning a Rasa tracker's events into a ticket transcript.

Owns :func:`transcript_from_events`: a pure helper for the custom action, which passes
``tracker.events`` (a list of dicts as Rasa serialises them). No Rasa import here.

What the consultant needs to read the conversation right is kept with each message: a
button the patient pressed is recorded by its title ("No preference"), with the raw
payload ("/deny") beside it; a bot message keeps the titles of the buttons it offered;
a bot message that answered a red flag keeps its urgency level and the red-flag keys
(from the action's ``json_message``: ``{"urgent": true, "level": ..., "red_flags": [...]}``),
and a patient message the red flags found in it (the ``red_flag`` entities).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from typing import Any

from bot.tickets.drafts import TranscriptEntry

_ROLE_OF_EVENT = {"user": "patient", "bot": "bot"}


def transcript_from_events(
    events: Iterable[Mapping[str, Any]], limit: int | None = 200
) -> tuple[TranscriptEntry, ...]:
    """The user and bot messages among ``events``, oldest first (the last ``limit``).

    Events without text (buttons-only bot messages, actions, slots) are left out, but
    the buttons of a buttons-only message still name the patient's press that follows.
    """
    entries: list[TranscriptEntry] = []
    offered: dict[str, str] = {}  # payload -> title, of the bot's buttons since the last user turn
    for event in events:
        role = _ROLE_OF_EVENT.get(str(event.get("event")))
        if role is None:
            continue
        text = str(event.get("text") or "").strip()
        moment = _moment(event.get("timestamp"))
        if role == "bot":
            buttons = _buttons(event.get("data"))
            for title, payload in buttons:
                offered.setdefault(payload, title)
            if not text:
                continue
            custom = _custom(event.get("data"))
            urgent = custom.get("urgent") is True
            entries.append(
                TranscriptEntry(
                    role="bot",
                    text=text,
                    timestamp=moment,
                    buttons=tuple(title for title, _ in buttons),
                    urgency=str(custom.get("level") or "emergency") if urgent else None,
                    red_flags=_keys(custom.get("red_flags")) if urgent else (),
                )
            )
            continue
        pressed = offered.get(text) if text.startswith("/") else None
        offered = {}
        if not text:
            continue
        entries.append(
            TranscriptEntry(
                role="patient",
                text=pressed or text,
                timestamp=moment,
                payload=text if pressed else None,
                red_flags=_red_flag_entities(event.get("parse_data")),
            )
        )
    if limit is not None and len(entries) > limit:
        entries = entries[-limit:]
    return tuple(entries)


def _moment(timestamp: Any) -> datetime:
    if isinstance(timestamp, (int, float)):
        return datetime.fromtimestamp(float(timestamp), timezone.utc)
    return datetime.now(timezone.utc)


def _buttons(data: Any) -> list[tuple[str, str]]:
    """(title, payload) of a bot message's buttons or quick replies."""
    if not isinstance(data, Mapping):
        return []
    found: list[tuple[str, str]] = []
    for key in ("buttons", "quick_replies"):
        for button in data.get(key) or ():
            if not isinstance(button, Mapping):
                continue
            title, payload = button.get("title"), button.get("payload")
            if isinstance(title, str) and isinstance(payload, str) and title.strip() and payload.strip():
                found.append((title.strip(), payload.strip()))
    return found


def _custom(data: Any) -> Mapping[str, Any]:
    custom = data.get("custom") if isinstance(data, Mapping) else None
    return custom if isinstance(custom, Mapping) else {}


def _keys(value: Any) -> tuple[str, ...]:
    if not isinstance(value, (list, tuple)):
        return ()
    return tuple(dict.fromkeys(str(item) for item in value if isinstance(item, str) and item))


def _red_flag_entities(parse_data: Any) -> tuple[str, ...]:
    entities = parse_data.get("entities") if isinstance(parse_data, Mapping) else None
    values = [
        entity.get("value")
        for entity in entities or ()
        if isinstance(entity, Mapping) and entity.get("entity") == "red_flag"
    ]
    return _keys(values)

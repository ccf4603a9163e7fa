"""Turning a Rasa tracker's events into a ticket transcript.

Owns :func:`transcript_from_events`: a pure helper for the custom action, which passes
``tracker.events`` (a list of dicts as Rasa serialises them). No Rasa import here.
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

    Events without text (buttons-only bot messages, actions, slots) are left out.
    """
    entries: list[TranscriptEntry] = []
    for event in events:
        role = _ROLE_OF_EVENT.get(str(event.get("event")))
        text = (event.get("text") or "").strip()
        if role is None or not text:
            continue
        timestamp = event.get("timestamp")
        moment = (
            datetime.fromtimestamp(float(timestamp), timezone.utc)
            if isinstance(timestamp, (int, float))
            else datetime.now(timezone.utc)
        )
        entries.append(
            TranscriptEntry(role="patient" if role == "patient" else "bot", text=text, timestamp=moment)
        )
    if limit is not None and len(entries) > limit:
        entries = entries[-limit:]
    return tuple(entries)

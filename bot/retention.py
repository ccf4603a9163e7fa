"""How long patient data is kept, and forgetting a conversation on request.

Owns the deletions of ``python -m bot purge`` and of the patient's "forget me":

- conversations (Rasa's tracker events, table ``events``) whose last event is older than the
  retention period are deleted whole;
- resolved tickets not touched within the period are deleted with their audit trail; new and
  claimed tickets are kept, whatever their age (a patient is still waiting);
- outbox files a person set aside (``rejected/``) past the period are deleted; tickets still
  waiting for delivery are never touched;
- :func:`forget_conversation` deletes every event of one conversation at once.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import delete, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql import column, table

from bot.tickets.db import get_engine, session_factory
from bot.tickets.drafts import utcnow
from bot.tickets.models import Ticket, TicketEvent
from bot.tickets.outbox import REJECTED, SUFFIX

log = logging.getLogger(__name__)

EVENTS = table("events", column("sender_id"), column("timestamp"))
_PERIOD = re.compile(r"^\s*(\d+)\s*([dhm])\s*$")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


class RetentionError(ValueError):
    """A retention period that cannot be read."""


@dataclass(frozen=True)
class PurgeReport:
    """What one purge deleted."""

    conversations: int = 0
    events: int = 0
    tickets: int = 0
    outbox_files: int = 0

    def __str__(self) -> str:
        return (
            f"deleted {self.conversations} conversation(s) ({self.events} events), "
            f"{self.tickets} resolved ticket(s), {self.outbox_files} rejected outbox file(s)"
        )


def parse_period(text: str) -> timedelta:
    """``90d``, ``12h`` or ``30m`` as a timedelta."""
    match = _PERIOD.match(text)
    if not match or int(match.group(1)) <= 0:
        raise RetentionError(f"a retention period looks like 90d, 12h or 30m, not {text!r}")
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def purge(tracker_url: str, tickets_url: str, outbox_dir: Path, older_than: timedelta) -> PurgeReport:
    """Delete what is past ``older_than`` (see the module's list)."""
    conversations, events = _purge_conversations(get_engine(tracker_url), older_than)
    tickets = _purge_tickets(get_engine(tickets_url), older_than)
    files = _purge_rejected(outbox_dir, older_than)
    return PurgeReport(conversations, events, tickets, files)


def forget_conversation(engine: Engine, sender_id: str) -> int:
    """Delete every stored event of conversation ``sender_id``; returns how many.

    On SQLite the freed pages are overwritten and the write-ahead log is emptied, so the
    words are gone from the files too, not only from the tables.
    """
    if not _has_events_table(engine):
        return 0
    with engine.begin() as connection:
        _secure_delete(connection)
        result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id))
    _checkpoint(engine)
    return int(result.rowcount or 0)


def _secure_delete(connection: Connection) -> None:
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("PRAGMA secure_delete=ON")


def _checkpoint(engine: Engine) -> None:
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


def _has_events_table(engine: Engine) -> bool:
    return bool(inspect(engine).has_table("events"))


def _purge_conversations(engine: Engine, older_than: timedelta) -> tuple[int, int]:
    if not _has_events_table(engine):
        return 0, 0
    cutoff = time.time() - older_than.total_seconds()
    last_event = func.max(EVENTS.c.timestamp)
    stale = select(EVENTS.c.sender_id).group_by(EVENTS.c.sender_id).having(last_event < cutoff)
    with engine.begin() as connection:
        _secure_delete(connection)
        senders = [row[0] for row in connection.execute(stale)]
        events = 0
        for start in range(0, len(senders), 500):
            chunk = senders[start : start + 500]
            result = connection.execute(delete(EVENTS).where(EVENTS.c.sender_id.in_(chunk)))
            events += int(result.rowcount or 0)
    _checkpoint(engine)
    return len(senders), events


def _purge_tickets(engine: Engine, older_than: timedelta) -> int:
    if not inspect(engine).has_table("tickets"):
        return 0
    cutoff = utcnow() - older_than
    with session_factory(engine)() as session, session.begin():
        _secure_delete(session.connection())
        ids = list(
            session.scalars(select(Ticket.id).where(Ticket.status == "resolved", Ticket.updated_at < cutoff))
        )
        if ids:
            session.execute(delete(TicketEvent).where(TicketEvent.ticket_id.in_(ids)))
            session.execute(delete(Ticket).where(Ticket.id.in_(ids)))
    _checkpoint(engine)
    return len(ids)


def _purge_rejected(outbox_dir: Path, older_than: timedelta) -> int:
    rejected = outbox_dir / REJECTED
    if not rejected.is_dir():
        return 0
    cutoff = time.time() - older_than.total_seconds()
    count = 0
    for path in rejected.iterdir():
        if path.is_file() and path.suffix == SUFFIX and path.stat().st_mtime < cutoff:
            path.unlink()
            count += 1
    return count

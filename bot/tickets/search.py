"""Finding and paging tickets: the search text, the inbox order and its cursors.

Owns :func:`search_text` (what a ticket is found by: name, email, phone, reference,
question and the transcript's text, case-folded in Python so that search is
case-insensitive on SQLite and PostgreSQL alike), :func:`search_terms`, the inbox order
(open urgent tickets first, then open ones, each oldest first; resolved ones last, newest
first) and :class:`Cursor`, the opaque position a page ends at (keyset paging: a ticket
filed meanwhile never shifts a page).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, or_
from sqlalchemy.sql.elements import ColumnElement

from bot.tickets.errors import InvalidCursorError
from bot.tickets.models import Ticket

MAX_TERMS = 10
MAX_QUERY = 200
RESOLVED_BUCKET = 2


def bucket() -> ColumnElement[Any]:
    """SQL for a ticket's part of the inbox: 0 open and urgent, 1 open, 2 resolved."""
    return case((Ticket.status == "resolved", RESOLVED_BUCKET), (Ticket.urgent.is_(True), 0), else_=1)


def search_text(
    *,
    reference: str,
    patient_name: str,
    email: str | None,
    phone: str | None,
    question: str,
    transcript: Iterable[Mapping[str, Any]],
) -> str:
    """The case-folded text a ticket is found by (the phone also as digits only)."""
    parts = [reference, patient_name, email or "", phone or "", re.sub(r"\D", "", phone or ""), question]
    parts.extend(str(entry.get("text") or "") for entry in transcript)
    return "\n".join(part for part in parts if part).casefold()


def search_terms(query: str | None) -> list[str]:
    """The words of a search box, case-folded; a ticket must contain every one."""
    return (query or "")[:MAX_QUERY].casefold().split()[:MAX_TERMS]


def matches(terms: list[str]) -> ColumnElement[bool]:
    """SQL for "the ticket contains every term" (LIKE wildcards in terms are literal)."""
    return and_(*(Ticket.search_text.contains(term, autoescape=True) for term in terms))


@dataclass(frozen=True)
class Cursor:
    """A position in the inbox order; ``backward`` pages towards the start."""

    bucket: int
    created_at: datetime
    id: int
    backward: bool = False

    @classmethod
    def of(cls, ticket: Ticket, backward: bool = False) -> Cursor:
        bucket = RESOLVED_BUCKET if ticket.status == "resolved" else (0 if ticket.urgent else 1)
        return cls(bucket, ticket.created_at, ticket.id, backward)

    def encode(self) -> str:
        data = [self.bucket, self.created_at.isoformat(), self.id, int(self.backward)]
        raw = json.dumps(data, separators=(",", ":")).encode("utf-8")
        return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor of ``token``; InvalidCursorError if it is not one we made."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            bucket, created, ticket_id, backward = json.loads(raw)
            moment = datetime.fromisoformat(created)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidCursorError() from None
        valid = (
            bucket in (0, 1, RESOLVED_BUCKET)
            and isinstance(ticket_id, int)
            and backward in (0, 1)
            and moment.tzinfo is not None
        )
        if not valid or len(token) > 200:
            raise InvalidCursorError()
        return cls(bucket, moment, ticket_id, bool(backward))

    def beyond(self) -> ColumnElement[bool]:
        """SQL for "the ticket comes after this cursor" (before it, when ``backward``)."""
        later_in_time = self.bucket < RESOLVED_BUCKET  # open: oldest first; resolved: newest first
        if self.backward:
            later_in_time = not later_in_time
        if later_in_time:
            within = or_(
                Ticket.created_at > self.created_at,
                and_(Ticket.created_at == self.created_at, Ticket.id > self.id),
            )
        else:
            within = or_(
                Ticket.created_at < self.created_at,
                and_(Ticket.created_at == self.created_at, Ticket.id < self.id),
            )
        other_bucket = bucket() < self.bucket if self.backward else bucket() > self.bucket
        return or_(other_bucket, and_(bucket() == self.bucket, within))


def inbox_order(backward: bool = False) -> list[ColumnElement[Any]]:
    """ORDER BY for the inbox order, or its reverse."""
    is_open = Ticket.status != "resolved"
    open_created = case((is_open, Ticket.created_at))
    open_id = case((is_open, Ticket.id))
    resolved_created = case((~is_open, Ticket.created_at))
    resolved_id = case((~is_open, Ticket.id))
    part = bucket()
    if not backward:
        return [part.asc(), open_created.asc(), resolved_created.desc(), open_id.asc(), resolved_id.desc()]
    return [part.desc(), open_created.desc(), resolved_created.asc(), open_id.desc(), resolved_id.asc()]

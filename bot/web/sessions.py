"""Server-side login sessions of the consultant inbox.

Owns the ``consultant_sessions`` table: a session is created at login, looked up on
every request by the random token the client holds (in the HttpOnly cookie, or as a
Bearer token for the JSON API), and deleted at logout or expiry. Only the token's
SHA-256 is stored, so a copy of the database does not let anyone in. Each session has
its own CSRF token, put in every form the inbox renders.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from bot.tickets.consultants import ConsultantRecord
from bot.tickets.db import session_factory
from bot.tickets.drafts import utcnow
from bot.tickets.models import ConsultantSession


@dataclass(frozen=True)
class LoginSession:
    """A logged-in consultant, as a request sees it."""

    consultant: ConsultantRecord
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class NewSession:
    """A session just created: ``token`` goes to the client and is not kept."""

    token: str
    session: LoginSession


class SessionStore:
    """Create, find and end login sessions."""

    def __init__(self, engine: Engine, lifetime: timedelta) -> None:
        self._sessions = session_factory(engine)
        self._lifetime = lifetime

    def create(self, consultant: ConsultantRecord) -> NewSession:
        token = secrets.token_urlsafe(32)
        now = utcnow()
        row = ConsultantSession(
            token_hash=_hash(token),
            consultant_id=consultant.id,
            csrf_token=secrets.token_urlsafe(32),
            created_at=now,
            expires_at=now + self._lifetime,
        )
        with self._sessions.begin() as session:
            session.execute(delete(ConsultantSession).where(ConsultantSession.expires_at < now))
            session.add(row)
        return NewSession(
            token=token,
            session=LoginSession(consultant, row.csrf_token, row.expires_at),
        )

    def find(self, token: str | None) -> LoginSession | None:
        """The live session for ``token``, or None (unknown, expired, inactive account)."""
        if not token or len(token) > 200:
            return None
        with self._sessions() as session:
            row = session.execute(
                select(ConsultantSession).where(ConsultantSession.token_hash == _hash(token))
            ).scalar_one_or_none()
            if row is None or row.expires_at <= utcnow() or not row.consultant.active:
                return None
            consultant = ConsultantRecord(id=row.consultant.id, username=row.consultant.username)
            return LoginSession(consultant, row.csrf_token, row.expires_at)

    def end(self, token: str | None) -> None:
        if not token:
            return
        with self._sessions.begin() as session:
            session.execute(delete(ConsultantSession).where(ConsultantSession.token_hash == _hash(token)))

    def end_all(self, consultant_id: int) -> None:
        """End every session of one consultant (logout, new password, disabled account)."""
        with self._sessions.begin() as session:
            session.execute(delete(ConsultantSession).where(ConsultantSession.consultant_id == consultant_id))


def same_token(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison of two tokens; False if either is missing."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()

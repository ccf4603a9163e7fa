"""Consultant accounts: creating, listing, disabling and enabling them, their roles, and
checking their passwords.

Owns the ``consultants`` table's business operations. A consultant's role is
``consultant`` (the default) or ``lead`` (may act on tickets others hold; see
``bot.tickets.lifecycle``). A successful login stores its time. Passwords are hashed with Argon2id
(argon2-cffi's defaults); a login with an unknown name still spends the time of one
hash check, so response times do not tell which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.tickets.db import get_engine, session_factory
from bot.tickets.drafts import utcnow
from bot.tickets.errors import ConsultantError, DuplicateConsultantError, WeakPasswordError
from bot.tickets.models import ROLES, Consultant, ConsultantSession

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


@dataclass(frozen=True)
class ConsultantRecord:
    """A consultant as the rest of the app sees it (no password hash)."""

    id: int
    username: str


@dataclass(frozen=True)
class ConsultantInfo:
    """A consultant account as an administrator sees it."""

    username: str
    role: str
    active: bool
    created_at: datetime
    last_login_at: datetime | None


class ConsultantDirectory:
    """Create, list and change consultants, and authenticate them."""

    def __init__(self, engine: Engine, hasher: PasswordHasher | None = None) -> None:
        self._sessions = session_factory(engine)
        self._hasher = hasher or PasswordHasher()
        self._dummy_hash: str | None = None

    @classmethod
    def for_url(cls, url: str) -> ConsultantDirectory:
        return cls(get_engine(url))

    def add(self, username: str, password: str) -> ConsultantRecord:
        """Create an account; DuplicateConsultantError if the name is taken."""
        name = username.strip()
        if not USERNAME_PATTERN.match(name):
            raise ConsultantError(
                f"consultant name {username!r}: use 2-100 letters, digits, '.', '_', '@' or '-'"
            )
        _check_password(password)
        consultant = Consultant(
            username=name,
            password_hash=self._hasher.hash(password),
            active=True,
            created_at=utcnow(),
        )
        try:
            with self._sessions.begin() as session:
                session.add(consultant)
        except IntegrityError:
            raise DuplicateConsultantError(name) from None
        return ConsultantRecord(id=consultant.id, username=consultant.username)

    def set_password(self, username: str, password: str) -> None:
        """Replace a consultant's password; every session of the account ends."""
        _check_password(password)
        self._change(username, password_hash=self._hasher.hash(password))

    def disable(self, username: str) -> None:
        """Lock an account out: no login, and every session of it ends now."""
        self._change(username, active=False)

    def enable(self, username: str) -> None:
        """Let a disabled account log in again (with its old password)."""
        self._change(username, active=True)

    def set_role(self, username: str, role: str) -> None:
        """Make a consultant a ``lead`` or a plain ``consultant``; counts from their next action."""
        if role not in ROLES:
            raise ConsultantError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
        self._change(username, end_sessions=False, role=role)

    def list_all(self) -> list[ConsultantInfo]:
        """Every account, by name."""
        with self._sessions() as session:
            rows = session.execute(select(Consultant).order_by(Consultant.username)).scalars().all()
            return [
                ConsultantInfo(
                    username=row.username,
                    role=row.role,
                    active=bool(row.active),
                    created_at=row.created_at,
                    last_login_at=row.last_login_at,
                )
                for row in rows
            ]

    def active_usernames(self) -> list[str]:
        """The names of the accounts that may log in (those a ticket can be reassigned to)."""
        with self._sessions() as session:
            names = session.execute(
                select(Consultant.username).where(Consultant.active.is_(True)).order_by(Consultant.username)
            ).scalars()
            return [str(name) for name in names]

    def role_of(self, username: str) -> str | None:
        """The role of an active consultant, or None."""
        with self._sessions() as session:
            role = session.execute(
                select(Consultant.role).where(Consultant.username == username, Consultant.active.is_(True))
            ).scalar_one_or_none()
        return None if role is None else str(role)

    def _change(self, username: str, end_sessions: bool = True, **values: object) -> None:
        with self._sessions.begin() as session:
            consultant_id = session.execute(
                select(Consultant.id).where(Consultant.username == username)
            ).scalar_one_or_none()
            if consultant_id is None:
                raise ConsultantError(f"no consultant named {username!r}")
            session.execute(update(Consultant).where(Consultant.id == consultant_id).values(**values))
            if end_sessions:
                session.execute(
                    delete(ConsultantSession).where(ConsultantSession.consultant_id == consultant_id)
                )

    def authenticate(self, username: str, password: str) -> ConsultantRecord | None:
        """The consultant if the name and password match an active account, else None."""
        with self._sessions() as session:
            consultant = session.execute(
                select(Consultant).where(Consultant.username == username.strip())
            ).scalar_one_or_none()
        if consultant is None or not consultant.active:
            self._verify(self._dummy(), password)
            return None
        if not self._verify(consultant.password_hash, password):
            return None
        values: dict[str, object] = {"last_login_at": utcnow()}
        if self._hasher.check_needs_rehash(consultant.password_hash):
            values["password_hash"] = self._hasher.hash(password)
        with self._sessions.begin() as session:
            session.execute(update(Consultant).where(Consultant.id == consultant.id).values(**values))
        return ConsultantRecord(id=consultant.id, username=consultant.username)

    def _verify(self, password_hash: str, password: str) -> bool:
        try:
            return bool(self._hasher.verify(password_hash, password))
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash("not a real password, only spends time")
        return self._dummy_hash


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise WeakPasswordError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")

"""Consultant accounts: creating them and checking their passwords.

Owns the ``consultants`` table's business operations. Passwords are hashed with Argon2id
(argon2-cffi's defaults); a login with an unknown name still spends the time of one
hash check, so response times do not tell which names exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from bot.tickets.db import get_engine, session_factory
from bot.tickets.drafts import utcnow
from bot.tickets.errors import ConsultantError, DuplicateConsultantError, WeakPasswordError
from bot.tickets.models import Consultant, ConsultantSession

MIN_PASSWORD_LENGTH = 10
USERNAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,99}$")


@dataclass(frozen=True)
class ConsultantRecord:
    """A consultant as the rest of the app sees it (no password hash)."""

    id: int
    username: str


class ConsultantDirectory:
    """Create consultants and authenticate them."""

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

    def _change(self, username: str, **values: object) -> None:
        with self._sessions.begin() as session:
            consultant_id = session.execute(
                select(Consultant.id).where(Consultant.username == username)
            ).scalar_one_or_none()
            if consultant_id is None:
                raise ConsultantError(f"no consultant named {username!r}")
            session.execute(update(Consultant).where(Consultant.id == consultant_id).values(**values))
            session.execute(delete(ConsultantSession).where(ConsultantSession.consultant_id == consultant_id))

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
        if self._hasher.check_needs_rehash(consultant.password_hash):
            with self._sessions.begin() as session:
                session.execute(
                    update(Consultant)
                    .where(Consultant.id == consultant.id)
                    .values(password_hash=self._hasher.hash(password))
                )
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

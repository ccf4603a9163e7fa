"""Consultant accounts and login sessions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from bot.tickets import ConsultantDirectory, ConsultantError, DuplicateConsultantError, WeakPasswordError
from bot.tickets.db import get_engine, session_factory
from bot.tickets.models import Consultant, ConsultantSession
from bot.web.sessions import SessionStore, same_token


def test_accounts(sqlite_url):
    directory = ConsultantDirectory.for_url(sqlite_url)
    alice = directory.add("alice", "a long password")
    assert directory.authenticate("alice", "a long password") == alice
    assert directory.authenticate(" alice ", "a long password") == alice
    assert directory.authenticate("alice", "A long password") is None
    assert directory.authenticate("nobody", "a long password") is None
    with pytest.raises(DuplicateConsultantError):
        directory.add("alice", "another long one")
    with pytest.raises(WeakPasswordError):
        directory.add("bob", "short")
    with pytest.raises(ConsultantError, match="name"):
        directory.add("bad name!", "a long password")


def test_the_hash_is_argon2_and_upgraded_at_login(sqlite_url):
    cheap = ConsultantDirectory(get_engine(sqlite_url), hasher=PasswordHasher(time_cost=1, memory_cost=1024))
    cheap.add("alice", "a long password")
    sessions = session_factory(get_engine(sqlite_url))

    def stored() -> str:
        with sessions() as session:
            return str(session.execute(select(Consultant.password_hash)).scalar_one())

    assert stored().startswith("$argon2id$") and "m=1024" in stored()
    assert ConsultantDirectory.for_url(sqlite_url).authenticate("alice", "a long password")
    assert "m=65536" in stored()


def test_sessions_store_only_a_hash_and_expire(sqlite_url):
    alice = ConsultantDirectory.for_url(sqlite_url).add("alice", "a long password")
    store = SessionStore(get_engine(sqlite_url), timedelta(hours=1))
    created = store.create(alice)
    found = store.find(created.token)
    assert found is not None and found.consultant == alice
    assert same_token(found.csrf_token, created.session.csrf_token)
    with session_factory(get_engine(sqlite_url))() as session:
        hashes = session.execute(select(ConsultantSession.token_hash)).scalars().all()
    assert created.token not in hashes and len(hashes) == 1
    assert store.find("not-a-token") is None
    store.end(created.token)
    assert store.find(created.token) is None

    expired = SessionStore(get_engine(sqlite_url), timedelta(seconds=-1)).create(alice)
    assert store.find(expired.token) is None
    assert not same_token(None, "x") and not same_token("a", "b")

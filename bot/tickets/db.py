"""Engines and sessions for the tickets database.

Owns how we connect: one engine per database URL per process, made on first use
(never at import time); SQLite with the settings of bot/sqlite.py (WAL, a busy timeout, foreign
keys; the Rasa tracker store writes to the same file); PostgreSQL with a short connect
timeout and a pre-ping. Every repository operation opens its own short session.
"""

from __future__ import annotations

import contextlib
import threading
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from bot.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS, sqlite_settings

CONNECT_TIMEOUT_SECONDS = 5

_lock = threading.Lock()
_engines: dict[str, Engine] = {}


def get_engine(url: str) -> Engine:
    """The process-wide engine for ``url``, created on first use."""
    with _lock:
        engine = _engines.get(url)
        if engine is None:
            engine = create_db_engine(url)
            _engines[url] = engine
        return engine


def dispose_engines() -> None:
    """Close every cached engine's connections (tests, and before a fork)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


def create_db_engine(url: str) -> Engine:
    """A new engine for ``url`` with this project's connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            _make_parent_dir(Path(database))
        engine = create_engine(
            url,
            future=True,
            hide_parameters=True,  # an error message never carries a patient's data
            connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False},
        )
        event.listen(engine, "connect", sqlite_settings())
        return engine
    connect_args: dict[str, Any] = {}
    if parsed.get_backend_name() == "postgresql":
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    return create_engine(
        url, future=True, pool_pre_ping=True, hide_parameters=True, connect_args=connect_args
    )


def session_factory(engine: Engine) -> sessionmaker:
    """Sessions that keep loaded values after commit (we copy them into records)."""
    return sessionmaker(bind=engine, future=True, expire_on_commit=False, class_=Session)


def _make_parent_dir(path: Path) -> None:
    # If this fails, connecting fails later with a clear database error instead.
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)

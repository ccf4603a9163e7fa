"""Running the tickets schema migrations (Alembic) from code.

Owns ``upgrade`` (what ``python -m bot db upgrade`` runs) and ``ensure_schema`` (what the
web app and the filing service call on start: upgrade to head once per process, only
if needed). The Alembic scripts live in ``bot/tickets/migrations``; ``alembic.ini`` at
the project root points there too, for the ``alembic`` command. On SQLite the migrations
run with foreign keys off (rebuilding a table would otherwise cascade into the tables
that refer to it) and are checked with ``PRAGMA foreign_key_check`` before they commit.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from bot.tickets.db import get_engine

logger = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
VERSION_TABLE = "tickets_alembic_version"

_lock = threading.Lock()
_ready: set[str] = set()


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` that does not depend on the working directory."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS_DIR)).get_current_head()
    assert head is not None, f"no migration in {MIGRATIONS_DIR}"
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        return context.get_current_revision()


def upgrade(url: str) -> None:
    """Upgrade the tickets schema at ``url`` to the newest migration."""
    engine = get_engine(url)
    config = alembic_config(url)
    with migration_connection(engine) as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


@contextlib.contextmanager
def migration_connection(engine: Engine) -> Iterator[Connection]:
    """A connection in a transaction for migrations; on SQLite with foreign keys off."""
    with engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            with connection.begin():
                yield connection
            return
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")  # not possible inside a transaction
        connection.commit()
        try:
            with connection.begin():
                yield connection
                broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if broken:
                    raise RuntimeError(f"the migration broke foreign keys: {broken[:5]}")
        finally:
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()


def ensure_schema(url: str) -> None:
    """Upgrade to head if needed, once per process; raises if the database is unreachable.

    Two processes starting together may both try; the loser's error is forgiven when
    the schema is at head afterwards.
    """
    if url in _ready:
        return
    with _lock:
        if url in _ready:
            return
        engine = get_engine(url)
        head = head_revision()
        if current_revision(engine) != head:
            try:
                upgrade(url)
            except Exception:
                time.sleep(0.5)
                if current_revision(engine) != head:
                    raise
                logger.info("schema was upgraded concurrently by another process")
            else:
                logger.info("tickets schema upgraded to %s", head)
        _ready.add(url)


def forget_schema_checks() -> None:
    """Make the next ``ensure_schema`` look again (tests)."""
    with _lock:
        _ready.clear()

"""Alembic environment for the tickets schema (run by ``bot.tickets.migrate`` or ``alembic``).

Uses the connection passed in ``config.attributes["connection"]`` when there is one,
otherwise ``sqlalchemy.url`` from the config, otherwise DATABASE_URL. On PostgreSQL a
transaction-level advisory lock keeps two starting processes from migrating at once.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

from bot.tickets.migrate import VERSION_TABLE
from bot.tickets.models import metadata

PG_ADVISORY_LOCK_KEY = 4_711_004  # any constant shared by our processes


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if getattr(connection, "dialect", None) is not None and (
            connection.dialect.name == "postgresql"  # type: ignore[attr-defined]
        ):
            connection.execute(  # type: ignore[attr-defined]
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": PG_ADVISORY_LOCK_KEY}
            )
        context.run_migrations()


def _run_online() -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        from bot.settings import load_settings

        url = load_settings().database_url
    from bot.tickets.db import create_db_engine
    from bot.tickets.migrate import migration_connection

    engine = create_db_engine(url)
    try:
        with migration_connection(engine) as conn:
            _run(conn)
    finally:
        engine.dispose()


def _run_offline() -> None:
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        version_table=VERSION_TABLE,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    _run_offline()
else:
    _run_online()

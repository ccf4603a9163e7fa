"""The Alembic migrations build exactly the schema the models describe, up and down."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from bot.tickets.db import get_engine
from bot.tickets.migrate import VERSION_TABLE, alembic_config, current_revision, head_revision
from bot.tickets.models import metadata


def test_migrations_match_the_models(database_url):
    engine = get_engine(database_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": VERSION_TABLE})
        differences = [
            d
            for d in compare_metadata(context, metadata)
            # Rasa's tracker store may share the database; its tables are not ours.
            if not (d[0] == "remove_table" and d[1].name not in metadata.tables)
        ]
    assert differences == []


def test_downgrade_and_upgrade_again(database_url):
    engine = get_engine(database_url)
    config = alembic_config(database_url)
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert not {"tickets", "ticket_events"} & set(inspect(engine).get_table_names())
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert {"tickets", "ticket_events", "consultants", "consultant_sessions"} <= set(
        inspect(engine).get_table_names()
    )

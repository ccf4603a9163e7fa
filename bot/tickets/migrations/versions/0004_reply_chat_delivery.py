"""How a consultant's reply reached the patient's chat.

- ``ticket_replies.chat_status``: ``live`` (shown in the open chat), ``waiting`` (kept in
  the conversation, shown when the patient comes back), ``no_chat``, ``failed`` or
  ``not_configured``; NULL on the replies kept before this migration (never tried);
- ``ticket_replies.chat_detail``: why it failed.

On SQLite ``ticket_replies`` is rebuilt (batch mode, for the check constraint);
``bot.tickets.migrate`` runs the migrations with foreign keys off, so the contact
attempts that refer to a reply keep their link. This migration refuses to run otherwise.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHAT_STATUSES = "chat_status IN ('live', 'waiting', 'no_chat', 'failed', 'not_configured')"


def upgrade() -> None:
    _refuse_cascades("ticket_replies")
    with op.batch_alter_table("ticket_replies") as batch:
        batch.add_column(sa.Column("chat_status", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("chat_detail", sa.Text(), nullable=True))
        batch.create_check_constraint("chat_status", CHAT_STATUSES)


def downgrade() -> None:
    _refuse_cascades("ticket_replies")
    with op.batch_alter_table("ticket_replies") as batch:
        batch.drop_constraint(op.f("ck_ticket_replies_chat_status"), type_="check")
        batch.drop_column("chat_detail")
        batch.drop_column("chat_status")


def _refuse_cascades(*tables: str) -> None:
    """On SQLite with foreign keys on, rebuilding a table would unlink the rows that refer to it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    for table in tables:
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
            raise RuntimeError(
                "SQLite foreign keys are on: rebuilding a table would unlink the rows that refer to "
                "it. Run `python -m bot db upgrade` (it turns them off for the migration)."
            )

"""Ticket lifecycle: waiting_for_patient, consultant roles and last login, ticket history,
and the search text.

- ``tickets.status`` may be ``waiting_for_patient`` (the column grows to 24 characters);
- ``tickets.search_text``: the case-folded text search looks in, filled for old tickets;
- ``consultants.role`` (``consultant``, the default, or ``lead``) and ``last_login_at``;
- ``ticket_history``: every change of status or assignee; old tickets get theirs from
  the audit trail (filed, claimed, resolved).

On SQLite the changed tables are rebuilt (batch mode). Dropping a table there with foreign
keys on would cascade into the tables that refer to it, so ``bot.tickets.migrate`` runs
the migrations with foreign keys off; this migration refuses to touch rows otherwise.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

NEW_STATUSES = "status IN ('new', 'claimed', 'waiting_for_patient', 'resolved')"
OLD_STATUSES = "status IN ('new', 'claimed', 'resolved')"
ROLES = "role IN ('consultant', 'lead')"


def upgrade() -> None:
    _refuse_cascades("consultants", "tickets")
    with op.batch_alter_table("consultants") as batch:
        batch.add_column(
            sa.Column("role", sa.String(length=16), server_default="consultant", nullable=False)
        )
        batch.add_column(sa.Column("last_login_at", sa.DateTime(), nullable=True))
        batch.create_check_constraint("role", ROLES)
    with op.batch_alter_table("tickets") as batch:
        batch.drop_constraint(op.f("ck_tickets_status"), type_="check")
        batch.alter_column(
            "status", existing_type=sa.String(length=16), type_=sa.String(length=24), existing_nullable=False
        )
        batch.create_check_constraint("status", NEW_STATUSES)
        batch.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
    op.create_table(
        "ticket_history",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("from_status", sa.String(length=24), nullable=True),
        sa.Column("to_status", sa.String(length=24), nullable=False),
        sa.Column("assigned_to", sa.String(length=100), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_history_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_history")),
    )
    op.create_index(op.f("ix_ticket_history_ticket_id"), "ticket_history", ["ticket_id"])
    _fill_search_text()
    _fill_history()


def downgrade() -> None:
    _refuse_cascades("consultants", "tickets")
    op.drop_index(op.f("ix_ticket_history_ticket_id"), table_name="ticket_history")
    op.drop_table("ticket_history")
    op.execute("UPDATE tickets SET status = 'claimed' WHERE status = 'waiting_for_patient'")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("search_text")
        batch.drop_constraint(op.f("ck_tickets_status"), type_="check")
        batch.alter_column(
            "status", existing_type=sa.String(length=24), type_=sa.String(length=16), existing_nullable=False
        )
        batch.create_check_constraint("status", OLD_STATUSES)
    with op.batch_alter_table("consultants") as batch:
        batch.drop_constraint(op.f("ck_consultants_role"), type_="check")
        batch.drop_column("last_login_at")
        batch.drop_column("role")


def _refuse_cascades(*tables: str) -> None:
    """On SQLite with foreign keys on, rebuilding a table would delete rows that refer to it."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite" or not bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        return
    for table in tables:
        if bind.execute(sa.text(f"SELECT 1 FROM {table} LIMIT 1")).first() is not None:
            raise RuntimeError(
                "SQLite foreign keys are on: rebuilding a table would delete the rows that refer to "
                "it. Run `python -m bot db upgrade` (it turns them off for the migration)."
            )


def _fill_search_text() -> None:
    from bot.tickets.search import search_text

    bind = op.get_bind()
    tickets = sa.table(
        "tickets",
        sa.column("id", sa.Integer()),
        sa.column("reference", sa.String()),
        sa.column("patient_name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("phone", sa.String()),
        sa.column("question", sa.Text()),
        sa.column("transcript", sa.JSON()),
        sa.column("search_text", sa.Text()),
    )
    rows = bind.execute(
        sa.select(
            tickets.c.id,
            tickets.c.reference,
            tickets.c.patient_name,
            tickets.c.email,
            tickets.c.phone,
            tickets.c.question,
            tickets.c.transcript,
        )
    ).all()
    for row in rows:
        text = search_text(
            reference=row.reference,
            patient_name=row.patient_name,
            email=row.email,
            phone=row.phone,
            question=row.question,
            transcript=[entry for entry in row.transcript or () if isinstance(entry, dict)],
        )
        bind.execute(tickets.update().where(tickets.c.id == row.id).values(search_text=text))


def _fill_history() -> None:
    """Each old ticket's filing, claim and resolution, replayed from its audit trail."""
    bind = op.get_bind()
    events = sa.table(
        "ticket_events",
        sa.column("id", sa.Integer()),
        sa.column("ticket_id", sa.Integer()),
        sa.column("at", sa.DateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("detail", sa.Text()),
    )
    history = sa.table(
        "ticket_history",
        sa.column("ticket_id", sa.Integer()),
        sa.column("at", sa.DateTime()),
        sa.column("actor", sa.String()),
        sa.column("action", sa.String()),
        sa.column("from_status", sa.String()),
        sa.column("to_status", sa.String()),
        sa.column("assigned_to", sa.String()),
        sa.column("detail", sa.Text()),
    )
    rows = bind.execute(
        sa.select(events)
        .where(events.c.action.in_(["filed", "claimed", "resolved"]))
        .order_by(events.c.ticket_id, events.c.id)
    ).all()
    replayed = list(_replay(rows))
    if replayed:
        bind.execute(history.insert(), replayed)


def _replay(rows: list[Any]) -> Iterator[dict[str, Any]]:
    status: str | None = None
    assignee: str | None = None
    ticket_id = None
    for row in rows:
        if row.ticket_id != ticket_id:
            ticket_id, status, assignee = row.ticket_id, None, None
        before = status
        if row.action == "filed":
            status = "new"
        elif row.action == "claimed":
            status, assignee = "claimed", row.actor
        else:
            status, assignee = "resolved", assignee or row.actor
        yield {
            "ticket_id": row.ticket_id,
            "at": row.at,
            "actor": row.actor,
            "action": row.action,
            "from_status": before,
            "to_status": status,
            "assigned_to": None if status == "new" else assignee,
            "detail": row.detail if row.action in ("filed", "resolved") else None,
        }

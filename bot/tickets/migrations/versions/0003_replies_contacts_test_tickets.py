"""Replies to the patient, contact attempts, and test tickets.

- ``ticket_replies``: a consultant's reply to the patient and how it was delivered by
  email (``sent``, ``failed``, ``no_email``, ``not_configured``);
- ``ticket_contacts``: every attempt to reach the patient (a reply sent or failed, a
  call made, no answer, an email from the consultant's own mail client);
- ``tickets.test``: filed by a test run (senders ``convtest-...`` and ``t-...``), hidden
  from the inbox and the API by default; old tickets of those senders are marked.

Only new tables and an added column: nothing is rebuilt, on SQLite either.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

TEST_SENDER_PREFIXES = ("convtest-", "t-")


def upgrade() -> None:
    with op.batch_alter_table("tickets") as batch:
        batch.add_column(sa.Column("test", sa.Boolean(), server_default=sa.false(), nullable=False))
    tickets = sa.table("tickets", sa.column("sender_id", sa.String()), sa.column("test", sa.Boolean()))
    op.execute(
        tickets.update()
        .where(sa.or_(*(tickets.c.sender_id.startswith(p, autoescape=True) for p in TEST_SENDER_PREFIXES)))
        .values(test=True)
    )
    op.create_table(
        "ticket_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("author", sa.String(length=100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("email_to", sa.String(length=254), nullable=True),
        sa.Column("email_status", sa.String(length=16), nullable=False),
        sa.Column("email_detail", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "email_status IN ('sent', 'failed', 'no_email', 'not_configured')",
            name=op.f("ck_ticket_replies_email_status"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_replies_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_replies")),
    )
    op.create_index(op.f("ix_ticket_replies_ticket_id"), "ticket_replies", ["ticket_id"])
    op.create_table(
        "ticket_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reply_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('reply_email', 'reply_failed', 'reply_recorded', 'call', 'no_answer', 'email')",
            name=op.f("ck_ticket_contacts_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["ticket_id"],
            ["tickets.id"],
            name=op.f("fk_ticket_contacts_ticket_id_tickets"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_id"],
            ["ticket_replies.id"],
            name=op.f("fk_ticket_contacts_reply_id_ticket_replies"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_contacts")),
    )
    op.create_index(op.f("ix_ticket_contacts_ticket_id"), "ticket_contacts", ["ticket_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ticket_contacts_ticket_id"), table_name="ticket_contacts")
    op.drop_table("ticket_contacts")
    op.drop_index(op.f("ix_ticket_replies_ticket_id"), table_name="ticket_replies")
    op.drop_table("ticket_replies")
    with op.batch_alter_table("tickets") as batch:
        batch.drop_column("test")

"""The tickets database schema as SQLAlchemy ORM models.

Owns the tables ``consultants``, ``consultant_sessions``, ``tickets``, ``ticket_events``
(the audit trail: every action, notes included), ``ticket_history`` (every change of
status or assignee, with the status before and after), ``ticket_replies`` (the
consultant's replies to the patient and how each was delivered, by email and in the
chat) and ``ticket_contacts`` (every attempt to reach the patient: a reply sent, a call
made, no answer). The schema is created and changed only by the Alembic migrations in
``bot/tickets/migrations`` (never by ``create_all``). The tables share the database with
Rasa's tracker store (its table is ``events``), so every name here is distinct from
Rasa's. Times are stored as UTC and read back timezone-aware.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    false,
)
from sqlalchemy.orm import registry, relationship
from sqlalchemy.types import TypeDecorator

STATUSES = ("new", "claimed", "waiting_for_patient", "resolved")
OPEN_STATUSES = ("new", "claimed", "waiting_for_patient")
ROLES = ("consultant", "lead")
# What a contact attempt was: a reply sent by email from the inbox (or one whose email
# failed), or logged by the consultant: a call made, a call without answer, an email
# sent from their own mail client.
CONTACT_KINDS = ("reply_email", "reply_failed", "reply_recorded", "call", "no_answer", "email")
LOGGED_CONTACT_KINDS = ("call", "no_answer", "email")
# How a reply reached the patient by email.
DELIVERIES = ("sent", "failed", "no_email", "not_configured")
# How a reply reached the patient's chat (bot.tickets.chat_delivery): shown in the open chat,
# kept for when they come back, no conversation, failed, not set up.
CHAT_DELIVERIES = ("live", "waiting", "no_chat", "failed", "not_configured")

# Named constraints, so migrations can refer to them on every database.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)
mapper_registry = registry(metadata=metadata)
Base: Any = mapper_registry.generate_base()


class UTCDateTime(TypeDecorator):
    """A datetime stored as naive UTC (portable) and returned timezone-aware (UTC)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: give tickets timezone-aware times")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


class Consultant(Base):
    """A pharmacy consultant who logs in to the inbox; a ``lead`` may act on any ticket."""

    __tablename__ = "consultants"
    __table_args__ = (CheckConstraint("role IN ('consultant', 'lead')", name="role"),)

    id = Column(Integer, primary_key=True)
    username = Column(String(100), nullable=False, unique=True)
    password_hash = Column(String(255), nullable=False)
    active = Column(Boolean, nullable=False, default=True)
    created_at = Column(UTCDateTime(), nullable=False)
    role = Column(String(16), nullable=False, default="consultant", server_default="consultant")
    last_login_at = Column(UTCDateTime(), nullable=True)


class ConsultantSession(Base):
    """A server-side login session; the cookie holds a random token, we keep its hash."""

    __tablename__ = "consultant_sessions"

    token_hash = Column(String(64), primary_key=True)
    consultant_id = Column(
        Integer, ForeignKey("consultants.id", ondelete="CASCADE"), nullable=False, index=True
    )
    csrf_token = Column(String(64), nullable=False)
    created_at = Column(UTCDateTime(), nullable=False)
    expires_at = Column(UTCDateTime(), nullable=False, index=True)

    consultant = relationship(Consultant, lazy="joined")


class Ticket(Base):
    """A patient's request to be contacted by a consultant."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('new', 'claimed', 'waiting_for_patient', 'resolved')", name="status"),
        Index("ix_tickets_inbox_order", "urgent", "created_at"),
    )

    id = Column(Integer, primary_key=True)
    reference = Column(String(16), nullable=False, unique=True)
    filing_id = Column(String(36), nullable=False, unique=True)
    status = Column(String(24), nullable=False, default="new", index=True)
    created_at = Column(UTCDateTime(), nullable=False)
    updated_at = Column(UTCDateTime(), nullable=False)
    patient_name = Column(String(200), nullable=False)
    email = Column(String(254))
    phone = Column(String(254))
    best_time = Column(String(200))
    question = Column(Text, nullable=False)
    drug = Column(String(200), index=True)
    topic = Column(String(200))
    urgent = Column(Boolean, nullable=False, default=False)
    consent = Column(Boolean, nullable=False)
    consented_at = Column(UTCDateTime(), nullable=False)
    sender_id = Column(String(254))
    transcript = Column(JSON, nullable=False)
    assigned_to_id = Column(Integer, ForeignKey("consultants.id", ondelete="SET NULL"), nullable=True)
    # Case-folded name, contact, reference, question and transcript text, for search.
    search_text = Column(Text, nullable=False, default="", server_default="")
    # Filed by a test run (conversation tests, end-to-end tests): hidden from the inbox.
    test = Column(Boolean, nullable=False, default=False, server_default=false())

    assigned_to = relationship(Consultant, lazy="joined")
    events = relationship(
        "TicketEvent",
        order_by="TicketEvent.id",
        back_populates="ticket",
        cascade="all, delete-orphan",
    )
    history = relationship(
        "TicketTransition",
        order_by="TicketTransition.id",
        back_populates="ticket",
        cascade="all, delete-orphan",
    )
    replies = relationship(
        "TicketReply",
        order_by="TicketReply.id",
        back_populates="ticket",
        cascade="all, delete-orphan",
    )
    contacts = relationship(
        "TicketContact",
        order_by="TicketContact.id",
        back_populates="ticket",
        cascade="all, delete-orphan",
    )


class TicketEvent(Base):
    """One line of a ticket's audit trail: who did what, when, with what detail."""

    __tablename__ = "ticket_events"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False)
    actor = Column(String(100), nullable=False)
    action = Column(String(32), nullable=False)
    detail = Column(Text)

    ticket = relationship(Ticket, back_populates="events")


class TicketTransition(Base):
    """One change of a ticket's status or assignee: who, when, from what to what."""

    __tablename__ = "ticket_history"

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False)
    actor = Column(String(100), nullable=False)
    action = Column(String(32), nullable=False)
    from_status = Column(String(24))
    to_status = Column(String(24), nullable=False)
    assigned_to = Column(String(100))
    detail = Column(Text)

    ticket = relationship(Ticket, back_populates="history")


class TicketReply(Base):
    """A consultant's reply to the patient, and how it was delivered by email and in the chat
    (``chat_status`` is NULL on replies older than the chat delivery)."""

    __tablename__ = "ticket_replies"
    __table_args__ = (
        CheckConstraint(
            "email_status IN ('sent', 'failed', 'no_email', 'not_configured')", name="email_status"
        ),
        CheckConstraint(
            "chat_status IN ('live', 'waiting', 'no_chat', 'failed', 'not_configured')", name="chat_status"
        ),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False)
    author = Column(String(100), nullable=False)
    text = Column(Text, nullable=False)
    email_to = Column(String(254))
    email_status = Column(String(16), nullable=False)
    email_detail = Column(Text)
    chat_status = Column(String(16))
    chat_detail = Column(Text)

    ticket = relationship(Ticket, back_populates="replies")


class TicketContact(Base):
    """One attempt to reach the patient: a reply sent, a call made, no answer."""

    __tablename__ = "ticket_contacts"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('reply_email', 'reply_failed', 'reply_recorded', 'call', 'no_answer', 'email')",
            name="kind",
        ),
    )

    id = Column(Integer, primary_key=True)
    ticket_id = Column(Integer, ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False, index=True)
    at = Column(UTCDateTime(), nullable=False)
    actor = Column(String(100), nullable=False)
    kind = Column(String(16), nullable=False)
    note = Column(Text)
    reply_id = Column(Integer, ForeignKey("ticket_replies.id", ondelete="SET NULL"), nullable=True)

    ticket = relationship(Ticket, back_populates="contacts")

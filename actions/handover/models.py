"""Handover tables: the conversation-to-ticket record, the outbox, local tickets, seen webhooks.

Everything stored here has already been through `redaction.redact`.
Times are naive UTC (`utcnow()`), as elsewhere in the project.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from actions.store.database import Base

ACTIVE_HANDOVER_STATES = ("queued", "open")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class HandoverRow(Base):
    """One handover: which conversation went to which ticket, and where it stands.

    state: `queued` (ticket not created yet), `open` (ticket exists, agent replies go to the
    chat), `ended` (ticket solved/closed; the bot has the conversation back), `failed` (the
    ticket could not be created and an operator must act).
    """

    __tablename__ = "handovers"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(String(255), index=True)
    channel: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(32))
    intent: Mapped[str | None] = mapped_column(String(120), nullable=True)
    order_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    earlier_ticket_number: Mapped[str | None] = mapped_column(String(16), nullable=True)
    requester_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    requester_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    backend: Mapped[str] = mapped_column(String(16))  # "zendesk" or "local"
    ticket_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    requester_user_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    state: Mapped[str] = mapped_column(String(16), default="queued")
    ticket_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    ticket_created_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    messages: Mapped[list[OutboxRow]] = relationship(back_populates="handover")

    __table_args__ = (
        Index("ix_handovers_ticket", "backend", "ticket_id"),
        # At most one active handover per conversation, enforced by the database.
        Index(
            "uq_handovers_active_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text("state IN ('queued', 'open')"),
            postgresql_where=text("state IN ('queued', 'open')"),
        ),
    )


class OutboxRow(Base):
    """One message to deliver: a ticket to create, a comment to add, or a chat message.

    state: `pending` -> `sending` (claimed by one drainer until `claim_expires_at`) -> `sent`,
    or `dead` when it can never be sent as it is (rejected for good, or the same unexpected
    error twice); an operator requeues it with `outbox retry ID`. (`failed` is the name older
    versions gave to dead rows; it is treated the same.)
    `target` groups messages that must arrive in order for one handover: `tickets` or `chat`.
    """

    __tablename__ = "handover_outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    handover_id: Mapped[str] = mapped_column(ForeignKey("handovers.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict] = mapped_column(JSON)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    state: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    first_attempt_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    claim_expires_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)

    handover: Mapped[HandoverRow] = relationship(back_populates="messages")

    __table_args__ = (
        Index("ix_handover_outbox_due", "state", "next_attempt_at"),
        Index("ix_handover_outbox_order", "handover_id", "target", "id"),
    )


class LocalTicketRow(Base):
    """A ticket in the built-in ticket table used when Zendesk is not configured."""

    __tablename__ = "local_tickets"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    subject: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new")
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    tags: Mapped[list] = mapped_column(JSON, default=list)
    requester_name: Mapped[str | None] = mapped_column(String(120), nullable=True)
    requester_email: Mapped[str | None] = mapped_column(String(254), nullable=True, index=True)
    external_id: Mapped[str | None] = mapped_column(String(80), nullable=True, index=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    comments: Mapped[list[LocalTicketCommentRow]] = relationship(
        back_populates="ticket", order_by="LocalTicketCommentRow.id", cascade="all, delete-orphan"
    )


class LocalTicketCommentRow(Base):
    __tablename__ = "local_ticket_comments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("local_tickets.id", ondelete="CASCADE"))
    author_role: Mapped[str] = mapped_column(String(16))  # "end-user", "agent", "system"
    body: Mapped[str] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(80), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    ticket: Mapped[LocalTicketRow] = relationship(back_populates="comments")


class WebhookEventRow(Base):
    """Webhook deliveries already processed, so a redelivery or replay is not shown twice.

    One row per dedupe key of a processed event (signed content, ticket + comment id, ticket +
    final status, Zendesk's invocation id); the primary key makes it hold across processes."""

    __tablename__ = "handover_webhook_events"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

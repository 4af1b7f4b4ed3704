"""Tickets in the project's own database, used when Zendesk is not configured.

Same interface as the Zendesk client, plus what the `tickets` command needs to act as the
agent (list, show, reply, set status). Creating twice with one idempotency key returns the
first ticket, as Zendesk does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from actions.handover.errors import RequestRejected
from actions.handover.models import LocalTicketCommentRow, LocalTicketRow, utcnow
from actions.handover.tickets import (
    CommentDraft,
    CreatedTicket,
    TicketDraft,
    TicketRecord,
    format_ticket_number,
)

STATUSES = ("new", "open", "pending", "hold", "solved", "closed")


@dataclass(frozen=True)
class LocalComment:
    author_role: str
    body: str
    public: bool
    created_at: datetime


@dataclass(frozen=True)
class LocalTicket:
    ticket_id: int
    ticket_number: str
    subject: str
    description: str
    status: str
    priority: str
    tags: tuple[str, ...]
    requester_name: str | None
    requester_email: str | None
    created_at: datetime
    updated_at: datetime
    comments: tuple[LocalComment, ...] = ()


def _iso(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") + "Z" if value else None


class LocalTicketBackend:
    """Tickets stored in `local_tickets` / `local_ticket_comments`."""

    name = "local"

    def __init__(self, sessions: sessionmaker) -> None:
        self._sessions = sessions

    # --- TicketBackend ---------------------------------------------------------------------

    def create_ticket(self, draft: TicketDraft, *, idempotency_key: str, timeout: float = 0) -> CreatedTicket:
        existing = self._by_key(idempotency_key)
        if existing is not None:
            return existing
        try:
            with self._sessions.begin() as session:
                row = LocalTicketRow(
                    subject=draft.subject, description=draft.description, status="new",
                    priority=draft.priority, tags=list(draft.tags),
                    requester_name=draft.requester_name, requester_email=draft.requester_email,
                    external_id=draft.external_id, idempotency_key=idempotency_key,
                )
                session.add(row)
                session.flush()
                return CreatedTicket(row.id, None, row.status)
        except IntegrityError:  # a concurrent create with the same key won
            existing = self._by_key(idempotency_key)
            if existing is None:
                raise
            return existing

    def _by_key(self, idempotency_key: str) -> CreatedTicket | None:
        with self._sessions() as session:
            row = session.scalar(
                select(LocalTicketRow).where(LocalTicketRow.idempotency_key == idempotency_key))
            return CreatedTicket(row.id, None, row.status) if row else None

    def find_ticket_by_external_id(self, external_id: str, *, timeout: float = 0) -> CreatedTicket | None:
        with self._sessions() as session:
            row = session.scalar(select(LocalTicketRow).where(LocalTicketRow.external_id == external_id)
                                 .order_by(LocalTicketRow.id))
            return CreatedTicket(row.id, None, row.status) if row else None

    def add_comment(self, ticket_id: int, comment: CommentDraft, *, idempotency_key: str,
                    timeout: float = 0) -> None:
        self._add(ticket_id, "end-user", comment.body, comment.public, idempotency_key)

    def has_comment(self, ticket_id: int, body: str, *, since: datetime, timeout: float = 0) -> bool:
        with self._sessions() as session:
            return session.scalar(select(LocalTicketCommentRow.id).where(
                LocalTicketCommentRow.ticket_id == ticket_id,
                LocalTicketCommentRow.body == body,
                LocalTicketCommentRow.created_at >= since - timedelta(seconds=60))) is not None

    def get_ticket(self, ticket_id: int, *, timeout: float = 0) -> TicketRecord | None:
        with self._sessions() as session:
            row = session.get(LocalTicketRow, ticket_id)
            if row is None:
                return None
            return TicketRecord(row.id, row.subject, row.status, row.requester_email,
                                _iso(row.created_at), _iso(row.updated_at))

    # --- acting as the agent (the `tickets` command) -----------------------------------------

    def _add(self, ticket_id: int, role: str, body: str, public: bool, key: str | None) -> None:
        try:
            with self._sessions.begin() as session:
                row = session.get(LocalTicketRow, ticket_id)
                if row is None:
                    raise RequestRejected(f"local ticket {ticket_id} does not exist", status=404)
                if row.status == "closed":
                    raise RequestRejected(f"local ticket {ticket_id} is closed", status=422)
                session.add(LocalTicketCommentRow(ticket_id=ticket_id, author_role=role, body=body,
                                                  public=public, idempotency_key=key))
                row.updated_at = utcnow()
                if role == "end-user" and row.status in ("pending", "solved"):
                    row.status = "open"  # a customer reply reopens, as in Zendesk
                if role == "agent" and row.status == "new":
                    row.status = "open"
        except IntegrityError:
            if key is None:
                raise  # otherwise: this comment was already added (same idempotency key)

    def add_agent_reply(self, ticket_id: int, body: str, *, public: bool = True) -> None:
        self._add(ticket_id, "agent", body, public, None)

    def set_status(self, ticket_id: int, status: str) -> None:
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        with self._sessions.begin() as session:
            row = session.get(LocalTicketRow, ticket_id)
            if row is None:
                raise KeyError(ticket_id)
            row.status = status
            row.updated_at = utcnow()

    def list_tickets(self, *, status: str | None = None, limit: int = 50) -> list[LocalTicket]:
        with self._sessions() as session:
            query = select(LocalTicketRow).order_by(LocalTicketRow.id.desc()).limit(limit)
            if status:
                query = query.where(LocalTicketRow.status == status)
            return [self._record(row, with_comments=False) for row in session.scalars(query)]

    def ticket(self, ticket_id: int) -> LocalTicket | None:
        with self._sessions() as session:
            row = session.get(LocalTicketRow, ticket_id)
            return self._record(row, with_comments=True) if row else None

    @staticmethod
    def _record(row: LocalTicketRow, *, with_comments: bool) -> LocalTicket:
        comments = tuple(
            LocalComment(c.author_role, c.body, c.public, c.created_at) for c in row.comments
        ) if with_comments else ()
        return LocalTicket(
            ticket_id=row.id, ticket_number=format_ticket_number(row.id), subject=row.subject,
            description=row.description, status=row.status, priority=row.priority,
            tags=tuple(row.tags or ()), requester_name=row.requester_name,
            requester_email=row.requester_email, created_at=row.created_at,
            updated_at=row.updated_at, comments=comments,
        )

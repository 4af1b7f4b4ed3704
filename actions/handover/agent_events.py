"""What agents do on tickets, applied to the linked conversation: public replies go to the
chat, a solved ticket gives the conversation back to the bot.

Used by the Zendesk webhook and by the local `tickets reply|solve` command alike. Each event is
recorded under its dedupe keys (`TicketEvent.keys`) in the same transaction that queues its
chat messages, so a replay is recognised by every process sharing the database.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from actions.handover.config import HandoverConfig
from actions.handover.models import HandoverRow, OutboxRow, WebhookEventRow, utcnow
from actions.handover.outbox import DrainReport, Outbox
from actions.handover.tickets import ENDED_STATUSES, TicketEvent
from actions.privacy import clean_text

AGENT_ROLES = {"agent", "admin"}


class AgentEvents:
    """Applies ticket events; `send_now` and `notify` come from the service."""

    def __init__(self, config: HandoverConfig, sessions: sessionmaker, backend_name: str, *,
                 send_now: Callable[..., DrainReport], notify: Callable[[], None]) -> None:
        self.config, self.sessions, self.backend_name = config, sessions, backend_name
        self.send_now, self.notify = send_now, notify

    def process_ticket_event(self, event: TicketEvent, *, deliver_now: bool = True) -> dict[str, Any]:
        """Apply an agent's public reply or a status change to the linked conversation.

        Used by the Zendesk webhook and by the local `tickets reply|solve` command alike.
        """
        event = replace(event, comment_body=clean_text(event.comment_body)
                        if event.comment_body is not None else None)
        for attempt in range(3):
            try:
                return self._process_ticket_event(event, deliver_now=deliver_now)
            except IntegrityError:  # another server recorded one of its dedupe keys at once
                if self._seen(event.keys):
                    return {"result": "duplicate"}
                raise
            except OperationalError:  # SQLite: another writer committed after our snapshot
                if attempt == 2:
                    raise
                time.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    def _seen(self, keys: tuple[str, ...]) -> bool:
        if not keys:
            return False
        with self.sessions() as session:
            return session.scalar(select(WebhookEventRow.key)
                                  .where(WebhookEventRow.key.in_(list(keys))).limit(1)) is not None

    def _process_ticket_event(self, event: TicketEvent, *, deliver_now: bool) -> dict[str, Any]:
        status = (event.status or "").strip().lower() or None
        with self.sessions.begin() as session:
            keys = event.keys
            if keys:  # durable: the primary key holds across restarts and servers sharing the DB
                if session.scalar(select(WebhookEventRow.key)
                                  .where(WebhookEventRow.key.in_(list(keys))).limit(1)) is not None:
                    return {"result": "duplicate"}
                session.add_all([WebhookEventRow(key=key) for key in keys])
                session.flush()
            row = session.scalar(
                select(HandoverRow)
                .where(HandoverRow.backend == self.backend_name, HandoverRow.ticket_id == event.ticket_id)
                .order_by(HandoverRow.created_at.desc()))
            if row is None:
                return {"result": "ignored", "why": "ticket not linked to a chat"}
            if status:
                row.ticket_status = status
            queued: list[str] = []
            why = None
            if event.event == "comment":
                why = self._queue_agent_comment(session, row, event)
                if why is None:
                    queued.append("agent_message")
            if status in ENDED_STATUSES and row.state == "open":
                row.state, row.ended_at = "ended", utcnow()
                Outbox.enqueue(session, handover_id=row.id, target="chat", kind="chat_handover_ended",
                               payload={"status": status},
                               idempotency_key=f"ended-{row.id}")
                queued.append("handover_ended")
            handover_id = row.id
        if not queued:
            return {"result": "ignored", "why": why or "nothing to deliver"}
        result: dict[str, Any] = {"result": "accepted", "queued": queued}
        if deliver_now:
            budget = min(self.config.sync_budget_seconds, self.config.http_timeout_seconds)
            self.send_now(only_handover=handover_id, deadline=time.monotonic() + budget)
            result["delivered"] = self._chat_backlog(handover_id) == 0
        self.notify()
        return result

    def _chat_backlog(self, handover_id: str) -> int:
        """Chat messages of this handover not delivered yet."""
        with self.sessions() as session:
            return len(session.scalars(select(OutboxRow.id).where(
                OutboxRow.handover_id == handover_id, OutboxRow.target == "chat",
                OutboxRow.state.in_(("pending", "sending")))).all())

    def _queue_agent_comment(self, session: Session, row: HandoverRow, event: TicketEvent) -> str | None:
        """Queue the reply for the chat, or return why it is not for the chat."""
        body = (event.comment_body or "").strip()
        if not body:
            return "empty comment"
        if not event.comment_public:
            return "internal note"
        if event.author_role and event.author_role.strip().lower() not in AGENT_ROLES:
            return "not written by an agent"
        if row.state != "open":
            return f"handover is {row.state}"
        if self._is_echo(session, row.id, body):
            return "our own copy of a customer message"
        Outbox.enqueue(session, handover_id=row.id, target="chat", kind="chat_message",
                       payload={"text": body}, idempotency_key=f"chat-{uuid.uuid4().hex}")
        return None

    @staticmethod
    def _is_echo(session: Session, handover_id: str, body: str) -> bool:
        wanted = " ".join(body.split())
        rows = session.scalars(select(OutboxRow.payload).where(
            OutboxRow.handover_id == handover_id, OutboxRow.kind == "add_comment"))
        return any(" ".join(str(p.get("body", "")).split()) == wanted for p in rows)

"""Delivering outbox messages: create tickets, add comments, push agent replies to the chat.

`Delivery.drain()` sends what is due (the worker, the CLI); `send_now()` is the short
synchronous try made while a user waits. Errors are classified in `errors` and handled by
`outbox.drain` (retry, back off, or dead).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from actions.handover.config import HandoverConfig
from actions.handover.errors import DeliveryError, RequestRejected
from actions.handover.models import HandoverRow, utcnow
from actions.handover.outbox import (
    DEAD,
    Delivered,
    DrainReport,
    Outbox,
    OutboxMessage,
    RetryPolicy,
    TargetHealth,
    drain,
    operator_log,
)
from actions.handover.rasa_bridge import RasaBridge
from actions.handover.tickets import CommentDraft, TicketBackend, TicketDraft, format_ticket_number

logger = logging.getLogger(__name__)


class Delivery:
    """Sends outbox messages to the ticket backend and to Rasa; shared by every drainer."""

    def __init__(self, config: HandoverConfig, sessions: sessionmaker, backend: TicketBackend,
                 chat: RasaBridge, outbox: Outbox, health: TargetHealth, policy: RetryPolicy) -> None:
        self.config, self.sessions, self.backend, self.chat = config, sessions, backend, chat
        self.outbox, self.health, self.policy = outbox, health, policy

    def drain(self, *, deadline: float | None = None, max_messages: int = 500,
              sleep: Callable[[float], Any] | None = None,
              keep_going: Callable[[], bool] | None = None) -> DrainReport:
        """Deliver what is due (the worker calls this; so does `python -m actions.handover drain`)."""
        for target in ("tickets", "chat"):
            reason = self.health.blocked_reason(target)
            if reason and self.health.remind(target):
                waiting = self.outbox.counts().get("pending", 0)
                operator_log.error("%d outbox message(s) waiting: %s", waiting, reason)
        if self.health.remind("dead-messages"):
            counts = self.outbox.counts()
            dead = counts.get(DEAD, 0) + counts.get("failed", 0)
            if dead:
                operator_log.error("%d outbox message(s) are dead and will not be sent until you fix "
                                   "the cause and requeue them: `python -m actions.handover outbox "
                                   "list --state dead`, then `outbox retry ID`", dead)
        return drain(self.outbox, self.deliver, policy=self.policy, health=self.health,
                     http_timeout=self.config.http_timeout_seconds, deadline=deadline,
                     max_messages=max_messages, on_rejected=self.on_rejected,
                     sleep=sleep or time.sleep, keep_going=keep_going)

    def deliver(self, message: OutboxMessage, timeout: float) -> Delivered:
        handover = self._handover_row(message.handover_id)
        if message.kind == "create_ticket":
            return self._create_ticket(message, handover, timeout)
        if message.kind == "add_comment":
            return self._add_comment(message, handover, timeout)
        if message.kind == "chat_message":
            if self._too_old_for_chat(message):
                logger.warning("agent reply %s is older than %.0fs; not pushed to the chat "
                               "(the customer has it by email)", message.id, self.config.chat_max_age_seconds)
                return Delivered({"dropped": "too old for the chat"})
            self.chat.deliver_agent_message(handover.conversation_id, message.payload["text"],
                                            timeout=timeout)
            return Delivered({"delivered": True})
        if message.kind == "chat_handover_ended":
            if self._too_old_for_chat(message):
                return Delivered({"dropped": "too old for the chat"})
            self.chat.end_handover(handover.conversation_id, timeout=timeout)
            return Delivered({"delivered": True})
        raise RequestRejected(f"unknown outbox message kind {message.kind!r}")

    def _handover_row(self, handover_id: str) -> HandoverRow:
        with self.sessions() as session:
            row = session.get(HandoverRow, handover_id)
            if row is None:
                raise RequestRejected(f"handover {handover_id} does not exist")
            session.expunge(row)
            return row

    def _past_idempotency_window(self, message: OutboxMessage) -> bool:
        if message.attempts == 0 or message.first_attempt_at is None:
            return False
        window = timedelta(seconds=self.config.idempotency_window_seconds)
        return utcnow() - message.first_attempt_at >= window

    def _create_ticket(self, message: OutboxMessage, handover: HandoverRow, timeout: float) -> Delivered:
        if handover.ticket_id is not None:  # already created (e.g. the message was requeued)
            return Delivered({"ticket_id": handover.ticket_id, "already_there": True})
        draft = TicketDraft.from_payload(message.payload)
        created = None
        if self._past_idempotency_window(message):
            # An earlier try may have created the ticket after its key expired at Zendesk.
            created = self.backend.find_ticket_by_external_id(draft.external_id, timeout=timeout)
        if created is None:
            created = self.backend.create_ticket(draft, idempotency_key=message.idempotency_key,
                                                 timeout=timeout)
        handover_id = handover.id

        def record(session: Session) -> None:
            row = session.get(HandoverRow, handover_id)
            if row is not None and row.ticket_id is None:
                row.ticket_id = created.ticket_id
                row.requester_user_id = created.requester_user_id
                row.ticket_status = created.status
                row.ticket_created_at = utcnow()
                if row.state == "queued":
                    row.state = "open"

        logger.info("handover %s: ticket %s created", handover_id, format_ticket_number(created.ticket_id))
        return Delivered({"ticket_id": created.ticket_id}, record)

    def _add_comment(self, message: OutboxMessage, handover: HandoverRow, timeout: float) -> Delivered:
        if handover.ticket_id is None:
            raise RequestRejected(f"handover {handover.id} has no ticket (its creation failed)")
        body = message.payload["body"]
        since = message.first_attempt_at
        if (message.attempts > 0 and since is not None
                and self.backend.has_comment(handover.ticket_id, body, since=since, timeout=timeout)):
            return Delivered({"ticket_id": handover.ticket_id, "already_there": True})
        comment = CommentDraft(body=body, public=True, author_user_id=handover.requester_user_id)
        self.backend.add_comment(handover.ticket_id, comment, idempotency_key=message.idempotency_key,
                                 timeout=timeout)
        return Delivered({"ticket_id": handover.ticket_id})

    def _too_old_for_chat(self, message: OutboxMessage) -> bool:
        age = (utcnow() - message.created_at).total_seconds()
        return age > self.config.chat_max_age_seconds

    def send_now(self, *, deadline: float, only_ids: list[int] | None = None,
                  only_handover: str | None = None) -> DrainReport:
        """One synchronous try: no inline retries, but rate limits and bad credentials respected."""
        policy = replace(self.policy, attempts_per_drain=1)
        return drain(self.outbox, self.deliver, policy=policy, health=self.health,
                     http_timeout=self.config.http_timeout_seconds, deadline=deadline,
                     max_messages=20, only_ids=only_ids, only_handover=only_handover,
                     on_rejected=self.on_rejected)

    def on_rejected(self, message: OutboxMessage,
                     error: DeliveryError | None) -> Callable[[Session], None] | None:
        if message.kind != "create_ticket":
            return None

        def mark_failed(session: Session) -> None:
            row = session.get(HandoverRow, message.handover_id)
            if row is not None and row.state == "queued":
                row.state = "failed"

        return mark_failed

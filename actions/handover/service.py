"""The handover as the dialogue uses it: request a person, forward messages, check a ticket,
and apply what agents do on tickets.

Every change is written to the database first (handover record + outbox message in one
transaction) and only then sent, so nothing is lost when Zendesk or Rasa is down.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions.handover.config import HandoverConfig
from actions.handover.content import build_ticket, customer_comment
from actions.handover.errors import CredentialsRejected, DeliveryError, RequestRejected
from actions.handover.local_tickets import LocalTicketBackend
from actions.handover.models import (
    ACTIVE_HANDOVER_STATES,
    HandoverRow,
    OutboxRow,
    WebhookEventRow,
    utcnow,
)
from actions.handover.outbox import (
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
from actions.handover.summary import Summarizer
from actions.handover.tickets import (
    ENDED_STATUSES,
    REASONS,
    STATUS_EXPLANATIONS,
    STATUS_LABELS,
    CommentDraft,
    HandoverOutcome,
    HandoverRequest,
    TicketBackend,
    TicketDraft,
    TicketEvent,
    TicketLookupUnavailable,
    TicketStatus,
    format_ticket_number,
    parse_ticket_id,
)

logger = logging.getLogger(__name__)

SUPPORT_EMAIL = "support@northwindoutfitters.com"  # help center: contact-customer-support
FIRST_REPLY = "within 1 business day"  # help center: support-ticket-status
AGENT_ROLES = {"agent", "admin"}
CUSTOMER_MESSAGE_BUDGET_SECONDS = 2.0


@dataclass(frozen=True)
class HandoverInfo:
    """The active handover of a conversation."""

    handover_id: str
    conversation_id: str
    state: str  # "queued" or "open"
    ticket_id: int | None
    ticket_number: str | None
    reason: str
    created_at: datetime


class HandoverService:
    """One instance per process (see `get_service`); safe to use from several threads."""

    def __init__(
        self,
        config: HandoverConfig | None = None,
        *,
        sessions: sessionmaker | None = None,
        backend: TicketBackend | None = None,
        chat: RasaBridge | None = None,
        summarizer: Summarizer | None = None,
    ) -> None:
        from actions.store.database import get_sessionmaker

        self.config = config or HandoverConfig.from_env()
        self.sessions = sessions or get_sessionmaker()
        if backend is None:
            if self.config.zendesk_enabled:
                from actions.handover.zendesk import ZendeskBackend

                backend = ZendeskBackend(self.config)
            else:
                backend = LocalTicketBackend(self.sessions)
        self.backend: TicketBackend = backend
        self.chat = chat or RasaBridge(self.config)
        self.summarizer = summarizer
        self.outbox = Outbox(self.sessions, lease_seconds=self.config.claim_lease_seconds)
        self.health = TargetHealth()
        self.policy = RetryPolicy.from_config(self.config)
        self._listeners: list[Callable[[], None]] = []

    # --- wiring --------------------------------------------------------------------------------

    def on_new_message(self, callback: Callable[[], None]) -> None:
        """Call `callback` whenever something was queued (the worker uses it to wake up)."""
        self._listeners.append(callback)

    def remove_listener(self, callback: Callable[[], None]) -> None:
        if callback in self._listeners:
            self._listeners.remove(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:
                logger.exception("outbox listener failed")

    # --- asking for a person ----------------------------------------------------------------

    def request_handover(self, request: HandoverRequest) -> HandoverOutcome:
        """Create the ticket (or queue it) and say honestly what happens next.

        Spends at most `HANDOVER_SYNC_BUDGET_SECONDS`: the summary, then one send; whatever
        did not go out is delivered by the outbox worker. Raises only for a missing
        conversation id; if even the database fails, the outcome tells the user to email us.
        """
        if not request.conversation_id:
            raise ValueError("request_handover needs the conversation id (Rasa sender id)")
        try:
            return self._request_handover(request)
        except SQLAlchemyError:
            operator_log.exception("could not save a handover for conversation %s; the customer "
                                   "was asked to email support", request.conversation_id)
            return HandoverOutcome(None, None, False, message_failed(request.order_number),
                                   None, "failed")

    def _request_handover(self, request: HandoverRequest) -> HandoverOutcome:
        started = time.monotonic()
        deadline = started + self.config.sync_budget_seconds
        if request.reason not in REASONS:
            logger.warning("unknown handover reason %r; sending it as given", request.reason)

        existing = self.active_handover(request.conversation_id)
        if existing is not None:
            return self._already_open(existing, request)

        handover_id = uuid.uuid4().hex
        summary_timeout = min(self.config.summary_timeout_seconds, self.config.sync_budget_seconds / 2)
        draft, _summary = build_ticket(request, handover_id=handover_id, summarizer=self.summarizer,
                                       summary_timeout=summary_timeout)
        try:
            with self.sessions.begin() as session:
                session.add(HandoverRow(
                    id=handover_id, conversation_id=request.conversation_id,
                    channel=(request.channel or "unknown")[:64], reason=request.reason[:32],
                    intent=_clip(request.intent, 120), order_number=_clip(request.order_number, 16),
                    earlier_ticket_number=_clip(request.ticket_number, 16),
                    requester_name=draft.requester_name, requester_email=draft.requester_email,
                    backend=self.backend.name, state="queued",
                ))
                session.flush()
                message = Outbox.enqueue(session, handover_id=handover_id, target="tickets",
                                         kind="create_ticket", payload=draft.to_payload(),
                                         idempotency_key=f"handover-{handover_id}")
                message_id = message.id
        except IntegrityError:  # another request for this conversation won the race
            existing = self.active_handover(request.conversation_id)
            if existing is None:
                raise
            return self._already_open(existing, request)
        logger.info("handover %s queued for conversation %s (reason %s)", handover_id,
                    request.conversation_id, request.reason)

        try:
            self._send_now(only_ids=[message_id], deadline=deadline)
            info = self._handover(handover_id)
            if info is not None and info.ticket_id is None and info.state == "queued":
                info = self._wait_for_ticket(handover_id, deadline)  # another drainer may have it
        except SQLAlchemyError:  # saved already: the worker will send it
            logger.exception("handover %s saved but the first send could not run", handover_id)
            info = HandoverInfo(handover_id, request.conversation_id, "queued", None, None,
                                request.reason, utcnow())
        self._notify()
        return self._outcome(info, draft.requester_email, request.order_number)

    def _send_now(self, *, deadline: float, only_ids: list[int] | None = None,
                  only_handover: str | None = None) -> DrainReport:
        """One synchronous try: no inline retries, but rate limits and bad credentials respected."""
        policy = replace(self.policy, attempts_per_drain=1)
        return drain(self.outbox, self._deliver, policy=policy, health=self.health,
                     http_timeout=self.config.http_timeout_seconds, deadline=deadline,
                     max_messages=20, only_ids=only_ids, only_handover=only_handover,
                     on_rejected=self._on_rejected)

    def _wait_for_ticket(self, handover_id: str, deadline: float) -> HandoverInfo | None:
        info = self._handover(handover_id)
        while info is not None and info.ticket_id is None and info.state == "queued":
            if time.monotonic() + 0.1 >= deadline or self._create_is_idle(handover_id):
                break
            time.sleep(0.1)
            info = self._handover(handover_id)
        return info

    def _create_is_idle(self, handover_id: str) -> bool:
        """True when nobody is sending the ticket right now (so waiting is pointless)."""
        with self.sessions() as session:
            state = session.scalar(select(OutboxRow.state).where(
                OutboxRow.handover_id == handover_id, OutboxRow.kind == "create_ticket"))
            return state != "sending"

    def _outcome(self, info: HandoverInfo | None, email: str | None,
                 order_number: str | None) -> HandoverOutcome:
        if info is None:  # cannot happen unless the row was deleted
            raise RuntimeError("handover record vanished")
        if info.ticket_id is not None:
            number = format_ticket_number(info.ticket_id)
            return HandoverOutcome(info.ticket_id, number, False,
                                   message_created(number, email), info.handover_id, "created")
        if info.state == "failed":
            return HandoverOutcome(None, None, False, message_failed(order_number),
                                   info.handover_id, "failed")
        return HandoverOutcome(None, None, True, message_queued(email), info.handover_id, "queued")

    def _already_open(self, info: HandoverInfo, request: HandoverRequest) -> HandoverOutcome:
        number = info.ticket_number
        if number:
            text = (f"You're already with our support team: your ticket is {number}. Anything "
                    "you write here is added to it, and you'll get a first reply by email "
                    f"{FIRST_REPLY}.")
        else:
            text = ("Your earlier request is saved and will reach our team; anything you write "
                    f"here is added to it. You'll get a first reply by email {FIRST_REPLY}.")
        return HandoverOutcome(info.ticket_id, number, info.ticket_id is None, text,
                               info.handover_id, "already_open")

    # --- while handed over --------------------------------------------------------------------

    def active_handover(self, conversation_id: str) -> HandoverInfo | None:
        """The conversation's queued or open handover, if any."""
        with self.sessions() as session:
            row = session.scalar(
                select(HandoverRow)
                .where(HandoverRow.conversation_id == conversation_id,
                       HandoverRow.state.in_(ACTIVE_HANDOVER_STATES))
                .order_by(HandoverRow.created_at.desc()))
            return _info(row) if row else None

    def _handover(self, handover_id: str) -> HandoverInfo | None:
        with self.sessions() as session:
            row = session.get(HandoverRow, handover_id)
            return _info(row) if row else None

    def add_customer_message(self, conversation_id: str, text: str) -> bool:
        """Add the customer's message to their open ticket (redacted, through the outbox).

        Returns False when the conversation is not handed over (the bot should answer).
        """
        info = self.active_handover(conversation_id)
        if info is None:
            return False
        body = customer_comment(text)
        if not body:
            return True
        with self.sessions.begin() as session:
            message = Outbox.enqueue(session, handover_id=info.handover_id, target="tickets",
                                     kind="add_comment", payload={"body": body},
                                     idempotency_key=f"comment-{uuid.uuid4().hex}")
            message_id = message.id
        budget = min(CUSTOMER_MESSAGE_BUDGET_SECONDS, self.config.sync_budget_seconds)
        if info.ticket_id is not None:
            self._send_now(only_ids=[message_id], deadline=time.monotonic() + budget)
        self._notify()
        return True

    # --- ticket status --------------------------------------------------------------------------

    def get_ticket_status(self, ticket_number: str, requester_email: str) -> TicketStatus | None:
        """The ticket's status if it exists AND belongs to `requester_email`; otherwise None
        (the same answer for "no such ticket" and "not yours").

        Raises `TicketLookupUnavailable` when the ticket system cannot be asked right now.
        """
        ticket_id = parse_ticket_id(ticket_number)
        email = (requester_email or "").strip().lower()
        if ticket_id is None or "@" not in email:
            return None
        try:
            record = self.backend.get_ticket(ticket_id, timeout=min(self.config.http_timeout_seconds, 5.0))
        except CredentialsRejected as exc:
            operator_log.error("%s (while looking up a ticket status)", exc)
            raise TicketLookupUnavailable(str(exc)) from exc
        except DeliveryError as exc:
            raise TicketLookupUnavailable(str(exc)) from exc
        if record is None or (record.requester_email or "").strip().lower() != email:
            return None
        label = STATUS_LABELS.get(record.status, record.status.title())
        return TicketStatus(
            ticket_number=format_ticket_number(record.ticket_id), status=record.status,
            status_label=label, explanation=STATUS_EXPLANATIONS.get(label, ""),
            subject=record.subject, updated_at=record.updated_at,
        )

    # --- what agents do -------------------------------------------------------------------------

    def process_ticket_event(self, event: TicketEvent, *, deliver_now: bool = True) -> dict[str, Any]:
        """Apply an agent's public reply or a status change to the linked conversation.

        Used by the Zendesk webhook and by the local `tickets reply|solve` command alike.
        """
        status = (event.status or "").strip().lower() or None
        with self.sessions.begin() as session:
            if event.event_key:
                if session.get(WebhookEventRow, event.event_key) is not None:
                    return {"result": "duplicate"}
                session.add(WebhookEventRow(key=event.event_key))
            row = session.scalar(
                select(HandoverRow)
                .where(HandoverRow.backend == self.backend.name, HandoverRow.ticket_id == event.ticket_id)
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
            self._send_now(only_handover=handover_id, deadline=time.monotonic() + budget)
            result["delivered"] = self._chat_backlog(handover_id) == 0
        self._notify()
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

    # --- delivery (called by drains) ----------------------------------------------------------

    def drain(self, *, deadline: float | None = None, max_messages: int = 500,
              sleep: Callable[[float], Any] | None = None,
              keep_going: Callable[[], bool] | None = None) -> DrainReport:
        """Deliver what is due (the worker calls this; so does `python -m actions.handover drain`)."""
        for target in ("tickets", "chat"):
            reason = self.health.blocked_reason(target)
            if reason and self.health.remind(target):
                waiting = self.outbox.counts().get("pending", 0)
                operator_log.error("%d outbox message(s) waiting: %s", waiting, reason)
        return drain(self.outbox, self._deliver, policy=self.policy, health=self.health,
                     http_timeout=self.config.http_timeout_seconds, deadline=deadline,
                     max_messages=max_messages, on_rejected=self._on_rejected,
                     sleep=sleep or time.sleep, keep_going=keep_going)

    def _deliver(self, message: OutboxMessage, timeout: float) -> Delivered:
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

    def _on_rejected(self, message: OutboxMessage, error: DeliveryError) -> Callable[[Session], None] | None:
        if message.kind != "create_ticket":
            return None

        def mark_failed(session: Session) -> None:
            row = session.get(HandoverRow, message.handover_id)
            if row is not None and row.state == "queued":
                row.state = "failed"

        return mark_failed


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _info(row: HandoverRow) -> HandoverInfo:
    return HandoverInfo(
        handover_id=row.id, conversation_id=row.conversation_id, state=row.state,
        ticket_id=row.ticket_id,
        ticket_number=format_ticket_number(row.ticket_id) if row.ticket_id else None,
        reason=row.reason, created_at=row.created_at,
    )


# --- what the customer is told -------------------------------------------------------------------

def message_created(ticket_number: str, email: str | None) -> str:
    if email:
        return (f"I've passed this to our support team. Your ticket number is {ticket_number}. "
                f"You'll get a first reply by email ({email}) {FIRST_REPLY}. If an agent replies "
                "while you're still here, you'll see it in this chat too.")
    return (f"I've passed this to our support team. Your ticket number is {ticket_number}; please "
            f"keep it. An agent will reply {FIRST_REPLY}. As I don't have your email address, "
            "quote the number if you contact us again.")


def message_queued(email: str | None) -> str:
    where = f"by email ({email})" if email else "here in the chat or by email"
    return ("I couldn't reach our ticket system just now, but your request is saved and will "
            "reach our team automatically as soon as it's back. You'll get a first reply "
            f"{where} {FIRST_REPLY} after that. There's no need to send it again.")


def message_failed(order_number: str | None) -> str:
    about = f" and mention your order {order_number}" if order_number else ""
    return ("I'm sorry, I couldn't pass this to our team automatically. Please email "
            f"{SUPPORT_EMAIL}{about}; we answer emails {FIRST_REPLY}.")


# --- the process-wide service ------------------------------------------------------------------

_service: HandoverService | None = None
_service_lock = threading.Lock()


def get_service() -> HandoverService:
    """The process-wide service, built from the environment on first use."""
    global _service
    with _service_lock:
        if _service is None:
            _service = HandoverService()
            logger.info("handover configured: %s", _service.config.describe())
        return _service


def configure(service: HandoverService | None = None, **kwargs: Any) -> HandoverService:
    """Replace the process-wide service, e.g. `configure(summarizer=partial(summarize_handover, llm))`."""
    global _service
    with _service_lock:
        _service = service or HandoverService(**kwargs)
        return _service


def request_handover(request: HandoverRequest) -> HandoverOutcome:
    return get_service().request_handover(request)


def add_customer_message(conversation_id: str, text: str) -> bool:
    return get_service().add_customer_message(conversation_id, text)


def active_handover(conversation_id: str) -> HandoverInfo | None:
    return get_service().active_handover(conversation_id)


def get_ticket_status(ticket_number: str, requester_email: str) -> TicketStatus | None:
    return get_service().get_ticket_status(ticket_number, requester_email)

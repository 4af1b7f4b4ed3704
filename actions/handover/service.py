"""The handover as the dialogue uses it: request a person, forward messages, check a ticket.

`HandoverService` also wires the parts: `delivery` (sending the outbox), `agent_events` (what
agents do on tickets) and, in `messages`, every sentence the customer sees.

Every change is written to the database first (handover record + outbox message in one
transaction) and only then sent, so nothing is lost when Zendesk or Rasa is down.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions.handover.agent_events import AgentEvents
from actions.handover.config import HandoverConfig
from actions.handover.content import build_ticket, clean_request, customer_comment
from actions.handover.delivery import Delivery
from actions.handover.errors import CredentialsRejected, DeliveryError
from actions.handover.local_tickets import LocalTicketBackend
from actions.handover.messages import (
    handover_reference,
    message_already_open,
    message_created,
    message_failed,
    message_queued,
)
from actions.handover.models import (
    ACTIVE_HANDOVER_STATES,
    HandoverRow,
    OutboxRow,
    utcnow,
)
from actions.handover.outbox import (
    DEAD,
    DrainReport,
    Outbox,
    RetryPolicy,
    TargetHealth,
    operator_log,
)
from actions.handover.rasa_bridge import RasaBridge
from actions.handover.summary import Summarizer
from actions.handover.tickets import (
    REASONS,
    STATUS_EXPLANATIONS,
    STATUS_LABELS,
    HandoverOutcome,
    HandoverRequest,
    TicketBackend,
    TicketEvent,
    TicketLookupUnavailable,
    TicketStatus,
    format_ticket_number,
    parse_ticket_id,
)
from actions.privacy import clean_text

logger = logging.getLogger(__name__)

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
    reference: str = ""  # what the customer may quote: H-XXXXXXXX


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
        self.delivery = Delivery(self.config, self.sessions, self.backend, self.chat, self.outbox,
                                 self.health, self.policy)
        self.agent_events = AgentEvents(self.config, self.sessions, self.backend.name,
                                        send_now=self.delivery.send_now, notify=self._notify)

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
        request = clean_request(request)  # text enters the handover here: nothing unsendable
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
            self.delivery.send_now(only_ids=[message_id], deadline=deadline)
            info = self._handover(handover_id)
            if info is not None and info.ticket_id is None and info.state == "queued":
                info = self._wait_for_ticket(handover_id, deadline)  # another drainer may have it
        except SQLAlchemyError:  # saved already: the worker will send it
            logger.exception("handover %s saved but the first send could not run", handover_id)
            info = HandoverInfo(handover_id, request.conversation_id, "queued", None, None,
                                request.reason, utcnow(), handover_reference(handover_id))
        self._notify()
        return self._outcome(info, draft.requester_email, request.order_number)

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
            return HandoverOutcome(info.ticket_id, number, False, message_created(number, email),
                                   info.handover_id, "created", info.reference)
        if info.state == "failed":
            return HandoverOutcome(None, None, False, message_failed(order_number),
                                   info.handover_id, "failed", info.reference)
        return HandoverOutcome(None, None, True, message_queued(email, info.reference),
                               info.handover_id, "queued", info.reference)

    def _already_open(self, info: HandoverInfo, request: HandoverRequest) -> HandoverOutcome:
        text = message_already_open(info.ticket_number, info.reference)
        return HandoverOutcome(info.ticket_id, info.ticket_number, info.ticket_id is None, text,
                               info.handover_id, "already_open", info.reference)

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
        conversation_id = clean_text(conversation_id)
        info = self.active_handover(conversation_id)
        if info is None:
            return False
        body = customer_comment(text)  # cleaned and redacted
        if not body:
            return True
        with self.sessions.begin() as session:
            message = Outbox.enqueue(session, handover_id=info.handover_id, target="tickets",
                                     kind="add_comment", payload={"body": body},
                                     idempotency_key=f"comment-{uuid.uuid4().hex}")
            message_id = message.id
        budget = min(CUSTOMER_MESSAGE_BUDGET_SECONDS, self.config.sync_budget_seconds)
        if info.ticket_id is not None:
            self.delivery.send_now(only_ids=[message_id], deadline=time.monotonic() + budget)
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
        """Apply an agent's public reply or a status change to the linked conversation
        (`agent_events.AgentEvents`)."""
        return self.agent_events.process_ticket_event(event, deliver_now=deliver_now)

    # --- delivery (called by drains) ----------------------------------------------------------

    def drain(self, *, deadline: float | None = None, max_messages: int = 500,
              sleep: Callable[[float], Any] | None = None,
              keep_going: Callable[[], bool] | None = None) -> DrainReport:
        """Deliver what is due (the worker calls this; so does `python -m actions.handover drain`)."""
        return self.delivery.drain(deadline=deadline, max_messages=max_messages, sleep=sleep,
                                   keep_going=keep_going)

    def requeue(self, ids: list[int] | None = None) -> int:
        """Put dead outbox messages (all, or `ids`) back to pending, after the operator fixed
        the cause. A handover whose ticket creation had died is queued again (unless the
        conversation has started another one meanwhile)."""

        def reopen(session: Session, requeued: list[int]) -> None:
            creates = session.scalars(select(OutboxRow.handover_id).where(
                OutboxRow.id.in_(requeued), OutboxRow.kind == "create_ticket")).all()
            for handover_id in creates:
                row = session.get(HandoverRow, handover_id)
                if row is None or row.state != "failed":
                    continue
                busy = session.scalar(select(HandoverRow.id).where(
                    HandoverRow.conversation_id == row.conversation_id,
                    HandoverRow.state.in_(ACTIVE_HANDOVER_STATES)).limit(1))
                if busy is None:
                    row.state = "queued"

        count = self.outbox.requeue(ids, reopen)
        if count:
            self._notify()
        return count

    def dead_messages(self, limit: int = 50) -> list[OutboxRow]:
        """Outbox messages that will not be sent until an operator requeues them."""
        return self.outbox.rows(states=[DEAD, "failed"], limit=limit)


def _clip(value: str | None, limit: int) -> str | None:
    return value[:limit] if value else None


def _info(row: HandoverRow) -> HandoverInfo:
    return HandoverInfo(
        handover_id=row.id, conversation_id=row.conversation_id, state=row.state,
        ticket_id=row.ticket_id,
        ticket_number=format_ticket_number(row.ticket_id) if row.ticket_id else None,
        reason=row.reason, created_at=row.created_at, reference=handover_reference(row.id),
    )


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

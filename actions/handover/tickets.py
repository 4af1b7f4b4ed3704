"""Plain records of the handover (request, outcome, ticket, events) and the ticket backend interface.

Ticket numbers shown to customers are `CS-` + the ticket id padded to 7 digits, for Zendesk
(ticket 2048817 -> CS-2048817) and for the local ticket table alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Protocol

REASONS: dict[str, str] = {
    "user_request": "Customer asked for a person",
    "complaint": "Complaint",
    "no_answer": "Help center had no answer; customer accepted a person",
    "repeated_fallback": "Assistant repeatedly did not understand",
    "not_helpful": "Customer said the answers did not help",
    "payment_issue": "Payment issue",
    "account_deletion": "Account deletion request",
    "order_request": "Order change the assistant cannot make",
}

# Zendesk status -> the wording of the help-center article "Checking the Status of a Support Ticket".
STATUS_LABELS: dict[str, str] = {
    "new": "Open",
    "open": "In progress",
    "hold": "In progress",
    "pending": "Awaiting your reply",
    "solved": "Solved",
    "closed": "Closed",
}
STATUS_EXPLANATIONS: dict[str, str] = {
    "Open": "We've received it and it's waiting for an agent.",
    "In progress": "An agent is working on it, or waiting for a carrier or our warehouse.",
    "Awaiting your reply": "We need information from you. Please reply to our email.",
    "Solved": "We believe the issue is resolved. You can reopen it by replying within 30 days.",
    "Closed": "The ticket can't be reopened. Please open a new one and mention this number.",
}
ENDED_STATUSES = frozenset({"solved", "closed"})

_TICKET_NUMBER = re.compile(r"^\s*CS[-\s_]?(\d{1,10})\s*$", re.IGNORECASE)


def format_ticket_number(ticket_id: int) -> str:
    """The customer-facing number of a ticket: CS- and at least 7 digits."""
    return f"CS-{ticket_id:07d}"


def parse_ticket_id(ticket_number: str | int | None) -> int | None:
    """The ticket id in `CS-2048817` (or a bare id), or None when it is not a ticket number."""
    if ticket_number is None:
        return None
    if isinstance(ticket_number, int):
        return ticket_number if ticket_number > 0 else None
    match = _TICKET_NUMBER.match(ticket_number)
    if match is None:
        text = ticket_number.strip()
        return int(text) if text.isdigit() and int(text) > 0 else None
    value = int(match.group(1))
    return value if value > 0 else None


@dataclass(frozen=True)
class HandoverRequest:
    """Everything the dialogue knows when it hands a conversation to a person."""

    conversation_id: str  # the Rasa sender id
    channel: str  # the Rasa input channel, e.g. "socketio" or "rest"
    reason: str  # a key of REASONS
    intent: str | None = None
    order_number: str | None = None  # NW-123456
    ticket_number: str | None = None  # an earlier CS-1234567 the customer mentioned
    requester_name: str | None = None
    requester_email: str | None = None
    language: str | None = None  # ISO 639-1 code when the customer wrote in another language
    transcript: Sequence[tuple[str, str]] = ()  # (speaker, text), oldest first
    facts: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HandoverOutcome:
    """What happened, and the honest sentence to show the customer.

    status: `created` (ticket exists), `queued` (saved, the worker will deliver it),
    `already_open` (this conversation is already with an agent), `failed` (could not be
    passed on automatically; the message tells the customer how to reach us).
    """

    ticket_id: int | None
    ticket_number_for_user: str | None
    queued: bool
    message_for_user: str
    handover_id: str | None = None
    status: str = "created"
    reference: str | None = None  # H-XXXXXXXX, quotable before the ticket exists


@dataclass(frozen=True)
class TicketDraft:
    """A ticket ready to send (already redacted)."""

    subject: str
    description: str
    priority: str
    tags: tuple[str, ...]
    requester_name: str | None
    requester_email: str | None
    external_id: str

    def to_payload(self) -> dict[str, Any]:
        payload = asdict(self)
        payload["tags"] = list(self.tags)
        return payload

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> TicketDraft:
        return cls(**{**payload, "tags": tuple(payload.get("tags", ()))})


@dataclass(frozen=True)
class CreatedTicket:
    ticket_id: int
    requester_user_id: int | None = None
    status: str = "new"


@dataclass(frozen=True)
class CommentDraft:
    """A customer message to add to a ticket (already redacted)."""

    body: str
    public: bool = True
    author_user_id: int | None = None  # Zendesk user id of the requester, so it shows as theirs


@dataclass(frozen=True)
class TicketRecord:
    """A ticket as read back from the backend."""

    ticket_id: int
    subject: str
    status: str  # Zendesk status: new, open, pending, hold, solved, closed
    requester_email: str | None
    created_at: str | None = None
    updated_at: str | None = None


@dataclass(frozen=True)
class TicketStatus:
    """A ticket's status as the customer may see it."""

    ticket_number: str
    status: str  # raw: new, open, pending, hold, solved, closed
    status_label: str  # help-center wording: Open, In progress, Awaiting your reply, ...
    explanation: str
    subject: str
    updated_at: str | None = None


@dataclass(frozen=True)
class TicketEvent:
    """Something an agent did on a ticket (from the webhook, or the local `tickets` command)."""

    ticket_id: int
    event: str  # "comment" or "status"
    status: str | None = None
    comment_body: str | None = None
    comment_public: bool = True
    author_role: str | None = None  # "agent", "admin", "end-user"
    event_key: str | None = None  # dedupe key of this delivery, when known
    # More dedupe keys: the event is a duplicate when any of them (or event_key) was seen.
    dedupe_keys: tuple[str, ...] = ()

    @property
    def keys(self) -> tuple[str, ...]:
        """Every dedupe key of this event, without repeats."""
        keys = ((self.event_key,) if self.event_key else ()) + tuple(self.dedupe_keys)
        return tuple(dict.fromkeys(k[:128] for k in keys if k))


class TicketLookupUnavailable(Exception):
    """The ticket system could not be asked right now (not the same as "no such ticket")."""


class TicketBackend(Protocol):
    """What the handover needs from a ticket system (Zendesk or the local table).

    Sends raise `errors.DeliveryError` subclasses; `get_ticket` returns None when not found.
    """

    name: str

    def create_ticket(
        self, draft: TicketDraft, *, idempotency_key: str, timeout: float
    ) -> CreatedTicket: ...

    def find_ticket_by_external_id(
        self, external_id: str, *, timeout: float
    ) -> CreatedTicket | None: ...

    def add_comment(
        self, ticket_id: int, comment: CommentDraft, *, idempotency_key: str, timeout: float
    ) -> None: ...

    def has_comment(self, ticket_id: int, body: str, *, since: datetime, timeout: float) -> bool: ...

    def get_ticket(self, ticket_id: int, *, timeout: float) -> TicketRecord | None: ...

"""Human handover: tickets (Zendesk or local), a durable outbox, and agent replies back to chat.

What the Rasa actions call (all blocking; from async code use `asyncio.to_thread`):

    from actions.handover import (HandoverRequest, request_handover, add_customer_message,
                                  active_handover, get_ticket_status)

and at action-server start: `actions.handover.webhook.install(app)` (webhook route + worker),
or `add_webhook_routes(app)` and `start_outbox_worker()` separately.
Modules: config (env settings), redaction (secrets out of text), tickets (records + backend
interface), content (ticket text), summary (rule-based/LLM summary), models (tables),
messages (what the customer is told), errors, zendesk, local_tickets, outbox (durable queue,
drain, dead messages), delivery (sending outbox messages), agent_events (agent replies and
solved tickets -> chat), worker (background thread), webhook (Zendesk -> chat), rasa_bridge
(Rasa HTTP API), service (the dialogue API, wiring the rest), cli/__main__.
Text enters the handover through `actions.privacy.clean_text` (service, webhook, CLI).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "HandoverOutcome",
    "HandoverRequest",
    "TicketLookupUnavailable",
    "TicketStatus",
    "active_handover",
    "add_customer_message",
    "configure",
    "get_service",
    "get_ticket_status",
    "request_handover",
]

if TYPE_CHECKING:
    from actions.handover.service import (
        active_handover,
        add_customer_message,
        configure,
        get_service,
        get_ticket_status,
        request_handover,
    )
    from actions.handover.tickets import (
        HandoverOutcome,
        HandoverRequest,
        TicketLookupUnavailable,
        TicketStatus,
    )


def __getattr__(name: str) -> Any:
    # Lazy, so `actions.store.database` can import `actions.handover.models` without a cycle.
    if name in ("HandoverOutcome", "HandoverRequest", "TicketLookupUnavailable", "TicketStatus"):
        from actions.handover import tickets

        return getattr(tickets, name)
    if name in __all__:
        from actions.handover import service

        return getattr(service, name)
    raise AttributeError(name)

"""What the customer is told about their handover: every sentence in one place.

A handover has a short reference (`H-` and the first 8 hex digits of its id) from the moment
it is saved. Customers who hand over while the ticket system is down get the reference to
quote; it is also a line of the ticket description and a ticket tag, so agents can find it.
"""

from __future__ import annotations

SUPPORT_EMAIL = "support@northwindoutfitters.com"  # help center: contact-customer-support
FIRST_REPLY = "within 1 business day"  # help center: support-ticket-status
REFERENCE_PREFIX = "H-"


def handover_reference(handover_id: str) -> str:
    """The reference a customer can quote for a handover, e.g. `H-3F9A2C1B`."""
    return REFERENCE_PREFIX + handover_id[:8].upper()


def reference_tag(handover_id: str) -> str:
    """The ticket tag carrying the reference (Zendesk tags: lower case, no hyphens needed)."""
    return "ref_" + handover_reference(handover_id).replace("-", "_").lower()


def message_created(ticket_number: str, email: str | None) -> str:
    if email:
        return (f"I've passed this to our support team. Your ticket number is {ticket_number}. "
                f"You'll get a first reply by email ({email}) {FIRST_REPLY}. If an agent replies "
                "while you're still here, you'll see it in this chat too.")
    return (f"I've passed this to our support team. Your ticket number is {ticket_number}; please "
            f"keep it. An agent will reply {FIRST_REPLY}. As I don't have your email address, "
            "quote the number if you contact us again.")


def message_queued(email: str | None, reference: str | None = None) -> str:
    where = f"by email ({email})" if email else "here in the chat or by email"
    quote = (f" Your reference is {reference}; please keep it and quote it if you contact us."
             if reference else "")
    return ("I couldn't reach our ticket system just now, but your request is saved and will "
            "reach our team automatically as soon as it's back." + quote + " You'll get a first "
            f"reply {where} {FIRST_REPLY} after that. There's no need to send it again.")


def message_failed(order_number: str | None) -> str:
    about = f" and mention your order {order_number}" if order_number else ""
    return ("I'm sorry, I couldn't pass this to our team automatically. Please email "
            f"{SUPPORT_EMAIL}{about}; we answer emails {FIRST_REPLY}.")


def message_already_open(ticket_number: str | None, reference: str | None = None) -> str:
    if ticket_number:
        return (f"You're already with our support team: your ticket is {ticket_number}. Anything "
                "you write here is added to it, and you'll get a first reply by email "
                f"{FIRST_REPLY}.")
    quote = f" (reference {reference})" if reference else ""
    return (f"Your earlier request{quote} is saved and will reach our team; anything you write "
            f"here is added to it. You'll get a first reply by email {FIRST_REPLY}.")

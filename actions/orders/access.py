"""Who may read or change an order: the person who proved, in this conversation, that it is theirs.

The order form proves ownership by matching the checkout email against the order and records
that proof as a stamp naming both (`verification_stamp`). Every action that reads or changes an
order calls `verified_order` at the moment it acts: the order number and email slots must still
be the ones that were checked (a slot changed since, by any means, voids the proof), and the
order store must still say that email owns that exact order.

A number and an email that don't go together get the same answer whether the order doesn't
exist or belongs to someone else, and after three such tries the conversation stops looking up
orders and offers a person, so order numbers can't be enumerated or emails guessed.
"""

from __future__ import annotations

from actions.store.orders import Order, OrderStore

VERIFIED_SLOT = "verified_order"
FAILED_LOOKUPS_SLOT = "failed_order_lookups"
MAX_FAILED_LOOKUPS = 3  # order number and email pairs that didn't match, per conversation


def verification_stamp(order_number: str, email: str) -> str:
    """What the `verified_order` slot holds once `email` was shown to own `order_number`."""
    return f"{order_number.strip().upper()} {email.strip().lower()}"


def verified_order(store: OrderStore, order_number: str | None, email: str | None,
                   stamp: str | None) -> Order | None:
    """The order, if this conversation proved it belongs to `email` and it still does; else None."""
    if not (order_number and email and stamp):
        return None
    if stamp != verification_stamp(order_number, email):
        return None
    order = store.get(order_number)
    if order is None or not order.belongs_to(email):
        return None
    return order


def lookups_exhausted(failed_lookups: float | None) -> bool:
    """True once a conversation (its FAILED_LOOKUPS_SLOT) tried MAX_FAILED_LOOKUPS order and email
    pairs that don't match. From then on it looks up no order: guessing stops, a person helps."""
    return int(failed_lookups or 0) >= MAX_FAILED_LOOKUPS

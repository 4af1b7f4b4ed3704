"""Help-center rules (returns, refunds, cancellation, address changes) applied to one order.

Every function takes the order record and `now`, and returns what to tell the customer.
Facts come from the order record or the help-center articles named in each docstring.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from actions.store.orders import Order

SELF_SERVICE_WINDOW = timedelta(minutes=60)  # cancel-an-order, change-order-or-address
RETURN_DAYS = 30  # return-policy
PLUS_RETURN_DAYS = 60
RETURN_LABEL_FEE = {"US": "$6.95", "CA": "CA$8.95", "UK": "£3.95", "EU": "€5.95"}
CURRENCY_SYMBOL = {"USD": "$", "CAD": "CA$", "GBP": "£", "EUR": "€"}
REFUND_TIMES = {  # refund-processing-times, by payment method
    "visa": "5-10 business days", "mastercard": "5-10 business days",
    "american express": "5-10 business days", "discover": "5-10 business days",
    "paypal": "3-5 business days", "apple pay": "5-10 business days",
    "google pay": "5-10 business days", "klarna": "3-7 business days",
    "gift card": "within 24 hours", "store credit": "within 24 hours",
}
STATUS_TEXT = {
    "processing": "Processing (we're preparing it)",
    "packed": "Packed (boxed and waiting for carrier pickup)",
    "shipped": "Shipped",
    "delivered": "Delivered",
    "cancelled": "Cancelled",
}


def money(order: Order, amount: object) -> str:
    return f"{CURRENCY_SYMBOL.get(order.currency, '')}{amount}"


def _date(value: datetime) -> str:
    return value.strftime("%b %d").replace(" 0", " ")


def _refund_time(order: Order) -> str:
    return REFUND_TIMES.get(order.payment_method.lower(), "5-10 business days")


@dataclass(frozen=True)
class Decision:
    """What the bot may do for an order, and the words it says about it."""

    allowed: bool
    message: str
    needs_person: bool = False  # a person on the team can still try (e.g. after the self-service window)


def refund_eligibility(order: Order, now: datetime) -> Decision:
    """Whether items can be returned for a refund (return-policy)."""
    how = ("Start it in Account > Orders > Return items (guests: northwindoutfitters.com/returns "
           "with the order number and email), then print the label or save the QR code.")
    fee = RETURN_LABEL_FEE.get(order.region)
    fee_line = (f" The {fee} return label fee is taken off your refund, unless you return it in a "
                "Northwind store or exchange it instead." if fee and not order.plus_member
                else " Returns are free for you as a Northwind Plus member.")
    if order.status == "cancelled":
        return Decision(False, f"Order {order.order_number} was cancelled, so there is nothing to "
                        "return; any payment hold was released.")
    if order.refund_status != "none":
        return Decision(False, f"A return for {order.order_number} is already under way. "
                        "Ask me about your refund status to see where it is.")
    if order.status != "delivered" or order.delivered_at is None:
        return Decision(False, f"Order {order.order_number} hasn't been delivered yet "
                        f"(status: {STATUS_TEXT.get(order.status, order.status)}). You can return "
                        "items within 30 days of delivery once it arrives, or refuse the delivery.")
    final_sale = [i.name for i in order.items if i.final_sale]
    if final_sale and len(final_sale) == len(order.items):
        return Decision(False, f"Sorry, {', '.join(final_sale)} on {order.order_number} is marked "
                        "Final Sale and can't be returned. If it's faulty, our warranty covers "
                        "manufacturing defects.")
    window = PLUS_RETURN_DAYS if order.plus_member else RETURN_DAYS
    deadline = order.delivered_at + timedelta(days=window)
    days_since = (now - order.delivered_at).days
    if now > deadline:
        return Decision(False, f"Order {order.order_number} was delivered {days_since} days ago, "
                        f"so it's past the {window}-day return window. If an item is faulty, our "
                        "warranty covers manufacturing defects.", needs_person=True)
    days_left = (deadline - now).days
    note = (f" Note: {', '.join(final_sale)} is Final Sale and can't be returned." if final_sale
            else "")
    return Decision(True, f"Good news: order {order.order_number} was delivered {days_since} days "
                    f"ago, so it's within the {window}-day return window ({days_left} days left). "
                    "Items must be unworn and unwashed with tags on (footwear tried on indoors "
                    f"only, in its original box). {how}{fee_line} Refunds to {order.payment_method} "
                    f"take {_refund_time(order)} after our inspection (within 3 business days of "
                    f"arrival).{note}")


def refund_status(order: Order) -> str:
    """Where the refund of an order stands (refund-processing-times)."""
    n = order.order_number
    if order.refund_status == "issued":
        amount = money(order, order.refund_amount) if order.refund_amount is not None else "Your refund"
        when = _date(order.refund_updated_at) if order.refund_updated_at else "recently"
        return (f"The refund for {n} was issued on {when}: {amount} back to your "
                f"{order.payment_method}. It reaches you {_refund_time(order)} after we issue it.")
    if order.refund_status == "received":
        return (f"We've received the return for {n} and we inspect returns within 3 business days "
                f"of arrival; we email you when the refund is issued. Then {order.payment_method} "
                f"takes {_refund_time(order)}.")
    if order.refund_status == "requested":
        return (f"A return for {n} has been started, but the parcel hasn't reached our warehouse "
                "yet (return transit usually takes 3-10 business days). After it arrives we inspect "
                f"it within 3 business days, then {order.payment_method} takes {_refund_time(order)}.")
    return (f"I don't see a return or refund for {n} yet. If you'd like to return something, "
            "I can help you start a return.")


def tracking_status(order: Order, now: datetime) -> str:
    """The order's status and tracking details, only as recorded (order-tracking)."""
    n = order.order_number
    status = STATUS_TEXT.get(order.status, order.status)
    lines = [f"Order {n} is {status}."]
    if order.status in ("shipped", "delivered") and order.carrier:
        tracking = f" tracking number {order.tracking_number}" if order.tracking_number else ""
        lines.append(f"Carrier: {order.carrier},{tracking}.")
    if order.last_tracking_event and order.last_tracking_at:
        lines.append(f"Latest scan: \"{order.last_tracking_event}\" on {_date(order.last_tracking_at)}.")
    if order.status == "delivered" and order.delivered_at:
        lines.append(f"Delivered on {_date(order.delivered_at)}.")
    elif order.status == "shipped" and order.last_tracking_at:
        quiet_days = (now - order.last_tracking_at).days
        if quiet_days >= 7:
            lines.append(f"Tracking hasn't moved for {quiet_days} days, which qualifies for a "
                         "carrier trace (up to 8 business days); after that we send a replacement "
                         "or a full refund including shipping. I can pass this to our team.")
        elif order.last_tracking_event and "label" in order.last_tracking_event.lower():
            lines.append("A new tracking number can take up to 24 hours to show its first scan.")
    elif order.status == "processing":
        lines.append("It hasn't shipped yet; you'll get an email with tracking as soon as it does.")
    return " ".join(lines)


def cancellation(order: Order, now: datetime) -> Decision:
    """Whether the bot can cancel the order now (cancel-an-order)."""
    n = order.order_number
    if order.status == "cancelled":
        return Decision(False, f"Order {n} is already cancelled; the payment hold was released.")
    if order.status == "processing" and now - order.placed_at <= SELF_SERVICE_WINDOW:
        return Decision(True, f"Order {n} was placed {int((now - order.placed_at).seconds / 60)} "
                        "minutes ago and is still within the 60-minute cancellation window.")
    if order.status == "processing":
        return Decision(False, f"Order {n} is past the 60-minute self-service window but still "
                        "Processing, so our team can try to stop it (it isn't guaranteed).",
                        needs_person=True)
    if order.status == "delivered":
        return Decision(False, f"Order {n} has already been delivered, so it can't be cancelled, "
                        "but you can return it within 30 days of delivery (60 for Plus members).")
    return Decision(False, f"Order {n} is {STATUS_TEXT.get(order.status, order.status)}, so it can't "
                    "be cancelled any more. You can refuse the delivery (handled as a return) or "
                    "return the items within 30 days after they arrive.")


def address_change(order: Order, now: datetime) -> Decision:
    """Whether the bot can change the shipping address now (change-order-or-address)."""
    n = order.order_number
    if order.status == "processing" and now - order.placed_at <= SELF_SERVICE_WINDOW:
        return Decision(True, f"Order {n} is still within the 60-minute edit window.")
    if order.status == "processing":
        return Decision(False, f"Order {n} is past the 60-minute self-service window, but it's "
                        "still Processing, so our team can still change the address.",
                        needs_person=True)
    if order.status in ("packed", "shipped"):
        return Decision(False, f"Order {n} is {order.status}, so the label is printed and the "
                        "warehouse can't change the address. You may be able to use the carrier's "
                        "own delivery options through the tracking link (redirect to a pickup point, "
                        "hold at a depot); any carrier fee is paid by you.")
    return Decision(False, f"Order {n} is {STATUS_TEXT.get(order.status, order.status)}, so its "
                    "address can't be changed.")

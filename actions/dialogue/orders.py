"""Order requests: refund eligibility, refund status, tracking, cancellation and address changes."""

from __future__ import annotations

from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import utcnow
from actions.dialogue.offers import offer_human
from actions.orders import policy
from actions.orders.access import FAILED_LOOKUPS_SLOT, VERIFIED_SLOT, lookups_exhausted, verified_order
from actions.store.orders import Order, SqlOrderStore

# Slots that belong to one request; cleared once it's handled so the next one starts clean.
REQUEST_SLOTS = ("order_number", "order_number_candidate", "refund_reason", "new_address",
                 VERIFIED_SLOT)


def _reset_request() -> list[dict[str, Any]]:
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS]


def _checked_order(store: SqlOrderStore, tracker: Tracker) -> Order | None:
    """The order in the slots if this conversation proved it is the user's (see orders.access)."""
    return verified_order(store, tracker.get_slot("order_number"), tracker.get_slot("email"),
                          tracker.get_slot(VERIFIED_SLOT))


class ActionOrderRequest(Action):
    """Answer the request the order form was filled for, from the order's real record."""

    def name(self) -> str:
        return "action_order_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if lookups_exhausted(tracker.get_slot(FAILED_LOOKUPS_SLOT)):
            return _reset_request() + offer_human(dispatcher, response="utter_offer_order_help")
        store = SqlOrderStore()
        order = _checked_order(store, tracker)
        topic = tracker.get_slot("order_topic")
        if order is None:
            dispatcher.utter_message(response="utter_order_not_verified")
            return _reset_request()
        now = utcnow()
        events = _reset_request()
        if topic == "refund":
            reason = tracker.get_slot("refund_reason")
            if reason:  # what the customer said, so they see it was taken, not asked again
                dispatcher.utter_message(response="utter_refund_reason_noted",
                                         refund_reason=" ".join(str(reason).split())[:160])
            decision = policy.refund_eligibility(order, now)
            dispatcher.utter_message(text=decision.message)
            if decision.needs_person:
                events += offer_human(dispatcher, "Would you like me to ask our team to review it?")
        elif topic == "refund_status":
            dispatcher.utter_message(text=policy.refund_status(order))
        elif topic == "cancel_order":
            decision = policy.cancellation(order, now)
            if decision.allowed:
                dispatcher.utter_message(
                    text=f"{decision.message} Shall I cancel order {order.order_number} now?",
                    buttons=[{"title": "Yes, cancel it", "payload": "/affirm"},
                             {"title": "No, keep it", "payload": "/deny"}],
                )
                events = [e for e in events if e["name"] not in ("order_number", VERIFIED_SLOT)]
                events.append(SlotSet("pending_offer", "cancel_order"))
            else:
                dispatcher.utter_message(text=decision.message)
                if decision.needs_person:
                    events += offer_human(dispatcher, "Shall I pass the cancellation request to our team?")
        elif topic == "change_address":
            new_address = tracker.get_slot("new_address") or ""
            decision = policy.address_change(order, now)
            if decision.allowed:
                store.change_address(order.order_number, new_address)
                dispatcher.utter_message(text=f"Done: order {order.order_number} will now ship to "
                                              f"{new_address}.")
            else:
                dispatcher.utter_message(text=decision.message)
                if decision.needs_person:
                    events = [e for e in events if e["name"] not in ("order_number", "new_address")]
                    events += offer_human(dispatcher, "Shall I pass the new address to our team?")
        else:  # track_order, and anything unexpected: show the record as it is
            text = policy.tracking_status(order, now)
            dispatcher.utter_message(text=text)
            if "pass this to our team" in text:
                events = [e for e in events if e["name"] != "order_number"]
                events += offer_human(dispatcher, "Would you like that?")
        return events


class ActionCancelOrder(Action):
    """Cancel the order the user just confirmed, if it is still cancellable."""

    def name(self) -> str:
        return "action_cancel_order"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        store = SqlOrderStore()
        order = _checked_order(store, tracker)
        events = [SlotSet("pending_offer", None)] + _reset_request()
        if order is None:
            dispatcher.utter_message(response="utter_order_not_verified")
            return events
        order_number = order.order_number
        decision = policy.cancellation(order, utcnow())
        if not decision.allowed:
            dispatcher.utter_message(text=decision.message)
            return events
        store.cancel(order_number)
        dispatcher.utter_message(text=f"Order {order_number} is cancelled. A confirmation email is on "
                                      "its way. We only placed an authorization hold, which we release "
                                      "now; your bank may show it as pending for 3-5 business days.")
        return events

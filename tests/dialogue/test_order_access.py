"""Every order action checks, when it acts, that this conversation proved the order is the user's.

Fast action tests: tracker snapshots through `Tracker.from_dict` and a `CollectingDispatcher`,
the real actions, and the sample orders in a fresh SQLite database. Each attack is one a
customer could make from the chat: change the order number or the email after verifying, or
present a verification stamp for an order that belongs to someone else.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.orders import ActionCancelOrder, ActionOrderRequest
from actions.orders.access import verification_stamp
from actions.store.sample_orders import ALEX, LUC

VICTIM = "victim@example.com"


@pytest.fixture
def store(order_store):
    """The sample orders plus a victim's order that is still cancellable right now."""
    alex_recent = order_store.get("NW-310442")
    order_store.add(replace(alex_recent, order_number="NW-900001", email=VICTIM,
                            customer_name="Vic Tim", placed_at=datetime.utcnow() - timedelta(minutes=5)))
    order_store.add(replace(alex_recent, placed_at=datetime.utcnow() - timedelta(minutes=5)))
    return order_store


def _tracker(**slots: Any) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "rest:test", "slots": {"pending_offer": None, **slots},
        "latest_message": {"text": "yes", "intent": {"name": "affirm", "confidence": 1.0},
                           "entities": []},
        "events": [], "paused": False, "followup_action": None,
        "active_loop": {}, "latest_action_name": "action_listen",
    })


def _run(action, tracker: Tracker) -> tuple[str, list[dict]]:
    dispatcher = CollectingDispatcher()
    events = action.run(dispatcher, tracker, {})
    said = "\n".join(m.get("text") or m.get("response") or "" for m in dispatcher.messages)
    return said, events


def _slots(events: list[dict]) -> dict[str, Any]:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_cancel_acts_on_the_verified_order(store):
    said, _ = _run(ActionCancelOrder(), _tracker(
        order_number="NW-310442", email=ALEX, verified_order=verification_stamp("NW-310442", ALEX)))
    assert "NW-310442 is cancelled" in said
    assert store.get("NW-310442").status == "cancelled"


@pytest.mark.parametrize("attack", [
    # verified their own order, then the order number slot was changed to the victim's
    {"order_number": "NW-900001", "email": ALEX, "verified_order": verification_stamp("NW-310442", ALEX)},
    # the email slot was changed to the victim's after verifying
    {"order_number": "NW-900001", "email": VICTIM, "verified_order": verification_stamp("NW-310442", ALEX)},
    # a stamp that names the victim's order with the attacker's email (never issued by the form)
    {"order_number": "NW-900001", "email": ALEX, "verified_order": verification_stamp("NW-900001", ALEX)},
    # no verification at all: order number and email set directly (a slash command, the API)
    {"order_number": "NW-900001", "email": VICTIM, "verified_order": None},
])
def test_cancel_refuses_an_order_this_conversation_did_not_verify(store, attack):
    said, events = _run(ActionCancelOrder(), _tracker(**attack))
    assert "utter_order_not_verified" in said
    assert "cancelled" not in said
    assert store.get("NW-900001").status == "processing"
    assert _slots(events)["verified_order"] is None and _slots(events)["order_number"] is None


@pytest.mark.parametrize("topic", ["refund", "refund_status", "track_order", "cancel_order",
                                   "change_address"])
def test_every_order_request_refuses_an_unverified_order(store, topic):
    tracker = _tracker(order_topic=topic, order_number="NW-730155", email=ALEX,
                       new_address="1 Attacker Road, Springfield 12345",
                       verified_order=verification_stamp("NW-482913", ALEX))
    said, _ = _run(ActionOrderRequest(), tracker)
    assert said == "utter_order_not_verified"
    luc_order = store.get("NW-730155")
    assert luc_order.email == LUC and "Attacker" not in luc_order.shipping_address


@pytest.mark.parametrize("topic, expected", [
    ("track_order", "NW-730155"),
    ("refund", "NW-730155"),
    ("refund_status", "NW-730155"),
])
def test_order_requests_answer_the_owner(store, topic, expected):
    tracker = _tracker(order_topic=topic, order_number="NW-730155", email=LUC,
                       verified_order=verification_stamp("NW-730155", LUC))
    said, _ = _run(ActionOrderRequest(), tracker)
    assert expected in said and "utter_order_not_verified" not in said


def test_address_change_needs_the_verified_order_and_changes_only_it(store):
    address = "77 Pine Avenue, Apt 4, Portland, OR 97205"
    said, _ = _run(ActionOrderRequest(), _tracker(
        order_topic="change_address", order_number="NW-310442", email=ALEX, new_address=address,
        verified_order=verification_stamp("NW-310442", ALEX)))
    assert f"will now ship to {address}" in said
    assert store.get("NW-310442").shipping_address == address
    assert store.get("NW-900001").shipping_address != address


def test_a_verified_order_that_changed_owner_is_refused(store):
    """The store is asked again at the moment of acting, not only when the form checked it."""
    stamp = verification_stamp("NW-900001", ALEX)
    said, _ = _run(ActionCancelOrder(), _tracker(order_number="NW-900001", email=ALEX,
                                                 verified_order=stamp))
    assert said == "utter_order_not_verified"
    assert store.get("NW-900001").status == "processing"


def test_an_address_carrying_card_data_is_refused_not_stored():
    """What the channels leave of a card number (a placeholder) never becomes a shipping address."""
    from actions.dialogue.forms import ValidateOrderForm

    dispatcher = CollectingDispatcher()
    result = ValidateOrderForm().validate_new_address(
        "12 Main Street, Springfield, IL 62701 card [REDACTED: card ending 1111] cvv [REDACTED: CVV]",
        dispatcher, _tracker(), {})
    assert result == {"new_address": None}
    assert [m.get("response") for m in dispatcher.messages] == ["utter_address_has_secrets"]
    raw = ValidateOrderForm().validate_new_address(
        "12 Main Street, Springfield 62701, card 4111 1111 1111 1111", CollectingDispatcher(),
        _tracker(), {})
    assert raw == {"new_address": None}


def _form_tracker(**slots: Any) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "rest:test", "slots": {"requested_slot": "email", **slots},
        "latest_message": {"text": "x", "intent": {"name": "inform", "confidence": 1.0},
                           "entities": []},
        "events": [], "paused": False, "followup_action": None,
        "active_loop": {"name": "order_form"}, "latest_action_name": "action_listen",
    })


def _validate_email(email: str, **slots: Any) -> tuple[dict, list]:
    from actions.dialogue.forms import ValidateOrderForm

    dispatcher = CollectingDispatcher()
    result = ValidateOrderForm().validate_email(email, dispatcher, _form_tracker(**slots), {})
    return result, dispatcher.messages


def test_an_unknown_order_and_someone_elses_get_the_same_answer(store):
    unknown, said_unknown = _validate_email(ALEX, order_number="NW-000001")
    theirs, said_theirs = _validate_email(ALEX, order_number="NW-730155")
    assert unknown["email"] is None and theirs["email"] is None
    assert [m["response"] for m in said_unknown] == [m["response"] for m in said_theirs] == [
        "utter_order_not_found_for_email"]


def test_the_third_wrong_pair_stops_the_lookups(store):
    from actions.dialogue.forms import ValidateOrderForm

    result, said = _validate_email(ALEX, order_number="NW-730155", failed_order_lookups=2.0)
    assert result["failed_order_lookups"] == 3.0 and result["verified_order"] is None
    assert [m["response"] for m in said] == ["utter_order_lookup_stopped"]
    # even the right email no longer opens the order: the form asks nothing more ...
    import asyncio
    slots = asyncio.run(ValidateOrderForm().required_slots(
        ["order_number", "email"], CollectingDispatcher(),
        _form_tracker(order_number="NW-730155", failed_order_lookups=3.0), {}))
    assert slots == []
    # ... and the request action offers a person instead of the order's details
    said, events = _run(ActionOrderRequest(), _tracker(
        order_topic="track_order", order_number="NW-730155", email=LUC, failed_order_lookups=3.0,
        verified_order=verification_stamp("NW-730155", LUC)))
    assert said == "utter_offer_order_help"
    assert {"event": "slot", "name": "pending_offer", "value": "handover"} in [
        {k: e[k] for k in ("event", "name", "value")} for e in events if e.get("event") == "slot"]


def test_a_right_pair_verifies(store):
    result, said = _validate_email(LUC, order_number="NW-730155")
    assert result == {"email": LUC, "verified_order": verification_stamp("NW-730155", LUC)}
    assert said == []

"""The help-center rules applied to the sample orders, as the customer reads them."""

from datetime import timedelta

import pytest

from actions.orders import policy
from tests.conftest import NOW


def test_refund_within_window_explains_how_and_the_fee(order_store):
    decision = policy.refund_eligibility(order_store.get("NW-482913"), NOW)
    assert decision.allowed
    assert "30-day return window" in decision.message
    assert "$6.95" in decision.message
    assert "Return items" in decision.message
    assert "PayPal" in decision.message and "3-5 business days" in decision.message


def test_refund_past_window_is_refused_and_offers_review(order_store):
    decision = policy.refund_eligibility(order_store.get("NW-845120"), NOW)
    assert not decision.allowed and decision.needs_person
    assert "past the 30-day return window" in decision.message


def test_plus_member_gets_sixty_days_and_free_returns(order_store):
    decision = policy.refund_eligibility(order_store.get("NW-845121"), NOW)
    assert decision.allowed
    assert "60-day" in decision.message and "free" in decision.message


def test_final_sale_cannot_be_returned(order_store):
    decision = policy.refund_eligibility(order_store.get("NW-557301"), NOW)
    assert not decision.allowed and "Final Sale" in decision.message


def test_refund_status_reports_only_what_is_recorded(order_store):
    assert "$91.05" in policy.refund_status(order_store.get("NW-220987"))
    assert "hasn't reached our warehouse" in policy.refund_status(order_store.get("NW-220988"))
    assert "inspect" in policy.refund_status(order_store.get("NW-220989"))
    assert "don't see a return" in policy.refund_status(order_store.get("NW-482913"))


def test_tracking_reports_carrier_and_stuck_parcels(order_store):
    text = policy.tracking_status(order_store.get("NW-730155"), NOW)
    assert "Canada Post" in text and "7023456789012345" in text and "24 hours" in text
    stuck = policy.tracking_status(order_store.get("NW-391877"), NOW)
    assert "hasn't moved for 9 days" in stuck and "trace" in stuck


@pytest.mark.parametrize("order_number, allowed, needs_person, phrase", [
    ("NW-310442", True, False, "within the 60-minute"),
    ("NW-562004", False, True, "isn't guaranteed"),
    ("NW-118820", False, False, "can't be cancelled"),
    ("NW-901234", False, False, "already cancelled"),
])
def test_cancellation_windows(order_store, order_number, allowed, needs_person, phrase):
    decision = policy.cancellation(order_store.get(order_number), NOW)
    assert (decision.allowed, decision.needs_person) == (allowed, needs_person)
    assert phrase in decision.message


def test_cancellation_window_closes_after_sixty_minutes(order_store):
    order = order_store.get("NW-310442")
    assert not policy.cancellation(order, order.placed_at + timedelta(minutes=61)).allowed


def test_address_change_rules(order_store):
    assert policy.address_change(order_store.get("NW-310442"), NOW).allowed
    late = policy.address_change(order_store.get("NW-562004"), NOW)
    assert not late.allowed and late.needs_person
    shipped = policy.address_change(order_store.get("NW-118820"), NOW)
    assert "carrier" in shipped.message and not shipped.needs_person

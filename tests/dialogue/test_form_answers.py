"""An answer that fits the form's question wins over a global intent; a person is always honoured.

Tracker snapshots as the action server receives them, through the real extraction methods.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.forms import ValidateOrderForm, ValidatePaymentForm


def _tracker(form: str, requested: str, text: str, intent: str, confidence: float,
             topic: str | None = None) -> Tracker:
    return Tracker.from_dict({
        "sender_id": "rest:test", "slots": {"requested_slot": requested, "order_topic": topic},
        "latest_message": {"text": text, "intent": {"name": intent, "confidence": confidence},
                           "entities": []},
        "events": [], "paused": False, "followup_action": None,
        "active_loop": {"name": form}, "latest_action_name": "action_listen",
    })


def _reason(text: str, intent: str, confidence: float) -> dict:
    tracker = _tracker("order_form", "refund_reason", text, intent, confidence, topic="refund")
    return asyncio.run(ValidateOrderForm().extract_refund_reason(CollectingDispatcher(), tracker, {}))


def _payment(text: str, intent: str, confidence: float) -> dict:
    tracker = _tracker("payment_form", "payment_details", text, intent, confidence)
    return asyncio.run(ValidatePaymentForm().extract_payment_details(CollectingDispatcher(), tracker, {}))


@pytest.mark.parametrize("text, intent, confidence", [
    ("not my style", "deny", 0.54),  # read a little like "no": still the reason
    ("they're rubbish, fell apart after a week", "complaint", 0.91),
    ("too small, I want my money back", "request_refund", 0.93),  # the form's own request
    ("the blue fleece, size M, too tight", "inform", 0.97),
])
def test_a_fitting_return_reason_is_taken(text, intent, confidence):
    assert _reason(text, intent, confidence) == {"refund_reason": text}


@pytest.mark.parametrize("text, intent, confidence", [
    ("no", "deny", 0.98),
    ("forget it", "stop", 0.95),
    ("actually where is my other parcel", "track_order", 0.9),  # another request, sure of it
    ("this is useless, get me someone real", "human_handoff", 0.55),  # a person: always honoured
    ("how long do refunds take?", "ask_knowledge", 0.7),  # a question: answered, then re-asked
])
def test_what_is_not_an_answer_leaves_the_question_open(text, intent, confidence):
    assert _reason(text, intent, confidence) == {}


def test_payment_details_that_read_as_the_payment_request_are_the_answer():
    text = "both posted, card [REDACTED: card ending 1111] cvv [REDACTED: CVV], order NW-204417"
    assert _payment(text, "payment_issue", 0.8) == {"payment_details": text}
    assert _payment("please just put me through to a human", "human_handoff", 0.97) == {}

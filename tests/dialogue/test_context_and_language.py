"""Details given early, bare numbers that continue a topic, and messages not in English.

Tracker snapshots as the action server receives them, through the real actions.
"""

from __future__ import annotations

import asyncio

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.forms import ValidateOrderForm
from actions.dialogue.offers import ActionOtherLanguage, ActionOtherLanguageInForm, continued_form
from actions.orders.reasons import gives_a_reason
from tests.snapshots import tracker_snapshot as _tracker


@pytest.mark.parametrize("text", [
    "I want to return the boots from NW-482913, they're too small",
    "refund please, the tent pole arrived broken",
    "i wanna send back the jacket it doesnt fit",
    "return NW-557301, changed my mind",
])
def test_a_reason_in_the_request_itself_fills_the_reason(text):
    tracker = _tracker(text, "request_refund", slots={"order_topic": "refund"}, form="order_form")
    extracted = asyncio.run(ValidateOrderForm().extract_refund_reason(CollectingDispatcher(), tracker, {}))
    assert extracted == {"refund_reason": text}


@pytest.mark.parametrize("text", ["I want to return my boots", "refund NW-482913 please",
                                  "how do returns work?"])
def test_a_request_without_a_reason_leaves_the_question_for_later(text):
    assert not gives_a_reason(text)
    tracker = _tracker(text, "request_refund", slots={"order_topic": "refund"}, form="order_form")
    assert asyncio.run(ValidateOrderForm().extract_refund_reason(CollectingDispatcher(), tracker, {})) == {}


def test_a_reason_already_given_is_not_replaced_by_the_next_request():
    tracker = _tracker("also the gloves are too big", "request_refund", form="order_form",
                       slots={"order_topic": "refund", "refund_reason": "boots too small",
                              "requested_slot": "email"})
    assert asyncio.run(ValidateOrderForm().extract_refund_reason(CollectingDispatcher(), tracker, {})) == {}


def test_a_second_ticket_number_continues_the_ticket_check():
    tracker = _tracker("CS-2048818", "inform", earlier=["check_ticket_status", "inform"],
                       entities=[{"entity": "ticket_number", "value": "CS-2048818"}])
    assert continued_form(tracker) == "ticket_form"


def test_an_order_number_after_an_order_question_continues_it():
    tracker = _tracker("and NW-118820?", "inform", earlier=["track_order", "inform"],
                       entities=[{"entity": "order_number", "value": "NW-118820"}])
    assert continued_form(tracker) == "order_form"


@pytest.mark.parametrize("earlier, entity", [
    (["ask_knowledge"], "order_number"),  # a policy question: nothing to continue
    (["track_order"], "ticket_number"),  # a ticket number after an order: not the same topic
    ([], "order_number"),
])
def test_a_number_without_a_matching_topic_continues_nothing(earlier, entity):
    tracker = _tracker("NW-118820", "inform", earlier=earlier,
                       entities=[{"entity": entity, "value": "x"}])
    assert continued_form(tracker) is None


def test_a_message_in_another_language_gets_the_note_and_a_person_offer():
    dispatcher = CollectingDispatcher()
    tracker = _tracker("dónde está mi pedido", "other_language", slots={"customer_language": "es"})
    events = ActionOtherLanguage().run(dispatcher, tracker, {})
    assert [m["response"] for m in dispatcher.messages] == ["utter_english_only",
                                                             "utter_offer_person_language"]
    assert {"event": "slot", "timestamp": None, "name": "pending_offer", "value": "handover"} in events


@pytest.mark.parametrize("requested, note", [("new_address", False), ("refund_reason", False),
                                             ("payment_details", False), ("email", True),
                                             ("order_number", True)])
def test_inside_a_form_a_free_text_answer_in_another_language_is_just_taken(requested, note):
    dispatcher = CollectingDispatcher()
    tracker = _tracker("Hauptstraße 23, 10827 Berlin", "other_language", form="order_form",
                       slots={"requested_slot": requested, "customer_language": "de"})
    ActionOtherLanguageInForm().run(dispatcher, tracker, {})
    assert bool(dispatcher.messages) is note


def test_an_address_in_another_language_is_the_answer_to_the_address_question():
    tracker = _tracker("Hauptstraße 23, 10827 Berlin", "other_language", form="order_form",
                       slots={"requested_slot": "new_address", "order_topic": "change_address"})
    extracted = asyncio.run(ValidateOrderForm().extract_new_address(CollectingDispatcher(), tracker, {}))
    assert extracted == {"new_address": "Hauptstraße 23, 10827 Berlin"}

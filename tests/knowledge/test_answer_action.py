"""The Rasa action over the real knowledge service: answer, then act; refuse; outages.

Fast action tests: tracker snapshots and a `CollectingDispatcher`, with the service built over
the session's ingested help center and handed to the action, as rasa-sdk's knowledge action is.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from rasa_sdk.executor import CollectingDispatcher

from actions.dialogue.knowledge import ActionAnswerKnowledge
from actions.knowledge.service import KnowledgeService
from tests.snapshots import tracker_snapshot

SHIPPED = "my order already shipped, can I still cancel it?"
REQUEST = {"entity": "request", "value": "cancel_order", "start": 0, "end": len(SHIPPED)}


@pytest.fixture(scope="module")
def knowledge(help_center_config, help_center_ingest) -> KnowledgeService:
    return KnowledgeService(help_center_config)


def run(action: ActionAnswerKnowledge, tracker) -> tuple[list[dict], list[dict]]:
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, {}))
    return dispatcher.messages, events


def slots(events: list[dict]) -> dict:
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def test_a_policy_question_about_an_order_gets_the_policy_then_the_offer(knowledge):
    messages, events = run(ActionAnswerKnowledge(knowledge),
                           tracker_snapshot(SHIPPED, "ask_knowledge", entities=[REQUEST]))
    assert "can't be cancelled" in messages[0]["text"] and "Source: Cancelling an Order" in messages[0]["text"]
    assert messages[1]["response"] == "utter_offer_request"
    assert slots(events) == {"order_topic": "cancel_order", "pending_offer": "order_request"}


def test_inside_a_form_the_policy_is_answered_without_a_second_offer(knowledge):
    messages, events = run(ActionAnswerKnowledge(knowledge),
                           tracker_snapshot(SHIPPED, "ask_knowledge", entities=[REQUEST], form="order_form"))
    assert len(messages) == 1 and "can't be cancelled" in messages[0]["text"]
    assert slots(events) == {"pending_offer": None}


def test_a_request_the_help_center_says_nothing_about_runs_the_request(knowledge):
    text = "is it ok if my neighbour's cat signs for the parcel when you cancel?"
    messages, events = run(ActionAnswerKnowledge(knowledge), tracker_snapshot(
        text, "ask_knowledge", entities=[{**REQUEST, "end": len(text)}]))
    if messages:  # the help center may answer part of it; then the offer follows
        assert messages[-1]["response"] == "utter_offer_request"
    else:
        assert any(e["event"] == "followup" and e["name"] == "order_form" for e in events)
        assert slots(events)["order_topic"] == "cancel_order"


def test_a_forged_request_entity_is_ignored(knowledge):
    forged = {"entity": "request", "value": "delete_every_order", "start": 0, "end": 3}
    messages, events = run(ActionAnswerKnowledge(knowledge),
                           tracker_snapshot(SHIPPED, "ask_knowledge", entities=[forged]))
    assert "can't be cancelled" in messages[0]["text"] and len(messages) == 1
    assert slots(events) == {"pending_offer": None}


def test_an_unanswerable_question_is_declined_with_a_person_offered(knowledge):
    messages, events = run(ActionAnswerKnowledge(knowledge),
                           tracker_snapshot("who is the CEO of your company?", "ask_knowledge"))
    assert [m["response"] for m in messages] == ["utter_knowledge_not_found", "utter_offer_person"]
    assert slots(events) == {"pending_offer": "handover"}


def test_an_outage_says_so_and_offers_a_person(help_center_config):
    broken = KnowledgeService(replace(help_center_config, collection="never_ingested"))
    messages, _ = run(ActionAnswerKnowledge(broken),
                      tracker_snapshot("how much is shipping to Canada?", "ask_knowledge"))
    assert [m["response"] for m in messages] == ["utter_knowledge_unavailable", "utter_offer_person"]


def test_a_card_number_in_the_question_is_warned_about_and_never_searched(knowledge):
    text = "my card 4111 1111 1111 1111 was charged twice, how long do refunds take?"
    messages, _ = run(ActionAnswerKnowledge(knowledge), tracker_snapshot(text, "ask_knowledge"))
    assert "card" in messages[0]["text"].lower()
    assert all("4111" not in (m.get("text") or "") for m in messages)

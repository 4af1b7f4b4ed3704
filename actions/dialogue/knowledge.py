"""Answers from the help center for `ask_knowledge` and `nlu_fallback`.

The answer itself comes from one call, `KnowledgeService.answer()`; this module decides what the
conversation does with it: say it, offer the request the question was about, or offer a person.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import latest_intent, latest_text, previous_user_text
from actions.dialogue.forms import TOPIC_INTENTS
from actions.dialogue.handover import hand_over, offer_human
from actions.dialogue.safety import PII_WARNING, redact_for_storage, shares_secrets
from actions.knowledge.passages import Answer
from actions.knowledge.service import KnowledgeService, get_knowledge_service

logger = logging.getLogger(__name__)

# The request a policy question was about (the `request` entity set by
# components/policy_question.py): an order request -> the order form's topic; others -> their form.
TOPIC_OF_REQUEST = {intent: topic for topic, intent in TOPIC_INTENTS.items()}
FORM_OF_REQUEST = {"check_ticket_status": "ticket_form"}


async def answer_latest_message(tracker: Tracker, knowledge: KnowledgeService | None = None) -> Answer:
    """Answer the user's latest message (redacted) off the event loop; never raises."""
    service = knowledge or get_knowledge_service()
    try:  # retrieval and generation block: keep them off the server's event loop
        return await asyncio.to_thread(service.answer, redact_for_storage(latest_text(tracker)),
                                       previous_user_text(tracker))
    except Exception:
        logger.exception("knowledge answer failed")
        return Answer(text="", mode="unavailable")


def asked_about_request(tracker: Tracker) -> str | None:
    """The request (intent name) a policy question was about, if it is one we run."""
    for entity in (tracker.latest_message or {}).get("entities") or []:
        value = entity.get("value")
        if entity.get("entity") == "request" and (value in TOPIC_OF_REQUEST or value in FORM_OF_REQUEST):
            return str(value)
    return None


class ActionAnswerKnowledge(Action):
    """Answer from the help center; then offer the request asked about, or a person."""

    def __init__(self, knowledge: KnowledgeService | None = None) -> None:
        self._knowledge = knowledge

    @property
    def knowledge(self) -> KnowledgeService:
        if self._knowledge is None:
            self._knowledge = get_knowledge_service()
        return self._knowledge

    def name(self) -> str:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                  domain: DomainDict) -> list[dict[str, Any]]:
        if shares_secrets(latest_text(tracker)):
            dispatcher.utter_message(text=PII_WARNING)
        in_form = bool(tracker.active_loop.get("name"))
        request = None if in_form else asked_about_request(tracker)
        topic = TOPIC_OF_REQUEST.get(request or "")
        result = await answer_latest_message(tracker, self.knowledge)
        if result.found:
            dispatcher.utter_message(text=result.text)
            if topic:  # answer, then act
                dispatcher.utter_message(response="utter_offer_request", order_topic=topic)
                return [SlotSet("order_topic", topic), SlotSet("pending_offer", "order_request")]
            return [SlotSet("pending_offer", None)]
        if request and not result.unavailable:  # no policy to quote: run the request itself
            if topic:
                return [SlotSet("order_topic", topic), SlotSet("pending_offer", None), FollowupAction("order_form")]
            return [SlotSet("pending_offer", None), FollowupAction(FORM_OF_REQUEST[request])]
        missing = "utter_knowledge_unavailable" if result.unavailable else "utter_knowledge_not_found"
        if in_form:
            dispatcher.utter_message(response=missing)
            dispatcher.utter_message(response="utter_carry_on")
            return []
        if latest_intent(tracker) == "nlu_fallback":
            return await self._not_understood(dispatcher, tracker)
        dispatcher.utter_message(response=missing)
        return offer_human(dispatcher, response="utter_offer_person")

    @staticmethod
    async def _not_understood(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict[str, Any]]:
        """A message neither the NLU nor the help center understood; twice in a row: a person."""
        turn = float(sum(1 for e in tracker.events if e.get("event") == "user"))
        if tracker.get_slot("last_miss_turn") == turn - 1:
            dispatcher.utter_message(response="utter_not_understood_handover")
            return await asyncio.to_thread(hand_over, dispatcher, tracker, "repeated_fallback") + [
                SlotSet("last_miss_turn", None)]
        dispatcher.utter_message(response="utter_not_understood")
        return offer_human(dispatcher, response="utter_offer_person_after_miss") + [SlotSet("last_miss_turn", turn)]


class ActionAcceptRequest(Action):
    """"Yes" to the request offered after a policy answer: clear the offer; the order form runs next."""

    def name(self) -> str:
        return "action_accept_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker,
            domain: DomainDict) -> list[dict[str, Any]]:
        return [SlotSet("pending_offer", None)]

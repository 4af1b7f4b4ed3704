"""Offers the user answers with yes or no; the `pending_offer` slot tells the rules which one."""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import last_request_intent, latest_text, looks_like_question
from actions.dialogue.forms import FREE_TEXT_SLOTS, TOPIC_INTENTS
from actions.dialogue.handover import offer_human
from actions.dialogue.knowledge import answer_latest_message
from actions.dialogue.safety import PII_WARNING, shares_secrets
from actions.orders.access import VERIFIED_SLOT

MIN_WORDS_FOR_A_QUESTION = 4  # "is it NW-482913?" gives a detail; "can I get that back?" asks

class ActionOfferHuman(Action):
    """After an answer that didn't help: offer a person."""

    def name(self) -> str:
        return "action_offer_human"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return offer_human(dispatcher, "Sorry that didn't help. Would you like me to connect you "
                                       "with a person from our support team?")


class ActionOtherLanguage(Action):
    """A message not in English: say we work in English (in their language where we can), and
    offer a person. `customer_language` holds the language's code for the ticket."""

    def name(self) -> str:
        return "action_other_language"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        dispatcher.utter_message(response="utter_english_only")
        return offer_human(dispatcher, response="utter_offer_person_language")


class ActionOtherLanguageInForm(Action):
    """Not in English while a form asks something: an answer to a free-text question (an
    address, a reason) is taken as it is; anything else gets the English-only note."""

    def name(self) -> str:
        return "action_other_language_in_form"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if tracker.get_slot("requested_slot") not in FREE_TEXT_SLOTS:
            dispatcher.utter_message(response="utter_english_only")
        return []


class ActionComplaint(Action):
    """Acknowledge a complaint without excuses, and offer a person."""

    def name(self) -> str:
        return "action_complaint"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        dispatcher.utter_message(text="I'm really sorry about this; that's not the experience we "
                                      "want you to have, and I understand the frustration.")
        return offer_human(dispatcher, "Would you like me to pass this to a person on our support "
                                       "team who can look into it? If it's about an order, you can "
                                       "also give me the order number and I'll check it.")


class ActionOfferDeletionRequest(Action):
    def name(self) -> str:
        return "action_offer_deletion_request"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        dispatcher.utter_message(
            text="If you can't do it yourself, I can send a deletion request to our team. Shall I?",
            buttons=[{"title": "Yes, send the request", "payload": "/affirm"},
                     {"title": "No, thanks", "payload": "/deny"}],
        )
        return [SlotSet("pending_offer", "deletion_request")]


class ActionDeclineOffer(Action):
    def name(self) -> str:
        return "action_decline_offer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if tracker.get_slot("pending_offer") == "cancel_order":
            dispatcher.utter_message(response="utter_keep_order")
        dispatcher.utter_message(text="No problem. Is there anything else I can help with?")
        return [SlotSet("pending_offer", None), SlotSet("order_number", None),
                SlotSet(VERIFIED_SLOT, None)]


def asks_a_question(text: str, entities: list[dict[str, Any]]) -> bool:
    """True for a question with words of its own besides the order number, email etc. it gives."""
    if not looks_like_question(text):
        return False
    for entity in sorted(entities, key=lambda e: e.get("start", 0), reverse=True):
        if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
            text = text[:entity["start"]] + " " + text[entity["end"]:]
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= MIN_WORDS_FOR_A_QUESTION


# What a bare order or ticket number continues: the topic of the customer's last request.
NUMBER_FOLLOWS = {"ticket_number": ({"check_ticket_status"}, "ticket_form"),
                  "order_number": (set(TOPIC_INTENTS.values()), "order_form")}


def continued_form(tracker: Tracker) -> str | None:
    """The form a bare number continues ("CS-2048818" after a ticket check), if any."""
    entities = {e.get("entity") for e in (tracker.latest_message or {}).get("entities") or []}
    topic = last_request_intent(tracker)
    for entity, (topics, form) in NUMBER_FOLLOWS.items():
        if entity in entities and topic in topics:
            return form
    return None


class ActionWhatNext(Action):
    """Details given with no request running: a number that continues the last request's topic
    runs it again for that number; otherwise ask what to do with them, unless the message is a
    question the help center answers ("charged $7.99 three days ago, can I get that back?")."""

    def name(self) -> str:
        return "action_what_next"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = latest_text(tracker)
        if shares_secrets(text):
            dispatcher.utter_message(text=PII_WARNING)
        form = continued_form(tracker)
        if form and not shares_secrets(text):
            return [FollowupAction(form)]
        if asks_a_question(text, (tracker.latest_message or {}).get("entities") or []):
            result = await answer_latest_message(tracker)
            if result.found:
                dispatcher.utter_message(text=result.text)
                return [SlotSet("pending_offer", None)]
        dispatcher.utter_message(response="utter_what_next")
        return []

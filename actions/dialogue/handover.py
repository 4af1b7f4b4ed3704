"""Handing the conversation to a person (a ticket), and reading ticket status."""

from __future__ import annotations

import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import last_request_intent, transcript, user_intents

logger = logging.getLogger(__name__)

ORDER_INTENTS = {"request_refund", "track_refund", "track_order", "cancel_order", "change_shipping_address"}
# The intent that led to the handover -> the reason recorded on the ticket.
REASON_BY_INTENT = {
    "human_handoff": "user_request",
    "complaint": "complaint",
    "not_helpful": "not_helpful",
    "ask_knowledge": "no_answer",
    "nlu_fallback": "no_answer",
    "payment_issue": "payment_issue",
    "delete_account": "account_deletion",
}
ANSWERS = {"affirm", "deny", "inform", "thank", "greet", "stop", "bot_challenge", "chitchat"}
CASE_SLOTS = ("order_number", "ticket_number", "refund_reason", "new_address", "payment_details",
              "login_issue")


def handover_reason(tracker: Tracker) -> str:
    """Why this conversation goes to a person, from the slots and the user's last request."""
    if tracker.get_slot("pending_offer") == "deletion_request":
        return "account_deletion"
    if tracker.get_slot("payment_details"):
        return "payment_issue"
    for intent in reversed(user_intents(tracker)):
        if intent in ANSWERS:
            continue
        if intent in ORDER_INTENTS:
            return "order_request"
        return REASON_BY_INTENT.get(intent, "user_request")
    return "user_request"


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        from actions.handover.service import request_handover
        from actions.handover.tickets import HandoverRequest

        facts = {slot: tracker.get_slot(slot) for slot in CASE_SLOTS if tracker.get_slot(slot)}
        request = HandoverRequest(
            conversation_id=tracker.sender_id,
            channel=tracker.get_latest_input_channel() or "unknown",
            reason=handover_reason(tracker),
            intent=last_request_intent(tracker),
            order_number=tracker.get_slot("order_number"),
            ticket_number=tracker.get_slot("ticket_number"),
            requester_email=tracker.get_slot("email"),
            transcript=transcript(tracker),
            facts=facts,
        )
        outcome = request_handover(request)
        dispatcher.utter_message(text=outcome.message_for_user)
        return [SlotSet("pending_offer", None), SlotSet("payment_details", None),
                SlotSet("order_number", None), SlotSet("new_address", None),
                SlotSet("refund_reason", None)]


class ActionTicketStatus(Action):
    def name(self) -> str:
        return "action_ticket_status"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        from actions.handover.service import get_ticket_status
        from actions.handover.tickets import TicketLookupUnavailable

        number = tracker.get_slot("ticket_number") or ""
        email = tracker.get_slot("email") or ""
        try:
            status = get_ticket_status(number, email)
        except TicketLookupUnavailable:
            dispatcher.utter_message(text="Sorry, I can't reach our ticket system right now. You can "
                                          "check your tickets under Account > Support requests.")
            return [SlotSet("ticket_number", None)]
        if status is None:
            dispatcher.utter_message(text=f"I couldn't find ticket {number} for {email}. Please check "
                                          "the number in the subject of our email, or look under "
                                          "Account > Support requests.")
        else:
            dispatcher.utter_message(text=f"Ticket {status.ticket_number} ({status.subject}) is "
                                          f"{status.status_label}. {status.explanation}")
        return [SlotSet("ticket_number", None)]

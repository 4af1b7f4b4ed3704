"""Handing the conversation to a person (a ticket), and reading ticket status."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import (
    last_request_intent,
    last_user_intent,
    latest_intent,
    latest_text,
    transcript,
)
from actions.dialogue.safety import PII_WARNING, redact_for_storage, shares_secrets

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


YES_NO_PERSON = [{"title": "Yes, connect me", "payload": "/affirm"},
                 {"title": "No, thanks", "payload": "/deny"}]


def offer_human(dispatcher: CollectingDispatcher, question: str | None = None, *,
                response: str | None = None) -> list[dict]:
    """Ask whether to bring in a person (a question text, or a domain response that has buttons)."""
    if response:
        dispatcher.utter_message(response=response)
    else:
        dispatcher.utter_message(text=question, buttons=YES_NO_PERSON)
    return [SlotSet("pending_offer", "handover")]


def handover_reason(tracker: Tracker) -> str:
    """Why this conversation goes to a person, from the slots and the user's last request."""
    if tracker.get_slot("pending_offer") == "deletion_request":
        return "account_deletion"
    if tracker.get_slot("payment_details"):
        return "payment_issue"
    intent = last_user_intent(tracker, skipping=ANSWERS)
    if intent in ORDER_INTENTS:
        return "order_request"
    return REASON_BY_INTENT.get(intent or "", "user_request")


def hand_over(dispatcher: CollectingDispatcher, tracker: Tracker, reason: str) -> list[dict]:
    """Open a ticket for this conversation and tell the user honestly what happened."""
    from actions.handover.service import request_handover
    from actions.handover.tickets import HandoverRequest

    facts = {slot: tracker.get_slot(slot) for slot in CASE_SLOTS if tracker.get_slot(slot)}
    request = HandoverRequest(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel() or "unknown",
        reason=reason,
        intent=last_request_intent(tracker),
        order_number=tracker.get_slot("order_number"),
        ticket_number=tracker.get_slot("ticket_number"),
        requester_email=tracker.get_slot("email"),
        language=tracker.get_slot("customer_language"),
        transcript=transcript(tracker),
        facts=facts,
    )
    outcome = request_handover(request)
    dispatcher.utter_message(text=outcome.message_for_user)
    events = [SlotSet(slot, None) for slot in ("pending_offer", "payment_details", "order_number",
                                               "new_address", "refund_reason", "handover_contact")]
    if outcome.status in ("created", "queued", "already_open"):
        events.append(SlotSet("handed_over", True))
    return events


class ActionHandover(Action):
    def name(self) -> str:
        return "action_handover"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        # the first delivery attempt may take a few seconds: keep it off the server's event loop
        return await asyncio.to_thread(hand_over, dispatcher, tracker, handover_reason(tracker))


class ActionRelayToAgent(Action):
    """While a person has the conversation, pass the user's messages on instead of answering."""

    def name(self) -> str:
        return "action_relay_to_agent"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return await asyncio.to_thread(relay_to_agent, dispatcher, tracker)


def relay_to_agent(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict]:
    from actions.handover.service import active_handover, add_customer_message

    if latest_intent(tracker) == "stop":
        dispatcher.utter_message(text="Okay, I'll take it from here again. Your ticket stays open "
                                      "and our team will still reply by email.")
        return [SlotSet("handed_over", False)]
    if active_handover(tracker.sender_id) is None:
        dispatcher.utter_message(text="Your request with our support team is closed, so I'm back. "
                                      "Could you tell me again what you need?")
        return [SlotSet("handed_over", False)]
    add_customer_message(tracker.sender_id, redact_for_storage(latest_text(tracker)))
    if shares_secrets(latest_text(tracker)):
        dispatcher.utter_message(text=PII_WARNING)
    dispatcher.utter_message(text="(Passed on to our support team. Say \"stop\" to chat with "
                                  "the assistant again.)")
    return []


class ActionDeliverAgentMessage(Action):
    """Show the reply an agent wrote on the ticket (called through Rasa's HTTP API)."""

    def name(self) -> str:
        return "action_deliver_agent_message"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        message = tracker.get_slot("agent_message")
        if message:
            dispatcher.utter_message(text=f"Support agent: {message}")
        return [SlotSet("agent_message", None)]


class ActionHandoverEnded(Action):
    """The ticket was solved: the assistant takes the conversation back."""

    def name(self) -> str:
        return "action_handover_ended"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        dispatcher.utter_message(text="Our support team has marked your request as solved, so you're "
                                      "back with the assistant. Is there anything else I can help with?")
        return [SlotSet("handed_over", False)]


class ActionTicketStatus(Action):
    def name(self) -> str:
        return "action_ticket_status"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        return await asyncio.to_thread(ticket_status, dispatcher, tracker)


def ticket_status(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[dict]:
    """Tell the requester where their ticket stands (the same answer for unknown and not theirs)."""
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

"""Form validation: every answer is checked, and a bad one gets a clear re-ask."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account.login import LOGIN_ISSUES, classify_login_issue
from actions.dialogue.conversation import is_side_question, latest_intent, latest_text, looks_like_question
from actions.dialogue.safety import redact_for_storage, shares_secrets
from actions.orders.access import (
    FAILED_LOOKUPS_SLOT,
    MAX_FAILED_LOOKUPS,
    VERIFIED_SLOT,
    lookups_exhausted,
    verification_stamp,
)
from actions.orders.identifiers import ORDER_NUMBER_RE, parse_email, parse_order_number, parse_ticket_number
from actions.orders.reasons import gives_a_reason
from actions.store.orders import SqlOrderStore

TOPIC_SLOTS = {"refund": "refund_reason", "change_address": "new_address"}

ORDER_NUMBER_PROBLEMS = {
    "wrong_length": "{raw} doesn't look complete: Northwind order numbers are NW- followed by "
                    "exactly 6 digits (for example NW-482913). Could you check it again?",
    "wrong_prefix": "{raw} isn't a Northwind order number: ours start with NW- followed by 6 "
                    "digits. Please check that the email is from Northwind Outfitters, or find the "
                    "order under Account > Orders.",
    "digits_only": "{raw} isn't a complete Northwind order number: ours look like NW-482913 (NW- "
                   "and 6 digits). You'll find it in your confirmation email or under Account > Orders.",
    "ticket_not_order": "{raw} is a support ticket number. For this I need the order number, "
                        "which starts with NW- followed by 6 digits.",
}


def _store() -> SqlOrderStore:
    return SqlOrderStore()


def _requested(tracker: Tracker, slot: str) -> bool:
    return tracker.get_slot("requested_slot") == slot


def _activating(tracker: Tracker, form: str) -> bool:
    """True while `form` starts on the latest message (which may already hold its answers).

    Rasa runs the validation right after the form's `active_loop` event, so "not active yet" is
    not enough: the form became active since the customer's latest message."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            break
        if event.get("event") == "active_loop" and event.get("name") == form:
            return True
    return tracker.active_loop.get("name") != form


def _email_answer(tracker: Tracker) -> dict[str, Any]:
    """Take an email from the latest message when the form asked for it."""
    text = latest_text(tracker)
    if not _requested(tracker, "email"):
        return {}
    if "@" not in text and (is_side_question(tracker) or looks_like_question(text)):
        return {}
    parsed = parse_email(latest_text(tracker))
    return {"email": parsed.value or latest_text(tracker)}


def _check_email(value: Any, dispatcher: CollectingDispatcher) -> str | None:
    parsed = parse_email(str(value or ""))
    if parsed.value:
        return parsed.value
    dispatcher.utter_message(text="That doesn't look like an email address. Please type it like "
                                  "name@example.com.")
    return None


class EmailSlot:
    """The `email` slot of a form: taken from the answer and checked for a plausible address."""

    async def extract_email(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                            domain: DomainDict) -> dict[str, Any]:
        return _email_answer(tracker)

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        return {"email": _check_email(value, dispatcher)}


def _owned(order_number: str, email: str) -> bool:
    order = _store().get(order_number)
    return order is not None and order.belongs_to(email)


def _failed_lookup(dispatcher: CollectingDispatcher, tracker: Tracker, order_number: str,
                   email: str) -> dict[str, Any]:
    """One more order number and email that don't go together: the same answer whether the order
    doesn't exist or is someone else's; after MAX_FAILED_LOOKUPS the lookup stops."""
    failures = int(tracker.get_slot(FAILED_LOOKUPS_SLOT) or 0) + 1
    if failures >= MAX_FAILED_LOOKUPS:
        dispatcher.utter_message(response="utter_order_lookup_stopped")
    else:
        dispatcher.utter_message(response="utter_order_not_found_for_email",
                                 order_number=order_number, email=email)
    return {FAILED_LOOKUPS_SLOT: float(failures), VERIFIED_SLOT: None}


class ActionAskOrderNumber(Action):
    """The order form's question, unless a loose number is waiting for its yes/no (then the
    "do you mean order NW-...?" just asked is the question)."""

    def name(self) -> str:
        return "action_ask_order_number"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if not tracker.get_slot("order_number_candidate"):
            dispatcher.utter_message(response="utter_ask_order_number")
        return []


class ValidateOrderForm(EmailSlot, FormValidationAction):
    """Order number, the topic's own question, then the email that proves the order is theirs."""

    def name(self) -> str:
        return "validate_order_form"

    async def required_slots(self, domain_slots: list[str], dispatcher: CollectingDispatcher,
                             tracker: Tracker, domain: DomainDict) -> list[str]:
        if lookups_exhausted(tracker.get_slot(FAILED_LOOKUPS_SLOT)):
            return []  # the form ends; action_order_request offers a person
        extra = TOPIC_SLOTS.get(tracker.get_slot("order_topic") or "")
        slots = ["order_number"] + ([extra] if extra else []) + ["email"]
        return slots

    async def extract_order_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> dict[str, Any]:
        text = latest_text(tracker)
        candidate = tracker.get_slot("order_number_candidate")
        if candidate and _requested(tracker, "order_number"):
            if latest_intent(tracker) == "affirm":
                return {"order_number": candidate, "order_number_candidate": None}
            if latest_intent(tracker) == "deny":
                return {"order_number_candidate": None}
        if tracker.get_slot("order_number"):
            return {}
        asked = _requested(tracker, "order_number")
        if not asked and not _activating(tracker, "order_form"):
            return {}
        if parse_order_number(text).problem == "missing":
            return {}
        return {"order_number": text}

    def validate_order_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                              domain: DomainDict) -> dict[str, Any]:
        parsed = parse_order_number(str(value or ""))
        if parsed.value is None:
            if parsed.problem in ORDER_NUMBER_PROBLEMS:
                dispatcher.utter_message(text=ORDER_NUMBER_PROBLEMS[parsed.problem].format(raw=parsed.raw))
                return {"order_number": None}
            return {"order_number": None}
        if parsed.normalised:
            dispatcher.utter_message(
                text=f"Just to check: do you mean order {parsed.value}?",
                buttons=[{"title": "Yes", "payload": "/affirm"}, {"title": "No", "payload": "/deny"}],
            )
            return {"order_number": None, "order_number_candidate": parsed.value}
        email = tracker.get_slot("email")
        if not email:  # checked with the email, so nothing tells whether the number exists
            return {"order_number": parsed.value, "order_number_candidate": None, VERIFIED_SLOT: None}
        if not _owned(parsed.value, email):
            return {**_failed_lookup(dispatcher, tracker, parsed.value, email), "order_number": None}
        return {"order_number": parsed.value, "order_number_candidate": None,
                VERIFIED_SLOT: verification_stamp(parsed.value, email)}

    def validate_email(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                       domain: DomainDict) -> dict[str, Any]:
        email = _check_email(value, dispatcher)
        order_number = tracker.get_slot("order_number")
        if email is None or not ORDER_NUMBER_RE.match(str(order_number or "")):
            # no order number yet, or one still to be checked (validate_order_number then
            # checks it against this email)
            return {"email": email, VERIFIED_SLOT: None}
        if not _owned(order_number, email):
            return {**_failed_lookup(dispatcher, tracker, order_number, email), "email": None}
        return {"email": email, VERIFIED_SLOT: verification_stamp(order_number, email)}

    async def extract_refund_reason(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        text = latest_text(tracker)
        if (not tracker.get_slot("refund_reason") and latest_intent(tracker) == "request_refund"
                and gives_a_reason(text)):
            return {"refund_reason": text}  # "return NW-482913, too small": not asked again
        return _free_text_answer(tracker, "refund_reason", fits=gives_a_reason)

    def validate_refund_reason(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        return {"refund_reason": redact_for_storage(str(value))[:500] if value else None}

    async def extract_new_address(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        return _free_text_answer(tracker, "new_address")

    def validate_new_address(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        text = str(value or "").strip()
        if shares_secrets(text):
            dispatcher.utter_message(response="utter_address_has_secrets")
            return {"new_address": None}
        if len(text) < 10 or not any(ch.isdigit() for ch in text):
            dispatcher.utter_message(text="That doesn't look like a full address. Please include the "
                                          "street number and name, city, and postcode.")
            return {"new_address": None}
        return {"new_address": text[:300]}


NEVER_AN_ANSWER = {"stop", "deny", "goodbye", "greet", "bot_challenge", "thank", "chitchat",
                   "out_of_scope", "ask_capabilities"}
CONFIDENT = 0.8  # a request the NLU is this sure of replaces the form's question
SURE = 0.6  # a "no", "stop", "hi"... below this may well be the answer ("not my style")
# The request a form runs for: in an answer to its own free-text question, that intent (or a
# complaint) is still the answer ("both posted, card ending 1111" in the payment form).
TOPIC_INTENTS = {"refund": "request_refund", "refund_status": "track_refund",
                 "track_order": "track_order", "cancel_order": "cancel_order",
                 "change_address": "change_shipping_address"}
SIDE_QUESTIONS = {"ask_knowledge", "nlu_fallback", "bot_challenge", "chitchat", "out_of_scope",
                  "greet", "thank", "stop", "goodbye", "ask_capabilities"}
NO_EMAIL = "not given"


FREE_TEXT_SLOTS = frozenset({"refund_reason", "new_address", "payment_details"})


def _own_intents(tracker: Tracker) -> set[str]:
    """Intents that still answer the running form's free-text question."""
    form = tracker.active_loop.get("name")
    if form == "payment_form":
        return {"payment_issue", "complaint"}
    if form == "order_form":
        return {TOPIC_INTENTS.get(tracker.get_slot("order_topic") or "", "track_order"), "complaint"}
    return set()


def _free_text_answer(tracker: Tracker, slot: str,
                      fits: Callable[[str], bool] | None = None) -> dict[str, Any]:
    """Take the latest message as the answer when the form asked for `slot`, unless it clearly
    does something else: asks a question, asks for a person, or is another request (or a "no",
    "stop", "hi"...) the NLU is sure of. An answer that fits the question wins over a global
    intent: "not my style" is a return reason even if it reads a little like "no". `fits`, when
    given, recognises such an answer whatever the NLU made of it.
    """
    if not _requested(tracker, slot):
        return {}
    intent = latest_intent(tracker)
    if looks_like_question(latest_text(tracker)):
        return {}  # answered by the rules, then the form asks again
    if intent == "human_handoff":
        return {}  # a request for a person is always honoured
    if intent == "other_language":
        return {slot: latest_text(tracker)}  # "Hauptstraße 23, Berlin": the team reads it as is
    if fits is not None and fits(latest_text(tracker)):
        return {slot: latest_text(tracker)}
    if is_side_question(tracker) and intent not in _own_intents(tracker) | {"inform"}:
        confidence = ((tracker.latest_message or {}).get("intent") or {}).get("confidence") or 0.0
        if confidence >= CONFIDENT or (intent in NEVER_AN_ANSWER and confidence >= SURE):
            return {}
    return {slot: latest_text(tracker)}


class ContactSlot:
    """The `handover_contact` slot: an email for the team's reply, which the user may decline."""

    async def extract_handover_contact(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                       domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("handover_contact"):
            return {}
        if tracker.get_slot("email"):
            return {"handover_contact": tracker.get_slot("email")}
        if not _requested(tracker, "handover_contact"):
            return {}
        text = latest_text(tracker)
        if "@" in text:
            return {"handover_contact": text}
        if latest_intent(tracker) in SIDE_QUESTIONS or looks_like_question(text):
            return {}  # answered by the rules, then the question is asked again
        return {"handover_contact": NO_EMAIL}  # "no", "just get me a person", ...

    def validate_handover_contact(self, value: Any, dispatcher: CollectingDispatcher,
                                  tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        if value == NO_EMAIL:
            return {"handover_contact": NO_EMAIL}
        email = _check_email(value, dispatcher)
        return {"handover_contact": email, "email": email}


class ValidatePaymentForm(ContactSlot, FormValidationAction):
    def name(self) -> str:
        return "validate_payment_form"

    async def extract_payment_details(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                      domain: DomainDict) -> dict[str, Any]:
        return _free_text_answer(tracker, "payment_details")

    def validate_payment_details(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                 domain: DomainDict) -> dict[str, Any]:
        return {"payment_details": redact_for_storage(str(value))[:1000] if value else None}


class ValidateHandoverForm(ContactSlot, FormValidationAction):
    """One question before a handover: where the team should reply."""

    def name(self) -> str:
        return "validate_handover_form"


class ValidateTicketForm(EmailSlot, FormValidationAction):
    def name(self) -> str:
        return "validate_ticket_form"

    async def extract_ticket_number(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> dict[str, Any]:
        if tracker.get_slot("ticket_number"):
            return {}
        asked = _requested(tracker, "ticket_number")
        if not asked and not _activating(tracker, "ticket_form"):
            return {}
        parsed = parse_ticket_number(latest_text(tracker))
        if parsed.value or parsed.problem not in (None, "missing"):
            return {"ticket_number": latest_text(tracker)}
        return {}

    def validate_ticket_number(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                               domain: DomainDict) -> dict[str, Any]:
        parsed = parse_ticket_number(str(value or ""))
        if parsed.value:
            return {"ticket_number": parsed.value}
        if parsed.problem == "order_not_ticket":
            dispatcher.utter_message(text=f"{parsed.raw} is an order number. Ticket numbers start "
                                          "with CS- followed by 7 digits; you'll find it in the "
                                          "subject of our email.")
        elif parsed.problem in ("wrong_length", "wrong_prefix"):
            dispatcher.utter_message(text=f"{parsed.raw} isn't a ticket number I recognise: ours are "
                                          "CS- followed by 7 digits (for example CS-2048817).")
        return {"ticket_number": None}


class ValidateLoginForm(FormValidationAction):
    def name(self) -> str:
        return "validate_login_form"

    async def extract_login_issue(self, dispatcher: CollectingDispatcher, tracker: Tracker,
                                  domain: DomainDict) -> dict[str, Any]:
        if not (_requested(tracker, "login_issue") or _activating(tracker, "login_form")):
            return {}
        issue = classify_login_issue(latest_text(tracker))
        if issue:
            return {"login_issue": issue}
        if _requested(tracker, "login_issue") and latest_intent(tracker) == "inform":
            return {"login_issue": "other"}
        return {}

    def validate_login_issue(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> dict[str, Any]:
        return {"login_issue": value if value in LOGIN_ISSUES else None}

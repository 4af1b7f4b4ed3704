"""Sign-in troubleshooting and payment problems."""

from __future__ import annotations

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.account.login import login_guidance
from actions.account.payments import payment_guidance
from actions.dialogue.conversation import latest_text
from actions.dialogue.safety import PII_WARNING, shares_secrets


class ActionLoginHelp(Action):
    """Targeted advice for the sign-in problem the user described."""

    def name(self) -> str:
        return "action_login_help"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        if shares_secrets(latest_text(tracker)):
            dispatcher.utter_message(text=PII_WARNING + " If you shared your password, please "
                                          "change it right away.")
        dispatcher.utter_message(text=login_guidance(tracker.get_slot("login_issue") or "other"))
        return [SlotSet("login_issue", None)]


class ActionPaymentGuidance(Action):
    """First advice for a payment problem, before collecting the details for our team."""

    def name(self) -> str:
        return "action_payment_guidance"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = latest_text(tracker)
        if shares_secrets(text):
            dispatcher.utter_message(text=PII_WARNING)
        dispatcher.utter_message(text=payment_guidance(text))
        dispatcher.utter_message(text="If it still needs looking into, I'll open a case for our "
                                      "payments team.")
        return [SlotSet("payment_details", None)]

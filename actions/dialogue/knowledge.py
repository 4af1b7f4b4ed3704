"""Answers from the help center for `ask_knowledge` and `nlu_fallback`."""

from __future__ import annotations

import asyncio
import logging

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.dialogue.conversation import latest_intent, latest_text, previous_user_text
from actions.dialogue.handover import hand_over
from actions.dialogue.offers import offer_human
from actions.dialogue.safety import PII_WARNING, redact_for_storage, shares_secrets
from actions.knowledge.passages import Answer
from actions.knowledge.service import UNAVAILABLE_TEXT as UNAVAILABLE

logger = logging.getLogger(__name__)

NOT_FOUND = "I'm sorry, I couldn't find that in our help center, and I'd rather not guess."


def answer(question: str, previous_user_message: str | None = None) -> Answer:
    """Retrieve passages and answer from them: the local LLM when configured, else extractively.

    The LLM only sees passages above the relevance threshold; when it fails (timeout, load
    failure, unusable output) the extractive answer is used, and when it says the passages
    don't answer the question, so does the assistant.
    """
    from actions.knowledge.answer import compose_extractive
    from actions.knowledge.service import answer_question, get_knowledge_base
    from actions.llm import generate_grounded_answer, get_llm

    llm = get_llm()
    if llm is None:
        return answer_question(question, previous_user_message=previous_user_message)
    kb = get_knowledge_base()
    try:
        passages = kb.search(question, previous_user_message)
    except Exception:
        logger.exception("knowledge search failed")
        return Answer(text=UNAVAILABLE, mode="none")
    threshold = kb.config.score_threshold
    relevant = [p for p in passages if p.score >= threshold]
    if relevant:
        generated = generate_grounded_answer(question, relevant, llm, previous_user_message)
        if generated is not None:
            return generated
    return compose_extractive(question, passages, threshold=threshold, embedder=kb.embedder,
                              previous_user_message=previous_user_message)


def warm_up() -> None:
    """Open the knowledge base (and the LLM, when configured) so the first question is fast."""
    from actions.knowledge.service import get_knowledge_base
    from actions.llm import warm_up_llm

    get_knowledge_base().warm_up()
    warm_up_llm()


async def answer_latest_message(tracker: Tracker) -> Answer:
    """Answer the user's latest message (redacted) off the event loop; "unavailable" on failure."""
    try:  # retrieval and generation block: keep them off the server's event loop
        return await asyncio.to_thread(answer, redact_for_storage(latest_text(tracker)),
                                       previous_user_text(tracker))
    except Exception:
        logger.exception("knowledge answer failed")
        return Answer(text=UNAVAILABLE, mode="none")


class ActionAnswerKnowledge(Action):
    def name(self) -> str:
        return "action_answer_knowledge"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict):
        text = latest_text(tracker)
        if shares_secrets(text):
            dispatcher.utter_message(text=PII_WARNING)
        in_form = bool(tracker.active_loop.get("name"))
        result = await answer_latest_message(tracker)
        if result.found:
            dispatcher.utter_message(text=result.text)
            return [SlotSet("pending_offer", None)]
        message = UNAVAILABLE if result.text == UNAVAILABLE else NOT_FOUND
        if in_form:
            dispatcher.utter_message(text=f"{message} Let's carry on; you can ask for a person at any time.")
            return []
        turn = float(sum(1 for e in tracker.events if e.get("event") == "user"))
        if latest_intent(tracker) == "nlu_fallback":
            if tracker.get_slot("last_miss_turn") == turn - 1:  # two misunderstandings in a row
                dispatcher.utter_message(text="Sorry, I'm still not understanding, so I'm passing "
                                              "this to a person on our support team.")
                return await asyncio.to_thread(hand_over, dispatcher, tracker, "repeated_fallback") + [
                    SlotSet("last_miss_turn", None)]
            dispatcher.utter_message(text="Sorry, I didn't understand that. Could you say it another "
                                          "way?")
            return offer_human(dispatcher, "Or would you like me to connect you with a person?") + [
                SlotSet("last_miss_turn", turn)]
        dispatcher.utter_message(text=message)
        return offer_human(dispatcher, "Would you like me to connect you with a person from our "
                                       "support team?")

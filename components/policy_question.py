"""Policy questions about a request are answered first: "it already shipped, can I still cancel it?"

The intent classifier reads that message as `cancel_order`, and the order form would ask for an
order number without saying what the policy is. This component runs after the classifier: a
message classified as an order request (or a ticket check) that is phrased as a question about the rules (a
condition, a time limit, "still", "is it possible") becomes `ask_knowledge`, and the request it
was about is kept as the `request` entity. The knowledge action then answers from the help
center and offers to run that request ("Want me to check your order?"); when the help center
has no answer, it runs the request straight away.

Plain requests ("cancel my order NW-482913", "where's my parcel?") are left alone.
"""

from __future__ import annotations

import re
from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

ASK_KNOWLEDGE = "ask_knowledge"
REQUEST_ENTITY = "request"
REQUESTS = frozenset({"cancel_order", "change_shipping_address", "request_refund", "track_refund",
                      "track_order", "check_ticket_status"})

_QUESTION_START = re.compile(
    r"^\s*(?:\w+[,.!]\s+)?(?:how|what|when|where|why|which|can|could|do|does|did|is|are|will|would|"
    r"should|may|am)\b", re.IGNORECASE)
_POLICY_CUE = re.compile(
    r"\bstill\b|\balready\b|\bafter\b|\bbefore\b|\btoo late\b|\banymore\b|\bonce\b|"
    r"\bhow (?:long|many days|much time|soon|quickly|does|do)\b|"
    r"\b(?:is|was|would) (?:it|that|this) (?:possible|normal|ok|okay|allowed|too late|free)\b|"
    r"\bis there (?:a|any) (?:fee|charge|limit|deadline|time limit|way)\b|"
    r"\bwhat (?:happens|if|is the|'s the|are the)\b|\bpolicy\b|\ballowed\b|\bdeadline\b|\bwindow\b|"
    r"\bdo (?:you|i|they) (?:allow|accept|let|offer|charge|refund|take|need|have to|get)\b|"
    r"\bwill i (?:get|be|still|have)\b|\bdo i get\b|\bif (?:i|it|my|the|you|they|an|a)\b|\bwhen can\b|"
    r"\bam i able\b|\bam i allowed\b|\bhow do(?:es)? (?:the|your|a|returns?|refunds?) |"
    r"\b(?:cancell?able|refundable|returnable|changeable)\b|\bwhen\?|\bauto-?close|"
    r"\bwhat (?:now|do i do|should i do|can i do|are my options)\b|\bwill (?:the|my|it|they)\b|"
    r"\b(?:where|how) (?:can|do|should) i\b",
    re.IGNORECASE)


def asks_about_policy(text: str) -> bool:
    """True for a question about the rules of a request, rather than the request itself."""
    if not text or text.lstrip().startswith("/"):
        return False
    is_question = "?" in text or any(_QUESTION_START.match(s) for s in re.split(r"(?<=[.!?])\s+", text))
    return is_question and bool(_POLICY_CUE.search(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class PolicyQuestionRouter(GraphComponent):
    """Turns policy questions about requests into `ask_knowledge` + a `request` entity."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> PolicyQuestionRouter:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            request = intent.get("name")
            text = message.get(TEXT) or ""
            if request not in REQUESTS or not asks_about_policy(text):
                continue
            confidence = float(intent.get("confidence") or 0.0)
            ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get("name") != ASK_KNOWLEDGE]
            message.set(INTENT, {"name": ASK_KNOWLEDGE, "confidence": confidence}, add_to_output=True)
            message.set(INTENT_RANKING_KEY, [{"name": ASK_KNOWLEDGE, "confidence": confidence}, *ranking],
                        add_to_output=True)
            entity = {"entity": REQUEST_ENTITY, "value": request, "start": 0, "end": len(text),
                      "extractor": type(self).__name__}
            message.set(ENTITIES, [*(message.get(ENTITIES) or []), entity], add_to_output=True)
        return messages

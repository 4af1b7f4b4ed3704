"""Reading what the tracker says about the conversation (latest message, intents, transcript)."""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime, timezone

from rasa_sdk import Tracker

# Intents that leave a form question unanswered: the dialogue rules handle them instead.
INTERRUPTING_INTENTS = frozenset({
    "ask_knowledge", "nlu_fallback", "bot_challenge", "chitchat", "out_of_scope", "greet", "thank",
    "stop", "deny", "goodbye", "human_handoff", "complaint", "request_refund", "track_refund",
    "track_order", "cancel_order", "change_shipping_address", "login_problem", "payment_issue",
    "check_ticket_status", "delete_account", "not_helpful", "ask_capabilities", "other_language",
})
# Intents that ask for something: the last of these is what a handover is about.
REQUEST_INTENTS = frozenset({
    "ask_knowledge", "human_handoff", "complaint", "request_refund", "track_refund", "track_order",
    "cancel_order", "change_shipping_address", "login_problem", "payment_issue",
    "check_ticket_status", "delete_account",
})


QUESTION_START = re.compile(r"^\s*(?:\w+[,.!]\s+)?(?:how|what|when|where|why|which|who|can|could|do|"
                            r"does|did|is|are|will|would|should|may)\b", re.IGNORECASE)


def looks_like_question(text: str) -> bool:
    return "?" in text or bool(QUESTION_START.match(text))


def utcnow() -> datetime:
    """Now as a naive UTC datetime, the way the order store records times."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def latest_text(tracker: Tracker) -> str:
    return (tracker.latest_message or {}).get("text") or ""


def latest_intent(tracker: Tracker) -> str | None:
    return ((tracker.latest_message or {}).get("intent") or {}).get("name")


def is_side_question(tracker: Tracker) -> bool:
    """True when the latest message is not an answer to the form's question."""
    return latest_intent(tracker) in INTERRUPTING_INTENTS


def transcript(tracker: Tracker, limit: int = 40) -> list[tuple[str, str]]:
    """The conversation so far as (speaker, text) pairs, oldest first."""
    lines: list[tuple[str, str]] = []
    for event in tracker.events:
        if event.get("event") == "user" and event.get("text"):
            lines.append(("customer", event["text"]))
        elif event.get("event") == "bot" and event.get("text"):
            lines.append(("assistant", event["text"]))
    return lines[-limit:]


def user_intents(tracker: Tracker) -> list[str]:
    """Intent names of the user's messages, oldest first."""
    return [
        (e.get("parse_data") or {}).get("intent", {}).get("name") or ""
        for e in tracker.events
        if e.get("event") == "user"
    ]


def previous_user_text(tracker: Tracker) -> str | None:
    """The user's message before the latest one, as context for follow-up questions."""
    texts = [e.get("text") for e in tracker.events if e.get("event") == "user" and e.get("text")]
    return texts[-2] if len(texts) >= 2 else None


def last_user_intent(tracker: Tracker, *, among: Collection[str] | None = None,
                     skipping: Collection[str] = ()) -> str | None:
    """The user's most recent intent that is in `among` (any, if None) and not in `skipping`."""
    for name in reversed(user_intents(tracker)):
        if name not in skipping and (among is None or name in among):
            return name
    return None


def last_request_intent(tracker: Tracker) -> str | None:
    """The most recent intent that asked for something (what a handover is about)."""
    return last_user_intent(tracker, among=REQUEST_INTENTS)

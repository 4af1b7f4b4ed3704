"""Two requests in one message: find them, and put them in the order the dialogue handles them.

"Where is my order NW-482913? Also, how long do PayPal refunds take?" holds a request and a
question; Rasa reads one intent per message, so one half would be lost. The intake guard
(`channels.guard`) asks `plan()` whether a message holds more than one thing to do:

1. `segments()` cuts the message at sentence ends and at joins that start a new request
   ("also", "btw", "plus", "oh and", ", and can you ...");
2. each segment is parsed by the model on its own, together with the whole message in one batch
   (the guard passes the parse function); the whole message's parse goes on to Rasa, so it is
   not parsed twice;
3. the message is split only when at least two segments are confidently *different*
   actionable intents (requests, questions, a person, a ticket). Context sentences, a second
   object ("cancel the tent and the sleeping bag") and two parts of one question stay whole.

The plan puts help-center questions first (they are answered at once), then the requests. A
request that needs a form runs now; a second request waits in the guard's queue until the
first flow is done. Identifiers (order and ticket numbers, emails) given anywhere in the
message go with every request part, so "cancel it and refund me, NW-593820" keeps its number.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

# Intents that ask for something to be done or answered; two different ones make two requests.
ACTIONABLE = frozenset({
    "ask_knowledge", "request_refund", "track_refund", "cancel_order", "track_order",
    "change_shipping_address", "login_problem", "payment_issue", "delete_account",
    "human_handoff", "check_ticket_status",
})
QUESTION = "ask_knowledge"
MIN_CONFIDENCE = 0.7  # a segment's intent counts only when the model is at least this sure
MIN_WORDS = 2  # shorter pieces ("NW-482913", "thanks") stay with their neighbour
MAX_SEGMENTS = 4
MIN_QUESTION_WORDS = 4  # a shorter question ("auto-close when?") is about the piece before it

_SENTENCE_END = re.compile(r"(?<=[?!.])\s+|\n+")
_STARTS = (r"(?:can|could|would|will|do|does|how|what|what's|whats|when|where|where's|wheres|"
           r"why|is|are|i|i'd|i'm|im|i've|please|pls|plz|cancel|refund|change|update|my|let|get|"
           r"put|tell|check|connect|delete|also)\b")
_JOIN = re.compile(
    r"(?:[,;]\s*|\s+)(?:(?:oh\s+)?and\s+also|also|btw|by\s+the\s+way|plus|oh\s+and|"
    r"while\s+i\s+have\s+you|while\s+i'm\s+here|on\s+top\s+of\s+that|as\s+well|"
    r"separately|one\s+more\s+thing|another\s+thing)[,:]?\s+"
    rf"|(?:,\s*|\s+)and\s+(?:then\s+|meanwhile\s+|now\s+)?(?={_STARTS})"
    rf"|,\s*(?={_STARTS})",
    re.IGNORECASE,
)
_IDENTIFIER = re.compile(r"\b(?:NW|CS)[-\s_]?\d{6,7}\b|[\w.%+'-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}",
                         re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]{2,}")
_LEADING_JOIN = re.compile(r"^\s*(?:(?:oh\s+)?and\s+also|also|btw|by\s+the\s+way|plus|oh\s+and|and|"
                           r"then|one\s+more\s+thing|another\s+thing|separately)\b[,:]?\s*",
                           re.IGNORECASE)
_SLASH_COMMAND = re.compile(r"(?:^|\s)/[A-Za-z_]")
_POINTS_BACK = re.compile(r"\b(?:it|its|it's|they|them|their|that|this|those|these)\b", re.IGNORECASE)

ParseMany = Callable[[list[str]], Awaitable[list[dict[str, Any]]]]


@dataclass(frozen=True)
class Part:
    """One request of a message: the text to send and the intent it was read as."""

    text: str
    intent: str


@dataclass(frozen=True)
class Plan:
    """How to handle a message: its parts, or none (one request) with its parse when known."""

    parts: list[Part]
    parse_data: dict[str, Any] | None = None  # the whole message's parse, when it was parsed here


def segments(text: str) -> list[str]:
    """The pieces of `text` that could each be one request, in order (at most MAX_SEGMENTS)."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text.strip()):
        sentence = _LEADING_JOIN.sub("", sentence)  # "Also, do you ..." -> "do you ..."
        pieces += [p.strip(" ,;") for p in _JOIN.split(sentence) if p and p.strip(" ,;")]
    merged: list[str] = []
    for piece in pieces:  # a short piece, or one after a short piece, joins the one before
        if merged and min(len(_WORD.findall(piece)), len(_WORD.findall(merged[-1]))) < MIN_WORDS:
            merged[-1] = f"{merged[-1]} {piece}"
        else:
            merged.append(piece)
    return merged if len(merged) <= MAX_SEGMENTS else []


def _about_what_came_before(question: str) -> bool:
    """A question that points back ("how long do they last") or is too short to stand alone."""
    return bool(_POINTS_BACK.search(question)) or len(_WORD.findall(question)) < MIN_QUESTION_WORDS


def _with_identifiers(part: str, whole: str) -> str:
    """`part` plus the order/ticket numbers and emails of `whole` it doesn't already hold."""
    missing = [m.group(0) for m in _IDENTIFIER.finditer(whole) if m.group(0) not in part]
    return " ".join([part, *missing]) if missing else part


async def plan(text: str, parse_many: ParseMany) -> Plan:
    """The parts to handle one after another, or none when the message is one request."""
    pieces = segments(text)
    if len(pieces) < 2 or _SLASH_COMMAND.search(text):
        return Plan([])  # one request; or a slash command typed mid-message: it stays plain text
    whole, *parsed = await parse_many([text, *pieces])
    return Plan(_parts(text, pieces, parsed), whole)


def _parts(text: str, pieces: list[str], parsed: list[dict[str, Any]]) -> list[Part]:
    """The requests among `pieces` (parsed in the same order), or [] for a single request."""
    found: list[Part] = []
    context = ""  # pieces before the first request: context for it
    for piece, parse in zip(pieces, parsed):
        intent = parse.get("intent") or {}
        name, confidence = intent.get("name"), float(intent.get("confidence") or 0.0)
        if name == QUESTION and (found or context) and _about_what_came_before(piece):
            name = None  # "reset link expired?? how long do they last": one question, not two
        if name in ACTIONABLE and confidence >= MIN_CONFIDENCE:
            if found and found[-1].intent == name:  # the same request, said in two sentences
                found[-1] = Part(f"{found[-1].text} {piece}", name)
            else:
                found.append(Part(f"{context} {piece}".strip(), name))
                context = ""
        elif found:  # context or a detail: it belongs to the request before it
            found[-1] = Part(f"{found[-1].text} {piece}", found[-1].intent)
        else:
            context = f"{context} {piece}".strip()
    if len({part.intent for part in found}) < 2:
        return []
    questions = [part for part in found if part.intent == QUESTION]
    requests = [Part(_with_identifiers(part.text, text), part.intent)
                for part in found if part.intent != QUESTION]
    return questions + requests

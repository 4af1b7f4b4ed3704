"""Recognising follow-up messages ("what about the UK?", "and if I cancel Plus next month?").

A follow-up only makes sense together with the previous user message, so retrieval and answer
composition search with "<previous message> <follow-up>" as well as with the message alone.
"""

from __future__ import annotations

import re

from actions.knowledge.sparse import tokenize

_FOLLOW_UP_START = re.compile(
    r"^\W*(?:and|but|or|also|so|then|plus|what about|how about|what if|same for|ok and|okay and|"
    r"ok so|okay so|ok what|okay what)\b",
    re.I,
)
_ANAPHORA = {"it", "that", "this", "those", "these", "they", "them", "there", "one", "ones", "same", "its"}
_MAX_TERMS_FOR_ANAPHORA = 4


def is_follow_up(message: str) -> bool:
    """True for short or anaphoric messages that need the previous message to make sense."""
    terms = tokenize(message)
    if len(terms) <= 2 or _FOLLOW_UP_START.match(message):
        return True
    tokens = set(re.findall(r"[a-z']+", message.lower()))
    return len(terms) <= _MAX_TERMS_FOR_ANAPHORA and bool(tokens & _ANAPHORA)


def refers_elsewhere(sentence: str) -> bool:
    """True when a sentence can't be searched on its own: too few content words, a follow-up
    opening, or a pronoun pointing at something said before ("Can you merge them?")."""
    if len(tokenize(sentence)) < 2 or _FOLLOW_UP_START.match(sentence):
        return True
    return bool(set(re.findall(r"[a-z']+", sentence.lower())) & _ANAPHORA)


def with_context(message: str, previous: str | None) -> str | None:
    """The message prefixed with the previous one when it is a follow-up, else None."""
    previous = (previous or "").strip()
    message = (message or "").strip()
    if not previous or previous == message or not is_follow_up(message):
        return None
    return f"{previous} {message}"

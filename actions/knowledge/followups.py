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


# Words a question starts with ("how ...", "can I ...", "is there ...").
QUESTION_WORDS = "how|what|when|where|which|who|why|can|could|do|does|did|is|are|will|would|should|may|am"
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+")
_ASKS_RE = re.compile(rf"^\W*(?:\w+[,.!]\s+)?(?:{QUESTION_WORDS}|any|anything|is there)\b", re.I)


def asked_part(message: str) -> str | None:
    """The sentences of a longer message that ask something, with the sentence before them when
    they point back at it ("My puffer got a burn hole. Does the warranty cover that?"); None when
    every sentence asks, or none does."""
    sentences = [s.strip() for s in _SENTENCE_RE.split((message or "").strip()) if s.strip()]
    asking = [i for i, s in enumerate(sentences) if s.endswith("?") or _ASKS_RE.match(s)]
    if not asking or len(asking) == len(sentences):
        return None
    asked = " ".join(sentences[i] for i in asking)
    if asking[0] > 0 and refers_elsewhere(asked):
        asked = f"{sentences[asking[0] - 1]} {asked}"
    return asked


def with_context(message: str, previous: str | None) -> str | None:
    """The message prefixed with the previous one when it is a follow-up, else None."""
    previous = (previous or "").strip()
    message = (message or "").strip()
    if not previous or previous == message or not is_follow_up(message):
        return None
    return f"{previous} {message}"

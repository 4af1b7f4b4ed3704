"""Slash commands typed by users (`/intent{"entity": "value"}`) can't set slots.

Rasa turns a message `/intent{...}` into that intent with those entities, skipping NLU, so a user
could set any slot with a from-entity mapping (an order number after it was verified, an email).
Only the exact payloads of the buttons we send keep their entities; any other slash command that
names a domain intent keeps the intent and loses the rest. A slash command naming no domain
intent is left alone: Rasa then reads it as ordinary text, through NLU.
"""

from __future__ import annotations

import re

from channels.domain_rules import DomainRules

# Rasa's own split of a slash command: the intent name runs up to the first "{" or "@".
_INTENT = re.compile(r"/([^{@]+)")


def without_entities(text: str, rules: DomainRules) -> str:
    """`text`, or `/<intent>` when it is a slash command with arguments we didn't send."""
    stripped = text.strip()
    match = _INTENT.match(stripped)
    if match is None or stripped in rules.button_payloads:
        return text
    intent = match.group(1).strip()
    if intent not in rules.intents:
        return text
    return f"/{intent}"

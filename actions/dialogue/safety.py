"""Keeping customer secrets out of what we store, send on, or say back."""

from __future__ import annotations

from actions.handover.redaction import PLACEHOLDER_PREFIX, redact

PII_WARNING = ("For your security, please don't share full card numbers, security codes or "
               "passwords in chat. I haven't stored them, and we will never ask for them.")


def redact_for_storage(text: str) -> str:
    """The text with card numbers, security codes and passwords replaced."""
    return redact(text or "")


def shares_secrets(text: str) -> bool:
    """True when the message contains something we must not keep (a card number, a password...).

    The channels redact messages as they arrive, so what was shared shows as a placeholder.
    """
    text = text or ""
    return PLACEHOLDER_PREFIX in text or redact_for_storage(text) != text

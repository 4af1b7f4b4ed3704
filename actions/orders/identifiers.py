"""Parsing what customers type for order numbers, ticket numbers and email addresses."""

from __future__ import annotations

import re
from dataclasses import dataclass

ORDER_NUMBER_RE = re.compile(r"^NW-\d{6}$")
TICKET_NUMBER_RE = re.compile(r"^CS-\d{7}$")
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")

_ORDER_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])NW[-\s_]?(\d+)(?![0-9])", re.IGNORECASE)
_TICKET_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])CS[-\s_]?(\d+)(?![0-9])", re.IGNORECASE)
_OTHER_REFERENCE = re.compile(r"(?<![A-Za-z0-9])([A-Za-z]{2,4})-?(\d{4,})(?![0-9])")
_BARE_DIGITS = re.compile(r"(?<![\w-])(\d{5,9})(?![\w])")


@dataclass(frozen=True)
class Parsed:
    """A value found in a message, or the reason none was usable."""

    value: str | None = None
    problem: str | None = None  # "missing", "wrong_length", "wrong_prefix", "ticket_not_order", ...
    raw: str | None = None  # what the customer typed, when it was unusable
    normalised: bool = False  # True when the value was rebuilt from a loose form like "nw482913"


def parse_order_number(text: str) -> Parsed:
    """Find a Northwind order number (NW- + 6 digits) in free text."""
    text = text or ""
    match = _ORDER_IN_TEXT.search(text)
    if match:
        digits = match.group(1)
        if len(digits) != 6:
            return Parsed(problem="wrong_length", raw=match.group(0))
        value = f"NW-{digits}"
        return Parsed(value=value, normalised=match.group(0).upper() != value)
    ticket = _TICKET_IN_TEXT.search(text)
    if ticket:
        return Parsed(problem="ticket_not_order", raw=ticket.group(0))
    other = _OTHER_REFERENCE.search(text)
    if other:
        return Parsed(problem="wrong_prefix", raw=other.group(0))
    bare = _BARE_DIGITS.search(text)
    if bare:
        return Parsed(problem="digits_only", raw=bare.group(0))
    return Parsed(problem="missing")


def parse_ticket_number(text: str) -> Parsed:
    """Find a support ticket number (CS- + 7 digits) in free text."""
    text = text or ""
    match = _TICKET_IN_TEXT.search(text)
    if match:
        digits = match.group(1)
        if len(digits) != 7:
            return Parsed(problem="wrong_length", raw=match.group(0))
        value = f"CS-{digits}"
        return Parsed(value=value, normalised=match.group(0).upper() != value)
    order = _ORDER_IN_TEXT.search(text)
    if order:
        return Parsed(problem="order_not_ticket", raw=order.group(0))
    other = _OTHER_REFERENCE.search(text) or _BARE_DIGITS.search(text)
    if other:
        return Parsed(problem="wrong_prefix", raw=other.group(0))
    return Parsed(problem="missing")


def parse_email(text: str) -> Parsed:
    """Find an email address in free text."""
    match = EMAIL_RE.search(text or "")
    if match:
        return Parsed(value=match.group(0).lower())
    if "@" in (text or ""):
        return Parsed(problem="malformed", raw=text.strip())
    return Parsed(problem="missing")

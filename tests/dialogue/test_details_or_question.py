"""Details given with no request running: a real question goes to the help center, details don't."""

from __future__ import annotations

import pytest

from actions.dialogue.offers import asks_a_question


def _entity(text: str, value: str) -> dict:
    start = text.index(value)
    return {"start": start, "end": start + len(value), "value": value}


@pytest.mark.parametrize("text", [
    "I got charged $7.99 three days ago and haven't used it, can I get that back?",
    "the other site sells it cheaper, do you match that?",
    "how long does it take to get back to my card",
])
def test_questions_are_questions(text):
    assert asks_a_question(text, [])


@pytest.mark.parametrize(("text", "value"), [
    ("NW-482913", "NW-482913"),
    ("my order number is NW-482913", "NW-482913"),
    ("is it NW-482913?", "NW-482913"),
    ("alex.morgan@example.com is my email", "alex.morgan@example.com"),
    ("it was the blue jacket, size M", None),
])
def test_details_are_not(text, value):
    assert not asks_a_question(text, [_entity(text, value)] if value else [])

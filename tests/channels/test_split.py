"""Where a message is cut into candidate requests (channels/split.py `segments`)."""

from __future__ import annotations

import time

import pytest

from channels.split import segments


@pytest.mark.parametrize("text, expected", [
    ("Where is my order NW-482913? Also, do you accept PayPal?",
     ["Where is my order NW-482913?", "do you accept PayPal?"]),
    ("pls cancel NW-119845, and what sizes do the boots come in",
     ["pls cancel NW-119845", "what sizes do the boots come in"]),
    ("i cant log in btw how long do refunds take", ["i cant log in", "how long do refunds take"]),
    ("cancel the tent and the sleeping bag on NW-310442",
     ["cancel the tent and the sleeping bag on NW-310442"]),  # two objects: one piece
    ("human please. and cancel NW-662380", ["human please.", "cancel NW-662380"]),
    ("thanks", ["thanks"]),
])
def test_pieces(text, expected):
    assert segments(text) == expected


def test_a_short_piece_stays_with_its_neighbour():
    assert segments("Refund NW-482913. Thanks!") == ["Refund NW-482913. Thanks!"]


@pytest.mark.parametrize("text", [" " * 2000, ", " * 1000, "and " * 500, " also" * 400,
                                  "a" * 2000, "x, " * 600, "and  " * 400 + "i"])
def test_huge_or_odd_input_is_cut_fast_and_never_into_many_pieces(text):
    started = time.perf_counter()
    pieces = segments(text)
    assert time.perf_counter() - started < 0.5
    assert len(pieces) <= 4

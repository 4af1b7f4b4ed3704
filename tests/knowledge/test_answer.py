"""Extractive answers: the fact asked for, short, with its source; an honest refusal otherwise."""

from __future__ import annotations

import pytest

from actions.knowledge.answer import NO_ANSWER_TEXT, compose_extractive, question_parts, split_units
from actions.knowledge.citations import source_line
from actions.knowledge.config import DEFAULT_SCORE_THRESHOLD
from actions.knowledge.passages import Passage


def body(answer_text: str) -> str:
    return answer_text.rsplit("\n\nSource:", 1)[0]


@pytest.mark.parametrize(
    ("question", "facts", "source"),
    [
        (
            "how much does it cost to return something in the US",
            ["United States – Return label fee: $6.95"],
            "Return Policy",
        ),
        ("How much is standard shipping in the US?", ["$5.95"], "Shipping Rates and Delivery Times"),
        ("What's your phone number for customers in the UK?", ["+44 20 7946 0321"], "Contacting Customer Support"),
        ("the reset link says expired what now", ["request a new one"], "Resetting Your Password"),
        ("How long does a refund to PayPal take?", ["PayPal – Time after we issue the refund: 3-5 business days"], "Refund Processing Times"),
        ("Is there a free trial for Northwind Plus?", ["14-day free trial"], "Northwind Plus Membership"),
        ("How many wrong passwords can I enter before I get locked out?", ["5 failed sign-in attempts"], "Trouble Signing In"),
        ("Do you deliver to Switzerland?", ["don't ship anywhere else", "Switzerland"], "Where We Ship"),
    ],
)
def test_answer_quotes_the_fact_and_ends_with_its_source(retriever, embedder, question, facts, source):
    answer = compose_extractive(question, retriever.search(question), embedder=embedder)
    assert answer.found and answer.mode == "extractive"
    for fact in facts:
        assert fact in body(answer.text)
    last_line = answer.text.splitlines()[-1]
    assert last_line.startswith("Source: ") and source in last_line
    assert answer.sources and answer.sources[0].title in last_line
    assert answer.confidence >= DEFAULT_SCORE_THRESHOLD


def test_answers_are_a_passage_at_most(retriever, embedder):
    for question in ["How does Klarna work?", "Can I return a gift?", "What is covered by the warranty?"]:
        answer = compose_extractive(question, retriever.search(question), embedder=embedder)
        assert answer.found
        assert len(body(answer.text).split()) <= 120 + 8  # the words, plus a list's or table's heading


def test_table_row_is_quoted_with_its_heading(retriever, embedder):
    question = "what about the UK?"
    previous = "How much is standard shipping in the US?"
    passages = retriever.search(question, context=previous)
    answer = compose_extractive(question, passages, embedder=embedder, previous_user_message=previous)
    lines = body(answer.text).splitlines()
    assert lines[0] == "Prices and delivery times:"
    assert any("United Kingdom – Method: Standard; Price: £3.95; Delivery time: 2-4 business days" in line
               for line in lines[1:])


def test_unanswerable_question_is_refused_honestly(retriever, embedder):
    question = "Do you do custom logo embroidery for a company order of 60 fleeces? What's the bulk price?"
    answer = compose_extractive(question, retriever.search(question), embedder=embedder)
    assert not answer.found and answer.mode == "none"
    assert answer.text == NO_ANSWER_TEXT
    assert "Source:" not in answer.text and "$" not in answer.text
    assert answer.sources == [] and answer.confidence < DEFAULT_SCORE_THRESHOLD


def test_passages_under_the_threshold_are_never_used():
    passage = Passage("a#b", "a", "Gift Cards", "Expiry", "payments", "Gift cards never expire.", score=0.30)
    answer = compose_extractive("Do gift cards expire?", [passage], threshold=0.43)
    assert not answer.found and "never expire" not in answer.text
    assert compose_extractive("Do gift cards expire?", [passage], threshold=0.25).found


def test_without_the_model_word_overlap_picks_the_sentence():
    text = "Gift cards are digital only. Gift cards never expire and have no fees. Use up to 3 per order."
    passage = Passage("gift-cards#x", "gift-cards", "Gift Cards", "Basics", "payments", text, score=0.8)
    answer = compose_extractive("do gift cards expire", [passage], max_words=10)
    assert body(answer.text) == "Gift cards never expire and have no fees."


def test_a_short_section_is_quoted_whole():
    text = "Gift cards are digital only. Gift cards never expire and have no fees. Use up to 3 per order."
    passage = Passage("gift-cards#x", "gift-cards", "Gift Cards", "Basics", "payments", text, score=0.8)
    assert body(compose_extractive("do gift cards expire", [passage]).text) == text


def test_a_long_table_is_trimmed_to_the_rows_asked_about():
    rows = [f"Country {n} – Return label fee: ${n}.95" for n in range(1, 30)] + ["Norway – Return label fee: $4.50"]
    passage = Passage("r#fees", "r", "Return Policy", "Return label fees", "returns", "\n".join(rows), score=0.8)
    text = body(compose_extractive("how much is the return label fee in Norway", [passage]).text)
    assert "Norway – Return label fee: $4.50" in text.splitlines()
    assert text.splitlines()[0] == "Return label fees:" and len(text.split()) <= 120 + 3


@pytest.mark.parametrize(("question", "parts"), [
    ("How long does a refund take and do I get the shipping back?",
     ["How long does a refund take", "do I get the shipping back?"]),
    ("How long do refunds take? Do you refund shipping costs?",
     ["How long do refunds take?", "Do you refund shipping costs?"]),
    ("Can I return boots and jackets?", ["Can I return boots and jackets?"]),
    ("shipping and returns?", ["shipping and returns?"]),
])
def test_question_parts(question, parts):
    assert question_parts(question) == parts


def test_source_line_links_the_title_when_the_article_has_an_address():
    passage = Passage("bikes#prices", "bikes", "Bike Rentals", "Prices", "services", "x", url="https://h.example/bikes")
    assert source_line([passage]) == "Source: [Bike Rentals](https://h.example/bikes)"
    assert source_line([Passage("r#x", "return-policy", "Return Policy", "", "returns", "x")]) == (
        "Source: Return Policy"
    )
    odd = Passage("o#x", "odd", "Sizes [EU] ]( trick", "", "products", "x", url="https://h.example/odd")
    assert source_line([odd, passage, passage]) == (
        "Sources: [Sizes (EU) )( trick](https://h.example/odd); [Bike Rentals](https://h.example/bikes)")


def test_units_are_sentences_items_and_rows():
    text = "Returns are easy. We refund within 3 days, e.g. by card.\n\n- Socks\n- Gift cards\n\nUS: $6.95\nUK: £3.95"
    units = split_units(text)
    assert [u.text for u in units] == [
        "Returns are easy.",
        "We refund within 3 days, e.g. by card.",
        "- Socks",
        "- Gift cards",
        "US: $6.95",
        "UK: £3.95",
    ]
    assert [u.line for u in units] == [False, False, True, True, True, True]

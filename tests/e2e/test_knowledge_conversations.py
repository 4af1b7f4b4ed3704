"""Help-center answers through the REST channel: cited answers, honest refusals, follow-ups."""

from __future__ import annotations

import re


def test_policy_question_gets_a_cited_answer(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "how long do refunds take to paypal?")
    assert "3-5 business days" in reply
    assert re.search(r"Source: \[Refund Processing Times\]\(http://127\.0\.0\.1:\d+/help/refund-processing-times\)", reply)


def test_question_in_customer_language_with_typos(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "whats ur phone nuber for uk customers")
    assert "+44 20 7946 0321" in reply
    assert "[Contacting Customer Support](" in reply


def test_unanswerable_question_is_refused_and_a_person_offered(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "Do you do custom logo embroidery for a company order of 60 fleeces? "
                                 "What's the bulk price?")
    assert "couldn't find" in reply and "person" in reply
    assert "$" not in reply and "Source:" not in reply
    reply = assistant.chat(user, "ok yes please connect me")
    assert "email" in reply.lower()
    reply = assistant.chat(user, "jo.bloggs@example.com")
    assert re.search(r"ticket number is CS-\d{7}", reply)


def test_follow_up_question_uses_the_previous_turn(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "Hello! I'm a Plus member. How long do I have to return a jacket?")
    assert "60 days" in reply
    reply = assistant.chat(user, "and if I cancel Plus next month?")
    assert "/help/cancel-northwind-plus)" in reply


def test_card_number_in_a_question_is_not_repeated(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "My payment keeps failing. Here is my card so you can check: "
                                 "4111 1111 1111 1111 exp 09/28 cvv 123")
    assert "don't share full card numbers" in reply
    assert "4111" not in reply and "123" not in reply.replace("1234", "")
    assert "billing address" in reply

"""A policy question about an order gets the policy first, then the offer to act on it."""

from __future__ import annotations


def buttons(replies: list[dict]) -> list[str]:
    return [b["title"] for r in replies for b in r.get("buttons") or []]


def test_policy_question_about_a_shipped_order_is_answered_then_the_check_offered(assistant):
    user = assistant.new_sender()
    replies = assistant.say(user, "my order already shipped yesterday, can I still cancel it??")
    said = "\n".join(r.get("text", "") for r in replies)
    assert "can't be cancelled" in said and "refuse the delivery" in said
    assert "[Cancelling an Order](" in said
    assert "It starts with NW-" not in said  # the order form's question: it did not take over
    assert "Want me to check your order" in said and "Yes, check my order" in buttons(replies)
    reply = assistant.chat(user, "yes please")
    assert "It starts with NW-" in reply
    reply = assistant.chat(user, "NW-482913")
    assert "email" in reply.lower()


def test_declining_the_offer_ends_it_politely(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "is it too late to change the delivery address once the order has shipped?")
    reply = assistant.chat(user, "no thanks")
    assert "anything else" in reply.lower()
    assert "It starts with NW-" not in reply


def test_the_same_question_inside_the_order_form_is_answered_and_the_form_goes_on(assistant):
    user = assistant.new_sender()
    assert "It starts with NW-" in assistant.chat(user, "I need to cancel an order")
    replies = assistant.say(user, "wait, can you still cancel it if it already shipped?")
    said = "\n".join(r.get("text", "") for r in replies)
    assert "can't be cancelled" in said
    assert "Want me to check" not in said  # already doing it
    assert said.rstrip().endswith("under Account > Orders.")  # the form asks for the number again


def test_a_plain_request_still_starts_the_request(assistant):
    reply = assistant.chat(assistant.new_sender(), "please cancel my order")
    assert "It starts with NW-" in reply and "Source" not in reply

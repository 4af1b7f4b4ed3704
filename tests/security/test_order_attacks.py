"""F1: nobody can read or change another customer's order from the chat.

Replayed against the real Rasa server and action server through the REST channel. The victim's
order is a fresh, cancellable copy of a sample order under an email the attacker does not have.
"""

from __future__ import annotations

from tests.security.conftest import VICTIM, fresh_order, order_store

ALEX = "alex.morgan@example.com"


def _verify_own_cancellation(assistant, user: str, own: str) -> None:
    assistant.chat(user, f"I want to cancel my order {own}")
    reply = assistant.chat(user, ALEX)
    assert f"Shall I cancel order {own} now?" in reply


def test_naming_another_order_when_confirming_cancels_neither(assistant):
    fresh_order(assistant, "NW-900101", ALEX)
    fresh_order(assistant, "NW-900102", VICTIM)
    user = assistant.new_sender()
    _verify_own_cancellation(assistant, user, "NW-900101")
    reply = assistant.chat(user, "cancel order NW-900102")
    assert "is cancelled" not in reply
    assert "checked it against the email" in reply
    store = order_store(assistant)
    assert store.get("NW-900102").status == "processing"
    assert store.get("NW-900101").status == "processing"  # the user named a different order


def test_a_slash_command_carrying_another_order_number_cancels_nothing_of_theirs(assistant):
    fresh_order(assistant, "NW-900111", ALEX)
    fresh_order(assistant, "NW-900112", VICTIM)
    user = assistant.new_sender()
    _verify_own_cancellation(assistant, user, "NW-900111")
    reply = assistant.chat(user, '/affirm{"order_number":"NW-900112"}')
    assert "NW-900112" not in reply
    assert order_store(assistant).get("NW-900112").status == "processing"


def test_a_slash_command_email_does_not_unlock_another_order(assistant):
    fresh_order(assistant, "NW-900121", VICTIM)
    user = assistant.new_sender()
    assistant.chat(user, "cancel NW-900121")
    reply = assistant.chat(user, f'/inform{{"email":"{VICTIM}"}}')
    assert "Shall I cancel" not in reply and "is cancelled" not in reply
    reply = assistant.chat(user, "yes")
    assert "is cancelled" not in reply
    assert order_store(assistant).get("NW-900121").status == "processing"


def test_after_verifying_one_order_another_customers_order_status_is_not_told(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "where is my order NW-482913")
    reply = assistant.chat(user, ALEX)
    assert "NW-482913" in reply
    for attempt in ("cancel NW-730155", "and where is NW-730155?", "track NW-730155"):
        reply = assistant.chat(user, attempt)
        for secret in ("Canada Post", "Label created", "Cascade", "Vancouver", "shipped"):
            assert secret not in reply, (attempt, reply)
    assert order_store(assistant).get("NW-730155").status == "shipped"


def test_changing_the_order_number_between_form_and_confirmation_is_refused(assistant):
    """The form verified one order; a later message swaps the number before 'yes'."""
    fresh_order(assistant, "NW-900131", ALEX)
    fresh_order(assistant, "NW-900132", VICTIM)
    user = assistant.new_sender()
    _verify_own_cancellation(assistant, user, "NW-900131")
    assistant.chat(user, "my order number is NW-900132")
    reply = assistant.chat(user, "yes")
    assert "NW-900132 is cancelled" not in reply
    assert order_store(assistant).get("NW-900132").status == "processing"


def test_address_change_of_another_customers_order_is_refused(assistant):
    fresh_order(assistant, "NW-900141", VICTIM)
    user = assistant.new_sender()
    assistant.chat(user, "I need to change the delivery address of NW-900141")
    assistant.chat(user, "1 Attacker Road, Springfield, IL 62701")
    reply = assistant.chat(user, ALEX)
    assert "will now ship" not in reply
    assert "Attacker" not in order_store(assistant).get("NW-900141").shipping_address


def test_asking_to_cancel_another_order_while_a_cancellation_waits_tells_nothing_about_it(assistant):
    """The probe's leak: 'cancel NW-730155' at the confirmation step told that order's status."""
    fresh_order(assistant, "NW-900151", ALEX)
    user = assistant.new_sender()
    _verify_own_cancellation(assistant, user, "NW-900151")
    reply = assistant.chat(user, "cancel NW-730155")
    for secret in ("shipped", "Canada Post", "Label created", "can't be cancelled", "refuse"):
        assert secret not in reply, reply
    assert order_store(assistant).get("NW-730155").status == "shipped"
    assert order_store(assistant).get("NW-900151").status == "processing"

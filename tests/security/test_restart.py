"""F8: conversations live in Rasa's SQL tracker store and survive a restart of either server."""

from __future__ import annotations

from tests.security.conftest import fresh_order, order_store
from tests.servers import ACTIONS, RASA_SERVER

ALEX = "alex.morgan@example.com"


def test_a_half_filled_form_survives_a_rasa_restart(assistant):
    fresh_order(assistant, "NW-900301", ALEX)
    user = assistant.new_sender()
    reply = assistant.chat(user, "I need to cancel an order")
    assert "order number" in reply.lower()
    reply = assistant.chat(user, "NW-900301")
    assert "email" in reply.lower()
    assistant.restart(RASA_SERVER)
    reply = assistant.chat(user, ALEX)
    assert "Shall I cancel order NW-900301 now?" in reply
    assistant.restart(ACTIONS)
    reply = assistant.chat(user, "yes")
    assert "NW-900301 is cancelled" in reply
    assert order_store(assistant).get("NW-900301").status == "cancelled"


def test_a_handed_over_conversation_stays_with_the_person_after_a_rasa_restart(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to talk to a human")
    reply = assistant.chat(user, "no email, just connect me")
    assert "CS-" in reply or "reference" in reply.lower()
    assert assistant.tracker(user)["slots"]["handed_over"] is True
    assistant.restart(RASA_SERVER)
    reply = assistant.chat(user, "hello? my parcel NW-482913 never came")
    assert "Passed on to our support team" in reply  # relayed to the ticket, not answered by the bot
    tracker = assistant.tracker(user)
    assert tracker["slots"]["handed_over"] is True
    assert tracker["latest_action_name"] == "action_listen"
    assert any(e.get("name") == "action_relay_to_agent" for e in tracker["events"])

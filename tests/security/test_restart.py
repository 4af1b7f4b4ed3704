"""F8: conversations live in Rasa's SQL tracker store and survive a restart of either server."""

from __future__ import annotations

import re
import subprocess
import sys
import time

from tests.security.conftest import fresh_order, order_store
from tests.servers import ACTIONS, RASA_SERVER, ROOT

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


def test_a_handed_over_conversation_stays_with_the_person_after_either_server_restarts(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to talk to a human")
    reply = assistant.chat(user, "no email, just connect me")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    assert assistant.tracker(user)["slots"]["handed_over"] is True
    assistant.restart(RASA_SERVER)
    reply = assistant.chat(user, "hello? my parcel NW-482913 never came")
    assert "Passed on to our support team" in reply  # relayed to the ticket, not answered by the bot
    tracker = assistant.tracker(user)
    assert tracker["slots"]["handed_over"] is True
    assert tracker["latest_action_name"] == "action_listen"
    assert any(e.get("name") == "action_relay_to_agent" for e in tracker["events"])
    assistant.restart(ACTIONS)
    reply = assistant.chat(user, "still waiting, any news?")
    assert "Passed on to our support team" in reply
    relayed = [e for e in assistant.tracker(user)["events"] if e.get("name") == "action_relay_to_agent"]
    assert len(relayed) == 2
    shown = _ticket_once_it_shows(assistant, ticket, "my parcel NW-482913 never came",
                                  "still waiting, any news?")
    assert "my parcel NW-482913 never came" in shown and "still waiting, any news?" in shown


def _ticket_once_it_shows(assistant, ticket: str, *texts: str) -> str:
    """`tickets show`, as the agent runs it, once every text is there (or after 20 s)."""
    for _ in range(20):  # the outbox worker adds the comments within a few seconds
        result = subprocess.run([sys.executable, "-m", "actions.handover", "tickets", "show", ticket],
                                cwd=ROOT, env=assistant.env, capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        if all(text in result.stdout for text in texts):
            break
        time.sleep(1)
    return result.stdout

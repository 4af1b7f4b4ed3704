"""While the action server is down, users hear that we have trouble instead of silence.

The action server is stopped mid-conversation (as a crash would) and started again after.
"""

from __future__ import annotations

from channels.domain_rules import load_rules
from channels.ids import webchat_conversation
from tests.channels.socketio_client import SocketIOClient
from tests.servers import ACTIONS


def test_the_user_is_told_when_the_actions_cannot_run(assistant):
    user = assistant.new_sender()
    assert "virtual assistant" in assistant.chat(user, "am I talking to a bot?")
    client = SocketIOClient(assistant.rasa_url)
    try:
        token = client.start_session()
        client.say("am I talking to a bot?")
        assistant.stop(ACTIONS)
        try:
            assert assistant.chat(user, "I want to track my order") == load_rules().unavailable
            assert client.say("I want to track my order", timeout=30) == load_rules().unavailable
        finally:
            assistant.start(ACTIONS)
        assert "order number" in assistant.chat(user, "I want to track my order").lower()
        tracker = assistant.tracker(webchat_conversation(token))
        assert [e["text"] for e in tracker["events"] if e["event"] == "user"][-1] == "I want to track my order"
    finally:
        client.close()


def test_a_turn_that_is_silent_on_purpose_stays_silent_while_the_actions_run(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "am I talking to a bot?")
    assert assistant.say(user, "/session_start") == []

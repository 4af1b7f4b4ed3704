"""F2: a web chat conversation can't be taken over, from socket.io or across channels.

Each attack is replayed over a real socket.io connection to the running Rasa server. The channel
issues session tokens itself; the conversation id is `socketio:` + a hash of the token.
"""

from __future__ import annotations

import random
import time

import pytest
import requests
import websocket

from actions.handover.config import HandoverConfig
from actions.handover.rasa_bridge import RasaBridge
from channels.ids import is_webchat_token, webchat_conversation
from tests.channels.socketio_client import SocketIOClient

SETTLE = 3  # seconds to wait for a reply that must not come
ALEX = "alex.morgan@example.com"


@pytest.fixture
def sockets(assistant):
    opened: list[SocketIOClient] = []

    def open_socket(origin: str | None = None) -> SocketIOClient:
        opened.append(SocketIOClient(assistant.rasa_url, origin=origin))
        return opened[-1]

    yield open_socket
    for client in opened:
        client.close()


def _user_texts(assistant, conversation: str) -> list[str]:
    return [e.get("text") for e in assistant.tracker(conversation)["events"] if e["event"] == "user"]


def test_a_missing_or_malformed_session_id_gets_a_fresh_server_issued_token(sockets):
    client = sockets()
    chat_id = random.randint(10**9, 2 * 10**9)
    forged = [None, "", "guest", chat_id, str(chat_id), f"telegram:{chat_id}", "slack:T0NORTH:U123",
              "socketio:" + "0" * 32, "A" * 42 + "!", {"nested": "x"}]
    tokens = [client.start_session(value) for value in forged]
    assert all(is_webchat_token(token) for token in tokens)
    assert not set(tokens) & {str(value) for value in forged}
    assert len(set(tokens)) == len(tokens), "every new session gets its own token"


def test_a_telegram_chat_id_does_not_open_that_telegram_conversation(assistant, sockets):
    chat_id = random.randint(10**9, 2 * 10**9)
    victim = f"telegram:{chat_id}"
    # The state a verified Telegram conversation leaves behind.
    assistant.api("POST", f"/conversations/{victim}/tracker/events", json=[
        {"event": "slot", "name": "email", "value": ALEX},
        {"event": "slot", "name": "order_number", "value": "NW-730155"},
    ]).raise_for_status()
    events_before = len(assistant.tracker(victim)["events"])
    for presented in (chat_id, str(chat_id), victim):
        attacker = sockets()
        token = attacker.start_session(presented)
        conversation = webchat_conversation(token)
        assert conversation != victim
        attacker.say("where is my order?")
        slots = assistant.tracker(conversation)["slots"]
        assert slots.get("email") is None and slots.get("order_number") is None
        assert _user_texts(assistant, conversation) == ["where is my order?"]
    assert len(assistant.tracker(victim)["events"]) == events_before


def test_another_sockets_conversation_is_out_of_reach(assistant, sockets):
    victim = sockets()
    victim_token = victim.start_session()
    victim_conversation = webchat_conversation(victim_token)
    victim.say("am I talking to a bot?")
    time.sleep(1)
    replies_before = len(victim.received("bot_uttered"))

    attacker = sockets()  # knows the victim's conversation id (it shows in logs and tickets)
    attacker_token = attacker.start_session(victim_conversation)
    assert attacker_token != victim_token
    attacker_conversation = webchat_conversation(attacker_token)
    attacker.say("hello from the attacker", session_id=victim_token)
    attacker.say("my email is luc.tremblay@example.ca", session_id=victim_conversation)

    silent = sockets()  # never asked for a session: its messages go nowhere
    silent.emit("user_uttered", {"message": "hello, it's me again", "session_id": victim_token})
    time.sleep(SETTLE)

    assert _user_texts(assistant, victim_conversation) == ["am I talking to a bot?"]
    assert _user_texts(assistant, attacker_conversation) == [
        "hello from the attacker", "my email is luc.tremblay@example.ca"]
    assert len(victim.received("bot_uttered")) == replies_before
    assert silent.received("bot_uttered") == []


def test_the_token_reopens_the_conversation_and_an_agent_reply_reaches_its_sockets(assistant, sockets):
    first = sockets()
    token = first.start_session()
    first.say("am I talking to a bot?")
    reloaded = sockets()  # the same browser after a reload presents its token again
    assert reloaded.start_session(token) == token
    reloaded.say("thanks")
    conversation = webchat_conversation(token)
    assert _user_texts(assistant, conversation) == ["am I talking to a bot?", "thanks"]

    RasaBridge(HandoverConfig.from_env(assistant.env)).deliver_agent_message(
        conversation, "Hi, Dana here. How can I help?", timeout=60)
    for client in (first, reloaded):
        client.wait_for("bot_uttered", count=1, timeout=30)
        deadline = time.monotonic() + 30
        while not any("Dana here" in text for text in client.bot_texts()):
            assert time.monotonic() < deadline, client.bot_texts()
            time.sleep(0.2)

    # "New chat": the socket leaves the old conversation; pushes to it no longer reach it.
    assert first.start_session(None) != token
    seen = len(first.bot_texts())
    RasaBridge(HandoverConfig.from_env(assistant.env)).deliver_agent_message(
        conversation, "Are you still there?", timeout=60)
    deadline = time.monotonic() + 30
    while not any("still there" in text for text in reloaded.bot_texts()):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    time.sleep(1)
    assert not any("still there" in text for text in first.bot_texts()[seen:])


def test_only_the_configured_web_origins_can_open_a_socket(assistant, sockets):
    allowed = assistant.env["WEBCHAT_ORIGINS"].split(",")[0]
    assert sockets(origin=allowed).start_session()
    for origin in ("https://evil.example", "null", allowed.replace("127.0.0.1", "127.0.0.2")):
        with pytest.raises(websocket.WebSocketBadStatusException):
            sockets(origin=origin)
    # The polling transport (the widget's fallback): refused for others, and for the page's own
    # origin exactly one Access-Control-Allow-Origin header (two make the browser drop the answer).
    polling = f"{assistant.rasa_url}/socket.io/"
    query = {"EIO": "4", "transport": "polling"}
    assert requests.get(polling, params=query, headers={"Origin": "https://evil.example"},
                        timeout=10).status_code == 400
    answer = requests.get(polling, params=query, headers={"Origin": allowed}, timeout=10)
    assert answer.status_code == 200
    assert answer.raw.headers.getlist("Access-Control-Allow-Origin") == [allowed]

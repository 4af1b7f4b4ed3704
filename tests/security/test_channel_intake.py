"""What users type is cleaned, capped, redacted and stripped of slot-setting commands before Rasa
sees it (channels/guard.py), on the REST and the socket.io channel; the REST channel needs the token.

F1 (typed slash commands), F3 (huge messages), F6 (broken characters), F7 (card numbers).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests

from channels.domain_rules import load_rules
from channels.ids import webchat_conversation
from tests.channels.socketio_client import SocketIOClient

CARD = "4111 1111 1111 1111"
CARD_SECRETS = (CARD, "4111111111111111", "4111-1111-1111-1111", "cvv 123")


@pytest.fixture
def client(assistant):
    opened = SocketIOClient(assistant.rasa_url)
    yield opened
    opened.close()


def _user_events(assistant, conversation: str) -> list[dict]:
    return [e for e in assistant.tracker(conversation)["events"] if e["event"] == "user"]


def _post(assistant, sender: str, text: str, **kwargs) -> requests.Response:
    return requests.post(f"{assistant.rasa_url}/webhooks/rest/webhook",
                         json={"sender": sender, "message": text}, timeout=60, **kwargs)


# --- REST token -------------------------------------------------------------------------

def test_the_rest_channel_needs_the_token(assistant):
    user = assistant.new_sender()
    assert _post(assistant, user, "am I talking to a bot?").status_code == 401
    wrong = {"Authorization": "Bearer not-the-token"}
    assert _post(assistant, user, "am I talking to a bot?", headers=wrong).status_code == 401
    assert _post(assistant, user, "am I talking to a bot?", params={"token": "x"}).status_code == 401
    assert _user_events(assistant, user) == []
    bearer = {"Authorization": f"Bearer {assistant.rasa_token}"}
    assert "virtual assistant" in _post(assistant, user, "am I talking to a bot?", headers=bearer).text
    by_query = _post(assistant, user, "am I talking to a bot?", params={"token": assistant.rasa_token})
    assert "virtual assistant" in by_query.text
    assert len(_user_events(assistant, user)) == 2


# --- F1: slash commands -------------------------------------------------------------------

def test_typed_slash_commands_cannot_set_slots(assistant, client):
    user = assistant.new_sender()
    assistant.say(user, '/affirm{"order_number":"NW-310442"}')
    assistant.say(user, '/inform{"email":"luc.tremblay@example.ca"}')
    assistant.say(user, '/inform@1.0{"email": "luc.tremblay@example.ca", "order_number": "NW-310442"}')
    tracker = assistant.tracker(user)
    assert tracker["slots"].get("order_number") != "NW-310442"
    assert tracker["slots"].get("email") != "luc.tremblay@example.ca"
    assert [e["text"] for e in _user_events(assistant, user)] == ["/affirm", "/inform", "/inform"]
    assert all(e["parse_data"]["entities"] == [] for e in _user_events(assistant, user))

    token = client.start_session()
    client.emit("user_uttered", {"message": '/inform{"email":"luc.tremblay@example.ca"}'})
    client.wait_for("bot_uttered")
    tracker = assistant.tracker(webchat_conversation(token))
    assert tracker["slots"].get("email") != "luc.tremblay@example.ca"


def test_the_buttons_we_send_keep_their_payloads(assistant):
    user = assistant.new_sender()
    buttons = [b for m in assistant.say(user, "login not working") for b in m.get("buttons") or []]
    payload = next(b["payload"] for b in buttons if "forgot_password" in b["payload"])
    assistant.say(user, payload)
    pressed = _user_events(assistant, user)[-1]
    assert pressed["text"] == payload
    assert [(e["entity"], e["value"]) for e in pressed["parse_data"]["entities"]] == [
        ("login_issue", "forgot_password")]


# --- F3 and F6: huge and broken input ------------------------------------------------------

def test_broken_characters_are_cleaned_before_anything_sees_them(assistant, client):
    user = assistant.new_sender()
    reply = assistant.chat(user, "am I talking\x00 to a bot?\ud83d\x07")
    assert "virtual assistant" in reply
    token = client.start_session()
    client.say("am I talking to a \ud83d bot?\x00")
    for conversation in (user, webchat_conversation(token)):
        for event in _user_events(assistant, conversation):
            text = event["text"]
            assert "\x00" not in text and "\x07" not in text
            assert not any("\ud800" <= char <= "\udfff" for char in text), repr(text)
            text.encode("utf-8")


def test_a_huge_message_gets_the_too_long_reply_and_reaches_nothing(assistant):
    user = assistant.new_sender()
    started = time.monotonic()
    replies = assistant.say(user, "track order NW-" + "7" * 200_000)
    assert time.monotonic() - started < 5
    assert [r.get("text") for r in replies] == [load_rules().too_long]
    assert _user_events(assistant, user) == []


def test_long_words_are_answered_quickly_and_the_server_stays_responsive(assistant, client):
    latencies: list[float] = []
    done = threading.Event()

    def poll_status() -> None:
        while not done.is_set():
            started = time.monotonic()
            requests.get(f"{assistant.rasa_url}/status", params={"token": assistant.rasa_token},
                         timeout=30).raise_for_status()
            latencies.append(time.monotonic() - started)
            time.sleep(0.1)

    poller = threading.Thread(target=poll_status, daemon=True)
    poller.start()
    try:
        client.start_session()
        for text, limit in (("track order NW-" + "7" * 1985, 10), ("a" * 40_000, 5)):
            started = time.monotonic()
            reply = client.say(text, timeout=60)
            assert time.monotonic() - started < limit, f"{len(text)} characters took too long"
            assert reply
        assert client.bot_texts()[-1] == load_rules().too_long
    finally:
        done.set()
        poller.join(timeout=30)
    assert latencies and max(latencies) < 2, f"/status took up to {max(latencies):.1f}s"


# --- F7: card numbers --------------------------------------------------------------------

def _assert_no_card(text: str, where: str) -> None:
    for secret in CARD_SECRETS:
        assert secret not in text, f"{secret!r} found in {where}"


def _post_and_hang_up(assistant, sender: str, text: str) -> None:
    """Send a REST request and close the connection at once, as a client that times out."""
    body = json.dumps({"sender": sender, "message": text}).encode()
    url = urlsplit(assistant.rasa_url)
    request = (f"POST /webhooks/rest/webhook HTTP/1.1\r\nHost: {url.netloc}\r\n"
               f"Authorization: Bearer {assistant.rasa_token}\r\nContent-Type: application/json\r\n"
               f"Content-Length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection((url.hostname, url.port), timeout=10) as connection:
        connection.sendall(request)


def test_card_numbers_never_reach_the_tracker_or_the_logs(assistant, client):
    message = f"you charged my card {CARD} exp 12/27 cvv 123 twice"
    user = assistant.new_sender()
    _assert_no_card(assistant.chat(user, message), "the REST reply")
    token = client.start_session()
    client.say(message)
    hung_up = assistant.new_sender()
    _post_and_hang_up(assistant, hung_up, message)
    time.sleep(3)
    for conversation in (user, webchat_conversation(token), hung_up):
        events = assistant.tracker(conversation)["events"]
        _assert_no_card(json.dumps(events), f"the tracker of {conversation}")
    assert "1111" in json.dumps(assistant.tracker(user)["events"])  # the last four digits stay
    _assert_no_card(" ".join(client.bot_texts()), "the socket.io replies")
    for log in assistant.workdir.glob("*.log"):
        _assert_no_card(log.read_text(errors="replace"), log.name)

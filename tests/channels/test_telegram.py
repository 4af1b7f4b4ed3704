"""The Telegram channel against the running Rasa server, replying to a fake Bot API."""

from __future__ import annotations

import itertools
import json
import random
import time

import requests

from tests.channels.conftest import TELEGRAM_SECRET, TELEGRAM_TOKEN, TELEGRAM_WEBHOOK_URL

SETTLE = 3  # seconds to wait for a reply that must not come
_update_ids = itertools.count(random.randint(10_000, 10_000_000) * 100)
SEND = f"/bot{TELEGRAM_TOKEN}/sendMessage"


def _chat() -> int:
    return random.randint(10**9, 2 * 10**9)


def _message(chat: int, text: str) -> dict:
    return {"update_id": next(_update_ids),
            "message": {"message_id": 7, "date": int(time.time()), "text": text,
                        "chat": {"id": chat, "type": "private", "first_name": "Alex"},
                        "from": {"id": chat, "is_bot": False, "first_name": "Alex"}}}


def _post(running, update: dict, secret: str | None = TELEGRAM_SECRET):
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    return requests.post(f"{running.rasa_url}/webhooks/telegram/webhook", json=update,
                         headers=headers, timeout=30)


def _sent(running, chat: int) -> list[dict]:
    return running.fake_api.matching(
        lambda c: c["path"] == SEND and str(c["body"].get("chat_id")) == str(chat))


def _wait_sent(running, chat: int, count: int = 1) -> list[dict]:
    running.fake_api.wait_for(lambda c: len(_sent(running, chat)) >= count)
    return _sent(running, chat)


def test_verified_message_gets_exactly_one_reply(running):
    chat = _chat()
    assert _post(running, _message(chat, "am I talking to a bot?")).status_code == 200
    reply = _wait_sent(running, chat)[0]
    assert "virtual assistant" in reply["body"]["text"]
    time.sleep(SETTLE)
    assert len(_sent(running, chat)) == 1


def test_missing_or_wrong_secret_token_is_rejected(running):
    chat = _chat()
    assert _post(running, _message(chat, "am I talking to a bot?"), secret=None).status_code == 401
    assert _post(running, _message(chat, "am I talking to a bot?"), secret="wrong").status_code == 401
    time.sleep(SETTLE)
    assert _sent(running, chat) == []


def test_updates_without_a_users_message_are_acknowledged_and_ignored(running):
    chat = _chat()
    message = _message(chat, "am I talking to a bot?")["message"]
    chat_obj = message["chat"]
    updates = [
        {"edited_message": {**message, "edit_date": int(time.time())}},
        {"my_chat_member": {"chat": chat_obj, "from": message["from"], "date": int(time.time()),
                            "old_chat_member": {"status": "member", "user": message["from"]},
                            "new_chat_member": {"status": "kicked", "user": message["from"]}}},
        {"callback_query": {"id": "cb1", "from": message["from"], "chat_instance": "1",
                            "message": message, "game_short_name": "none"}},
        {"channel_post": {**message, "chat": {"id": chat, "type": "channel", "title": "News"}}},
        {"message": {**message, "text": None, "sticker": {"file_id": "x"}}},
    ]
    for update in updates:
        reply = _post(running, {"update_id": next(_update_ids), **update})
        assert reply.status_code == 200, update
    time.sleep(SETTLE)
    assert _sent(running, chat) == []


def test_a_redelivered_update_is_answered_once(running):
    chat = _chat()
    update = _message(chat, "am I talking to a bot?")
    assert _post(running, update).status_code == 200
    assert _post(running, update).status_code == 200
    _wait_sent(running, chat)
    time.sleep(SETTLE)
    assert len(_sent(running, chat)) == 1


def test_buttons_are_an_inline_keyboard_and_a_press_is_answered(running):
    chat = _chat()
    assert _post(running, _message(chat, "login not working")).status_code == 200
    reply = running.fake_api.wait_for(
        lambda c: c["path"] == SEND and str(c["body"].get("chat_id")) == str(chat)
        and c["body"].get("reply_markup"))[0]
    keyboard = json.loads(reply["body"]["reply_markup"])["inline_keyboard"]
    assert keyboard[0][0]["text"] == "I forgot my password"
    assert keyboard[0][0]["callback_data"].startswith("/inform")
    before = len(_sent(running, chat))
    press = {"update_id": next(_update_ids),
             "callback_query": {"id": "cb-42", "from": {"id": chat, "is_bot": False, "first_name": "Alex"},
                                "chat_instance": "1", "data": keyboard[0][0]["callback_data"],
                                "message": {"message_id": 8, "date": int(time.time()),
                                            "chat": {"id": chat, "type": "private"}, "text": "x"}}}
    assert _post(running, press).status_code == 200
    _wait_sent(running, chat, before + 1)
    assert running.fake_api.matching(lambda c: c["path"].endswith("/answerCallbackQuery")
                                     and c["body"].get("callback_query_id") == "cb-42")
    tracker = running.assistant.tracker(f"telegram:{chat}")
    assert [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e["event"] == "user"][-1] \
        == "inform"


def test_the_webhook_is_registered_with_the_secret_at_start_up_and_on_request(running):
    def registrations() -> list[dict]:
        return running.fake_api.matching(lambda c: c["path"] == f"/bot{TELEGRAM_TOKEN}/setWebhook")

    first = running.fake_api.wait_for(lambda c: registrations(), timeout=10)[0]
    assert first["body"]["url"] == TELEGRAM_WEBHOOK_URL
    assert first["body"]["secret_token"] == TELEGRAM_SECRET
    assert json.loads(first["body"]["allowed_updates"]) == ["message", "callback_query"]
    count = len(registrations())
    url = f"{running.rasa_url}/webhooks/telegram/set_webhook"
    assert requests.post(url, timeout=30).status_code == 401
    assert requests.post(url, headers={"X-Telegram-Bot-Api-Secret-Token": "wrong"}, timeout=30).status_code == 401
    assert len(registrations()) == count
    again = requests.post(url, headers={"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}, timeout=30)
    assert again.status_code == 200
    assert len(registrations()) == count + 1


def test_the_conversation_is_telegram_chat_and_an_agent_reply_reaches_the_chat(running):
    from actions.handover.config import HandoverConfig
    from actions.handover.rasa_bridge import RasaBridge

    chat = _chat()
    assert _post(running, _message(chat, "am I talking to a bot?")).status_code == 200
    _wait_sent(running, chat)
    tracker = running.assistant.tracker(f"telegram:{chat}")
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["am I talking to a bot?"]
    bare = running.assistant.api("GET", f"/conversations/{chat}/tracker").json()
    assert not [e for e in bare["events"] if e["event"] == "user"], "the bare chat id is not the conversation"
    # The handover pushes an agent's reply to the tracker's sender id, as it does for Zendesk.
    before = len(_sent(running, chat))
    RasaBridge(HandoverConfig.from_env(running.assistant.env)).deliver_agent_message(
        f"telegram:{chat}", "Hi, Dana here. How can I help?", timeout=60)
    reply = _wait_sent(running, chat, before + 1)[before]
    assert "Dana here" in reply["body"]["text"]


def test_an_oversized_update_gets_the_too_long_reply_and_is_not_processed(running):
    chat = _chat()
    assert _post(running, _message(chat, "track order NW-" + "7" * 200_000)).status_code == 200
    reply = _wait_sent(running, chat)[0]
    assert "too long" in reply["body"]["text"]
    tracker = running.assistant.tracker(f"telegram:{chat}")
    assert not [e for e in tracker["events"] if e["event"] == "user"]

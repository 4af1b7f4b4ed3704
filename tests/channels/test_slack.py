"""The Slack channel against the running Rasa server, replying to a fake Slack Web API."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import uuid

import requests

from tests.channels.conftest import SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET

SETTLE = 3  # seconds to wait for a reply that must not come


def _sign(body: bytes, timestamp: int | None = None, secret: str = SLACK_SIGNING_SECRET) -> dict:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


def _event(channel: str, user: str, text: str, ts: str, kind: str = "message", channel_type: str = "im",
           thread_ts: str | None = None) -> bytes:
    event = {"type": kind, "channel_type": channel_type, "channel": channel, "user": user, "text": text,
             "ts": ts}
    if thread_ts:
        event["thread_ts"] = thread_ts
    return json.dumps({
        "type": "event_callback", "team_id": "T0NORTH", "event_id": f"Ev{uuid.uuid4().hex[:8]}",
        "authorizations": [{"user_id": "UBOT"}], "event": event,
    }).encode()


def _post(running, body: bytes, headers: dict, content_type: str = "application/json"):
    return requests.post(f"{running.rasa_url}/webhooks/slack/webhook", data=body,
                         headers={"Content-Type": content_type, **headers}, timeout=30)


def _replies(running, channel: str) -> list[dict]:
    return running.fake_api.matching(
        lambda c: c["path"] == "/api/chat.postMessage" and c["body"].get("channel") == channel)


def _ids() -> tuple[str, str, str]:
    tag = uuid.uuid4().hex[:8].upper()
    return f"D{tag}", f"U{tag}", f"{int(time.time())}.{uuid.uuid4().int % 10**6:06d}"


def _first_reply(running, channel: str) -> dict:
    return running.fake_api.wait_for(
        lambda c: c["path"] == "/api/chat.postMessage" and c["body"].get("channel") == channel)[0]


def test_signed_direct_message_gets_exactly_one_reply(running):
    channel, user, ts = _ids()
    reply = _post(running, (body := _event(channel, user, "am I talking to a bot?", ts)), _sign(body))
    assert reply.status_code == 200
    call = _first_reply(running, channel)
    assert "virtual assistant" in call["body"]["text"]
    assert "thread_ts" not in call["body"], "a top-level direct message is answered at the top level"
    assert "as_user" not in call["body"]
    assert call["auth"] == f"Bearer {SLACK_BOT_TOKEN}"
    time.sleep(SETTLE)
    assert len(_replies(running, channel)) == 1


def test_a_message_in_a_thread_is_answered_in_that_thread(running):
    channel, user, ts = _ids()
    parent = "1700000000.000100"
    body = _event(channel, user, "am I talking to a bot?", ts, thread_ts=parent)
    assert _post(running, body, _sign(body)).status_code == 200
    assert _first_reply(running, channel)["body"]["thread_ts"] == parent


def test_a_mention_in_a_channel_is_answered_once_in_a_thread_under_it(running):
    channel, user, ts = _ids()
    channel = "C" + channel[1:]
    # Slack sends both events for one mention when the app subscribes to channel messages too.
    for kind in ("app_mention", "message"):
        body = _event(channel, user, "<@UBOT> am I talking to a bot?", ts, kind=kind,
                      channel_type="channel")
        assert _post(running, body, _sign(body)).status_code == 200
    call = _first_reply(running, channel)
    assert "virtual assistant" in call["body"]["text"]
    assert call["body"]["thread_ts"] == ts
    time.sleep(SETTLE)
    assert len(_replies(running, channel)) == 1


def test_unsigned_wrongly_signed_and_stale_requests_are_rejected(running):
    channel, user, ts = _ids()
    body = _event(channel, user, "am I talking to a bot?", ts)
    assert _post(running, body, {}).status_code == 401
    assert _post(running, body, _sign(body, secret="not-the-secret")).status_code == 401
    assert _post(running, body, _sign(body, timestamp=int(time.time()) - 600)).status_code == 401
    tampered = body.replace(b"a bot?", b"a cat?")
    assert _post(running, tampered, _sign(body)).status_code == 401
    time.sleep(SETTLE)
    assert _replies(running, channel) == []


def test_a_retry_is_acknowledged_without_a_second_reply(running):
    channel, user, ts = _ids()
    body = _event(channel, user, "am I talking to a bot?", ts)
    assert _post(running, body, _sign(body)).status_code == 200
    retry = _post(running, body, {**_sign(body), "X-Slack-Retry-Num": "1",
                                  "X-Slack-Retry-Reason": "http_timeout"})
    assert retry.status_code == 200 and retry.headers.get("X-Slack-No-Retry") == "1"
    retry = _post(running, body, {**_sign(body), "X-Slack-Retry-Num": "2",
                                  "X-Slack-Retry-Reason": "http_error"})
    assert retry.status_code == 200
    _first_reply(running, channel)
    time.sleep(SETTLE)
    assert len(_replies(running, channel)) == 1


def test_a_retry_whose_first_delivery_was_lost_is_answered_once(running):
    channel, user, ts = _ids()
    body = _event(channel, user, "am I talking to a bot?", ts)
    for number in ("1", "2"):
        retry = _post(running, body, {**_sign(body), "X-Slack-Retry-Num": number,
                                      "X-Slack-Retry-Reason": "http_timeout"})
        assert retry.status_code == 200
    assert "virtual assistant" in _first_reply(running, channel)["body"]["text"]
    time.sleep(SETTLE)
    assert len(_replies(running, channel)) == 1


def test_buttons_are_blocks_and_a_click_is_answered(running):
    channel, user, ts = _ids()
    body = _event(channel, user, "login not working", ts)
    assert _post(running, body, _sign(body)).status_code == 200
    call = running.fake_api.wait_for(
        lambda c: c["path"] == "/api/chat.postMessage" and c["body"].get("channel") == channel
        and c["body"].get("blocks"))[0]
    blocks = call["body"]["blocks"]
    if isinstance(blocks, str):
        blocks = json.loads(blocks)
    assert blocks[0]["type"] == "section" and "sign in" in blocks[0]["text"]["text"]
    buttons = blocks[1]["elements"]
    # All of them, as buttons (Rasa's stock channel falls back to plain text above 5).
    assert blocks[1]["type"] == "actions" and len(buttons) >= 2
    assert all(b["type"] == "button" and b["value"].startswith("/inform") for b in buttons)
    assert buttons[0]["text"]["text"] == "I forgot my password"
    assert "thread_ts" not in call["body"]

    before = len(_replies(running, channel))
    payload = {"type": "block_actions", "team": {"id": "T0NORTH"}, "user": {"id": user, "team_id": "T0NORTH"},
               "channel": {"id": channel}, "message": {"ts": "1.000001", "text": call["body"]["text"]},
               "actions": [{"type": "button", "action_id": buttons[0]["action_id"],
                            "value": buttons[0]["value"]}]}
    form = f"payload={requests.utils.quote(json.dumps(payload))}".encode()
    assert _post(running, form, _sign(form), "application/x-www-form-urlencoded").status_code == 200
    running.fake_api.wait_for(lambda c: len(_replies(running, channel)) > before)
    answer = _replies(running, channel)[before]
    assert "thread_ts" not in answer["body"]
    tracker = running.assistant.tracker(f"slack:T0NORTH:{user}")
    assert [e["parse_data"]["intent"]["name"] for e in tracker["events"] if e["event"] == "user"][-1] \
        == "inform"


def test_a_button_click_in_a_channel_thread_is_answered_in_that_thread(running):
    channel, user, ts = _ids()
    channel = "C" + channel[1:]
    body = _event(channel, user, "<@UBOT> login not working", ts, kind="app_mention", channel_type="channel")
    assert _post(running, body, _sign(body)).status_code == 200
    call = running.fake_api.wait_for(
        lambda c: c["path"] == "/api/chat.postMessage" and c["body"].get("channel") == channel
        and c["body"].get("blocks"))[0]
    assert call["body"]["thread_ts"] == ts
    blocks = call["body"]["blocks"]
    button = (json.loads(blocks) if isinstance(blocks, str) else blocks)[1]["elements"][1]
    before = len(_replies(running, channel))
    payload = {"type": "block_actions", "team": {"id": "T0NORTH"}, "user": {"id": user, "team_id": "T0NORTH"},
               "channel": {"id": channel}, "message": {"ts": "1.000002", "thread_ts": ts, "text": call["body"]["text"]},
               "actions": [{"type": "button", "action_id": button["action_id"], "value": button["value"]}]}
    form = f"payload={requests.utils.quote(json.dumps(payload))}".encode()
    assert _post(running, form, _sign(form), "application/x-www-form-urlencoded").status_code == 200
    running.fake_api.wait_for(lambda c: len(_replies(running, channel)) > before)
    assert all(reply["body"]["thread_ts"] == ts for reply in _replies(running, channel))


def _click_form(user: str, channel: str, value: str, action_ts: str) -> bytes:
    payload = {"type": "block_actions", "team": {"id": "T0NORTH"}, "user": {"id": user, "team_id": "T0NORTH"},
               "channel": {"id": channel}, "container": {"channel_id": channel, "message_ts": "1.000003"},
               "message": {"ts": "1.000003", "text": "How can I help with signing in?"},
               "actions": [{"type": "button", "action_id": "button_0", "value": value, "action_ts": action_ts}]}
    return f"payload={requests.utils.quote(json.dumps(payload))}".encode()


def test_a_replayed_button_click_is_answered_once(running):
    channel, user, ts = _ids()
    form = _click_form(user, channel, '/inform{"login_issue": "forgot_password"}', ts)
    headers = _sign(form)  # a replay: the same signed request, sent again within 5 minutes
    for _ in range(3):
        assert _post(running, form, headers, "application/x-www-form-urlencoded").status_code == 200
    _first_reply(running, channel)
    time.sleep(SETTLE)
    assert len(_replies(running, channel)) == 1
    users = [e for e in running.assistant.tracker(f"slack:T0NORTH:{user}")["events"] if e["event"] == "user"]
    assert len(users) == 1
    # A new click (a new action_ts) on the same message is answered.
    again = _click_form(user, channel, '/inform{"login_issue": "forgot_password"}', ts + "1")
    assert _post(running, again, _sign(again), "application/x-www-form-urlencoded").status_code == 200
    running.fake_api.wait_for(lambda c: len(_replies(running, channel)) > 1)


def test_the_conversation_is_slack_team_user_and_an_agent_reply_reaches_the_user(running):
    from actions.handover.config import HandoverConfig
    from actions.handover.rasa_bridge import RasaBridge

    channel, user, ts = _ids()
    body = _event(channel, user, "am I talking to a bot?", ts)
    assert _post(running, body, _sign(body)).status_code == 200
    _first_reply(running, channel)
    tracker = running.assistant.tracker(f"slack:T0NORTH:{user}")
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["am I talking to a bot?"]
    RasaBridge(HandoverConfig.from_env(running.assistant.env)).deliver_agent_message(
        f"slack:T0NORTH:{user}", "Hi, Dana here. How can I help?", timeout=60)
    pushed = running.fake_api.wait_for(
        lambda c: c["path"] == "/api/chat.postMessage" and "Dana here" in str(c["body"].get("text")))[0]
    assert pushed["body"]["channel"] == user, "an agent's reply goes to the user's direct messages"

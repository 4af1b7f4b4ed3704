"""Run the real assistant for the channel tests, plus a fake Slack/Telegram API on loopback.

One session: the action server (which also serves the web chat) and the Rasa server, started by
`tests.servers`. The Slack and Telegram channels point at `FakeApi`, which records every call.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import pytest

from tests.servers import Assistant, running_assistant

SLACK_SIGNING_SECRET = "test-signing-secret"
SLACK_BOT_TOKEN = "xoxb-test-token"
TELEGRAM_TOKEN = "123456:TEST-token"
TELEGRAM_SECRET = "test-secret-token_1"
TELEGRAM_WEBHOOK_URL = "https://bot.northwind.example/webhooks/telegram/webhook"


class FakeApi:
    """An HTTP server that answers every POST like Slack's / Telegram's Web API and records it."""

    def __init__(self) -> None:
        self.calls: list[dict] = []
        self.lock = threading.RLock()
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length).decode("utf-8", "replace")
                kind = self.headers.get("Content-Type", "")
                if "json" in kind:
                    body = json.loads(raw or "{}")
                else:
                    body = dict(parse_qsl(raw))
                with api.lock:
                    api.calls.append({"path": self.path, "body": body,
                                      "auth": self.headers.get("Authorization")})
                if self.path.startswith("/bot"):  # Telegram: a Message for sendMessage, True otherwise
                    result: object = {"message_id": len(api.calls), "date": int(time.time()),
                                      "chat": {"id": body.get("chat_id", 1), "type": "private"}}
                    if not self.path.endswith("/sendMessage"):
                        result = True
                    payload = {"ok": True, "result": result}
                else:  # Slack
                    payload = {"ok": True, "channel": body.get("channel"), "ts": f"{time.time():.6f}"}
                data = json.dumps(payload).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST

            def log_message(self, *args) -> None:  # keep the test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def matching(self, predicate) -> list[dict]:
        with self.lock:
            return [c for c in self.calls if predicate(c)]

    def wait_for(self, predicate, timeout: float = 90) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if found:
                return found
            time.sleep(0.2)
        raise AssertionError(f"no matching call after {timeout}s; calls: {self.calls[-10:]}")


@dataclass
class Running:
    """The running assistant with Slack and Telegram pointed at `fake_api`."""

    assistant: Assistant
    fake_api: FakeApi

    @property
    def rasa_url(self) -> str:
        return self.assistant.rasa_url

    @property
    def actions_url(self) -> str:
        return self.assistant.actions_url


@pytest.fixture(scope="session")
def fake_api():
    api = FakeApi()
    yield api
    api.server.shutdown()


@pytest.fixture(scope="session")
def running(tmp_path_factory, fake_api) -> Running:
    settings = {
        "SLACK_BOT_TOKEN": SLACK_BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SLACK_SIGNING_SECRET,
        "SLACK_API_URL": fake_api.url + "/api/",
        "TELEGRAM_BOT_TOKEN": TELEGRAM_TOKEN,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET,
        "TELEGRAM_API_URL": fake_api.url,
        "TELEGRAM_WEBHOOK_URL": TELEGRAM_WEBHOOK_URL,
    }
    with running_assistant(tmp_path_factory.mktemp("channels"), settings) as bot:
        yield Running(bot, fake_api)

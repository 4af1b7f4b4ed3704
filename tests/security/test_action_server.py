"""F4 and the action server's public surface, attacked over HTTP against the real server.

The action server runs as a subprocess (`python -m actions.server`) on a seeded SQLite file,
with ACTION_SERVER_TOKEN and WEBCHAT_ORIGINS set, as `make run` starts it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from actions.store.database import get_sessionmaker, make_engine
from actions.store.orders import SqlOrderStore

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "test-action-token-5f2b9c0e8d7a41"
ALLOWED_ORIGIN = "https://shop.example"
VICTIM_ORDER = "NW-310442"
OUTSIDE = ("ZENDESK_", "SLACK_", "TELEGRAM_", "WEBCHAT_", "LLM_", "QDRANT_URL", "ACTION_SERVER_TOKEN")


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(workdir: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(OUTSIDE)}
    env.update({"DATABASE_URL": f"sqlite:///{workdir / 'helpdesk.sqlite'}",
                "QDRANT_PATH": str(workdir / "qdrant"), "HELPDESK_WARM_UP": "0",
                "HF_HUB_OFFLINE": "1", "ZENDESK_WEBHOOK_SECRET": "whsec-security-test",
                "RASA_URL": "http://127.0.0.1:9", "LOG_LEVEL": "INFO", **extra})
    return env


@dataclass
class Server:
    url: str
    db_url: str
    log: Path

    def order_status(self, number: str) -> str:
        engine = make_engine(self.db_url)
        try:
            order = SqlOrderStore(get_sessionmaker(engine)).get(number)
            assert order is not None
            return order.status
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    workdir = tmp_path_factory.mktemp("action-server")
    env = _env(workdir, ACTION_SERVER_TOKEN=TOKEN, WEBCHAT_ORIGINS=f"{ALLOWED_ORIGIN}, http://127.0.0.1:8000")
    subprocess.run([sys.executable, "-m", "actions.store.sample_orders"], cwd=ROOT, env=env,
                   check=True, capture_output=True)
    port = _free_port()
    log = workdir / "actions.log"
    with log.open("w") as handle:
        process = subprocess.Popen([sys.executable, "-m", "actions.server", "--port", str(port)],
                                   cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            assert process.poll() is None, log.read_text()[-3000:]
            try:
                if requests.get(f"{url}/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert time.monotonic() < deadline, "action server did not start"
            time.sleep(0.3)
        yield Server(url, env["DATABASE_URL"], log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def crafted_cancel() -> dict:
    """The issue's attack: a tracker that asks the action server to cancel someone's order."""
    return {
        "next_action": "action_cancel_order",
        "sender_id": "attacker",
        "version": "3.6.2",
        "tracker": {
            "sender_id": "attacker",
            "slots": {"order_number": VICTIM_ORDER, "email": "alex.morgan@example.com",
                      "order_verified": True, "pending_offer": "cancel_order"},
            "latest_message": {"intent": {"name": "affirm", "confidence": 1.0}, "entities": [],
                               "text": "yes"},
            "events": [], "paused": False, "followup_action": None, "active_loop": {},
            "latest_action_name": "action_listen", "latest_input_channel": "rest",
        },
        "domain": {"slots": {}, "responses": {}, "intents": [], "entities": [], "actions": [],
                   "forms": {}, "config": {"store_entities_as_slots": True}},
    }


ATTACKS = {
    "no token": {},
    "wrong token": {"params": {"token": "x" * len(TOKEN)}},
    "token prefix": {"params": {"token": TOKEN[:-1]}},
    "token as bearer header": {"headers": {"Authorization": f"Bearer {TOKEN}"}},
    "token in a header named token": {"headers": {"token": TOKEN}},
    "token under another parameter": {"params": {"auth_token": TOKEN}},
    "token in the json body": {"body": {"token": TOKEN}},
    "right and wrong token together": {"query": f"token=wrong&token={TOKEN}"},
    "trailing slash path": {"path": "/webhook/"},
}


@pytest.mark.parametrize("attack", list(ATTACKS), ids=list(ATTACKS))
def test_crafted_cancel_without_the_token_is_refused(server: Server, attack: str) -> None:
    how = ATTACKS[attack]
    body = {**crafted_cancel(), **how.get("body", {})}
    url = server.url + how.get("path", "/webhook") + (f"?{how['query']}" if "query" in how else "")
    response = requests.post(url, json=body, params=how.get("params"), headers=how.get("headers"),
                             timeout=30)

    assert response.status_code == 401
    assert response.json() == {"error": "unauthorized"}
    assert TOKEN not in response.text
    assert server.order_status(VICTIM_ORDER) == "processing"  # not cancelled


def test_listing_actions_needs_the_token(server: Server) -> None:
    refused = requests.get(f"{server.url}/actions", timeout=10)
    allowed = requests.get(f"{server.url}/actions", params={"token": TOKEN}, timeout=10)
    assert refused.status_code == 401 and refused.json() == {"error": "unauthorized"}
    assert allowed.status_code == 200
    assert {"name": "action_cancel_order"} in allowed.json()  # the token is what differs


def test_the_token_never_reaches_the_log(server: Server) -> None:
    requests.post(f"{server.url}/webhook", params={"token": "wrong-guess-123456"}, json={}, timeout=10)
    requests.get(f"{server.url}/actions", params={"token": TOKEN}, timeout=10)
    log = server.log.read_text()
    assert "missing or wrong action server token" in log
    assert TOKEN not in log and "wrong-guess-123456" not in log


def test_public_pages_need_no_token(server: Server) -> None:
    for path in ("/health", "/webchat/", "/webchat/widget.js", "/help/"):
        response = requests.get(server.url + path, timeout=30)
        assert response.status_code == 200, path
    index = requests.get(f"{server.url}/help/", timeout=30).text
    first_link = index.split('href="/help/', 1)[1].split('"', 1)[0]
    assert requests.get(f"{server.url}/help/{first_link}", timeout=30).status_code == 200
    # The Zendesk webhook is public but checks its own signature: refused for that reason.
    zendesk = requests.post(f"{server.url}/webhooks/zendesk", json={"ticket_id": 1}, timeout=10)
    assert zendesk.status_code == 401 and zendesk.json() == {"error": "invalid or missing signature"}


@pytest.mark.parametrize("path", ["/nope", "/webhooks/unknown", "/help/no-such-article",
                                  "/webchat/vendor/../../actions/server.py", "/.env",
                                  "/webchat/vendor/nothing.js", "/webchat/vendor/", "/webchat/vendor"])
def test_unknown_urls_answer_404_without_detail(server: Server, path: str) -> None:
    response = requests.get(server.url + path, timeout=10)
    assert response.status_code == 404
    assert "Traceback" not in response.text and "request_body" not in response.text


def test_wrong_methods_and_bodies_get_short_answers(server: Server) -> None:
    get_webhook = requests.get(f"{server.url}/webhook", timeout=10)
    assert get_webhook.status_code == 405 and get_webhook.json() == {"error": "method not allowed"}
    broken = requests.post(f"{server.url}/webhook", params={"token": TOKEN}, data=b"{not json",
                           headers={"Content-Type": "application/json"}, timeout=10)
    assert 400 <= broken.status_code < 500
    assert "Traceback" not in broken.text and "not json" not in broken.text


@pytest.mark.parametrize("path", ["/health", "/webhook", "/webchat/"])
def test_cors_only_for_listed_origins(server: Server, path: str) -> None:
    evil = requests.get(server.url + path, headers={"Origin": "https://evil.example"}, timeout=10)
    assert "Access-Control-Allow-Origin" not in evil.headers
    preflight = requests.options(server.url + path, timeout=10, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in preflight.headers
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    listed = requests.get(f"{server.url}/health", headers={"Origin": ALLOWED_ORIGIN}, timeout=10)
    assert listed.headers.get("Access-Control-Allow-Origin") == ALLOWED_ORIGIN


@pytest.mark.parametrize(("value", "problem"), [(None, "is not set"), ("short", "at least 16")])
def test_the_server_refuses_to_start_without_a_good_token(tmp_path: Path, value: str | None,
                                                          problem: str) -> None:
    env = _env(tmp_path)
    if value is not None:
        env["ACTION_SERVER_TOKEN"] = value
    result = subprocess.run([sys.executable, "-m", "actions.server", "--port", str(_free_port())],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert "ACTION_SERVER_TOKEN" in result.stderr and problem in result.stderr
    if value is not None:
        assert value not in result.stderr.replace("ACTION_SERVER_TOKEN", "")


def test_webchat_origins_are_validated() -> None:
    from actions.security.config import ConfigError, SecurityConfig

    config = SecurityConfig.from_env({"ACTION_SERVER_TOKEN": TOKEN,
                                      "WEBCHAT_ORIGINS": "https://Shop.example/, http://127.0.0.1:8000"})
    assert config.webchat_origins == ("https://shop.example", "http://127.0.0.1:8000")
    assert TOKEN not in repr(config)
    assert SecurityConfig.from_env({"ACTION_SERVER_TOKEN": TOKEN}).webchat_origins == ()
    for bad in ("*", "shop.example", "https://shop.example/path"):
        with pytest.raises(ConfigError, match="WEBCHAT_ORIGINS"):
            SecurityConfig.from_env({"ACTION_SERVER_TOKEN": TOKEN, "WEBCHAT_ORIGINS": bad})


def test_json_error_bodies_are_one_line(server: Server) -> None:
    response = requests.get(f"{server.url}/nope", timeout=10)
    assert json.loads(response.text) == {"error": "not found"}


def test_help_articles_are_rendered_and_their_markup_cannot_run(tmp_path) -> None:
    from actions.webchat import article_page

    (tmp_path / "evil.md").write_text(
        "---\nid: evil\ntitle: Evil <b>title</b>\n---\n# Evil\n\n## Hours\n\n"
        "| Day | Hours |\n|---|---|\n| Mon | 9-5 |\n\n- **bold** item\n\n"
        "<script>alert(1)</script>\n\n[click](javascript:alert(1)) <img src=x onerror=alert(2)>\n",
        encoding="utf-8")
    page = article_page("evil", tmp_path)
    assert page is not None
    assert "<table>" in page and "<td>Mon</td>" in page and "<strong>bold</strong>" in page
    assert "<script>" not in page and "<img" not in page  # shown as text, never as markup
    assert 'href="javascript:' not in page
    assert "Evil &lt;b&gt;title&lt;/b&gt;" in page
    assert "**" not in page and "|---|" not in page

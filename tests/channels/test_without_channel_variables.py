"""With no Slack/Telegram variables the assistant still starts; those webhooks answer 503."""

from __future__ import annotations

import pytest
import requests

from tests.servers import running_rasa_only


@pytest.fixture(scope="module")
def bare_rasa(tmp_path_factory):
    with running_rasa_only(tmp_path_factory.mktemp("bare-rasa")) as url:
        yield url


def test_starts_and_answers_on_rest_while_slack_and_telegram_are_disabled(bare_rasa):
    reply = requests.post(f"{bare_rasa}/webhooks/rest/webhook",
                          json={"sender": "bare", "message": "am I talking to a bot?"}, timeout=60)
    assert "virtual assistant" in reply.json()[0]["text"]
    for channel in ("slack", "telegram"):
        assert requests.get(f"{bare_rasa}/webhooks/{channel}/", timeout=10).json() == {"status": "disabled"}
        answer = requests.post(f"{bare_rasa}/webhooks/{channel}/webhook", json={"update_id": 1}, timeout=10)
        assert answer.status_code == 503, channel

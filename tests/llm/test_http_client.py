"""The OpenAI-compatible client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest

from actions.llm.client import LLMClient, LLMOutputError, LLMTimeout, LLMUnavailable
from actions.llm.http_client import OpenAICompatibleClient, chat_completions_url
from tests.llm.openai_server import CannedReply

SCHEMA = {"type": "object", "properties": {"answer": {"type": "string", "maxLength": 20},
                                           "level": {"enum": ["high", "low"]}}}
MESSAGES = [{"role": "system", "content": "Reply in JSON."}, {"role": "user", "content": "Hello"}]


def client_for(server, **kwargs) -> OpenAICompatibleClient:
    kwargs.setdefault("api_key", "test-key")
    kwargs.setdefault("timeout_seconds", 5.0)
    return OpenAICompatibleClient(server.url + "/v1", **kwargs)


def test_sends_a_chat_completion_with_the_schema_and_parses_the_reply(openai_server) -> None:
    openai_server.reply({"answer": "Sixty days.", "level": "high"})
    client = client_for(openai_server, model_name="qwen2.5:1.5b", max_tokens=99, temperature=0.1)
    assert isinstance(client, LLMClient)
    assert client.complete_json(MESSAGES, SCHEMA) == {"answer": "Sixty days.", "level": "high"}
    assert openai_server.problems == []
    [request] = openai_server.requests
    body = request["body"]
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == "Bearer test-key"
    assert body["messages"] == MESSAGES
    assert body["model"] == "qwen2.5:1.5b" and body["max_tokens"] == 99 and body["temperature"] == 0.1
    assert body["stream"] is False
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["schema"] == SCHEMA


def test_model_name_is_omitted_when_unset(openai_server) -> None:
    openai_server.reply({"answer": "ok", "level": "low"})
    client_for(openai_server).complete_json(MESSAGES, SCHEMA, max_tokens=10)
    body = openai_server.requests[0]["body"]
    assert "model" not in body and body["max_tokens"] == 10


@pytest.mark.parametrize(
    "content",
    [
        "I think the answer is sixty days.",  # server ignored response_format
        '{"answer": "far too long for the schema", "level": "high"}',
        '{"answer": "ok", "level": "medium"}',  # not in the enum
        '{"answer": "ok"}',
        "",
    ],
)
def test_unusable_content_is_an_output_error(openai_server, content: str) -> None:
    openai_server.reply(content)
    with pytest.raises(LLMOutputError):
        client_for(openai_server).complete_json(MESSAGES, SCHEMA)


def test_control_characters_from_a_lax_server_are_cleaned(openai_server) -> None:
    openai_server.reply('{"answer": "ok\x07\x1b!", "level": "low"}')
    assert client_for(openai_server).complete_json(MESSAGES, SCHEMA) == {"answer": "ok!", "level": "low"}


def test_truncated_reply_is_an_output_error(openai_server) -> None:
    openai_server.reply('{"answer": "ok", "level": "low"}', finish_reason="length")
    with pytest.raises(LLMOutputError, match="cut off"):
        client_for(openai_server).complete_json(MESSAGES, SCHEMA)


def test_not_a_completion_is_an_output_error(openai_server) -> None:
    openai_server.replies.append(CannedReply(raw_body="<html>gateway</html>"))
    with pytest.raises(LLMOutputError):
        client_for(openai_server).complete_json(MESSAGES, SCHEMA)


def test_wrong_key_is_reported(openai_server) -> None:
    with pytest.raises(LLMUnavailable, match="LLM_API_KEY"):
        client_for(openai_server, api_key="wrong").complete_json(MESSAGES, SCHEMA)


def test_server_error_is_unavailable(openai_server) -> None:
    openai_server.reply(status=503)
    with pytest.raises(LLMUnavailable, match="503"):
        client_for(openai_server).complete_json(MESSAGES, SCHEMA)


def test_server_down_is_unavailable() -> None:
    client = OpenAICompatibleClient("http://127.0.0.1:9", timeout_seconds=2)
    with pytest.raises(LLMUnavailable):
        client.complete_json(MESSAGES, SCHEMA)
    assert client.warm_up() is False


def test_slow_server_times_out_within_the_budget(openai_server) -> None:
    openai_server.reply({"answer": "late", "level": "low"}, delay=2.0)
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        client_for(openai_server).complete_json(MESSAGES, SCHEMA, timeout=0.3)
    assert time.monotonic() - started < 1.0


def test_warm_up_checks_the_server(openai_server) -> None:
    assert client_for(openai_server).warm_up() is True


@pytest.mark.parametrize(
    ("base", "url"),
    [
        ("http://h:8080", "http://h:8080/v1/chat/completions"),
        ("http://h:8080/", "http://h:8080/v1/chat/completions"),
        ("http://h:8080/v1", "http://h:8080/v1/chat/completions"),
        ("https://api.example.com/openai/v1", "https://api.example.com/openai/v1/chat/completions"),
    ],
)
def test_chat_completions_url(base: str, url: str) -> None:
    assert chat_completions_url(base) == url

"""F5: Rasa's HTTP API needs the token, and browsers get CORS only for the configured origins."""

from __future__ import annotations

import time

import pytest
import requests


@pytest.mark.parametrize("method, path", [
    ("GET", "/conversations/rest:someone/tracker"),
    ("POST", "/conversations/rest:someone/tracker/events"),
    ("POST", "/conversations/rest:someone/messages"),
    ("POST", "/model/train"),
    ("PUT", "/model"),
    ("POST", "/model/parse"),
    ("GET", "/status"),
])
def test_the_http_api_refuses_calls_without_the_token(assistant, method, path):
    for params in ({}, {"token": "wrong"}, {"token": ""}):
        response = requests.request(method, f"{assistant.rasa_url}{path}", params=params,
                                    json={"text": "hi"}, timeout=30)
        assert response.status_code == 401, (method, path, params, response.status_code)


def test_the_token_opens_the_api(assistant):
    assert assistant.api("GET", "/status").status_code == 200
    parsed = assistant.api("POST", "/model/parse", json={"text": "where is my order"})
    assert parsed.status_code == 200 and parsed.json()["intent"]["name"]


@pytest.mark.parametrize("path", ["/conversations/rest:someone/tracker", "/status", "/model/parse"])
def test_other_origins_get_no_cors_grant(assistant, path):
    for method in ("OPTIONS", "GET"):
        response = requests.request(method, f"{assistant.rasa_url}{path}", timeout=30, headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        assert "access-control-allow-origin" not in {k.lower() for k in response.headers}
        assert "evil.example" not in repr(response.headers)


def test_the_web_chat_origin_is_allowed(assistant):
    origin = assistant.env["WEBCHAT_ORIGINS"].split(",")[0]
    response = requests.options(f"{assistant.rasa_url}/webhooks/rest/webhook", timeout=30, headers={
        "Origin": origin, "Access-Control-Request-Method": "POST"})
    assert response.headers.get("Access-Control-Allow-Origin") == origin


@pytest.mark.parametrize("text", ["a" * 40_000, "track order NW-" + "7" * 40_000,
                                  "x@" * 20_000, ("word " * 8_000).strip()])
def test_a_huge_message_to_the_parse_api_is_bounded(assistant, text):
    """F3 below the channels: the tokenizer's caps and bounded regexes keep NLU linear."""
    started = time.monotonic()
    response = assistant.api("POST", "/model/parse", json={"text": text})
    elapsed = time.monotonic() - started
    assert response.status_code == 200
    assert elapsed < 8, f"{len(text)} characters took {elapsed:.1f}s"
    status = assistant.api("GET", "/status")
    assert status.status_code == 200

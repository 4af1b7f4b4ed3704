"""The fallback chain: primary, then the optional second model, then None for the caller."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from actions.llm.client import LLMError, LLMTimeout
from actions.llm.fallback import FallbackChain
from actions.llm.grounded import generate_grounded_answer
from actions.llm.http_client import OpenAICompatibleClient
from actions.llm.llama_cpp_client import LlamaCppClient

SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
MESSAGES = [{"role": "user", "content": "Reply in JSON."}]


def primary(path: Path) -> LlamaCppClient:
    return LlamaCppClient(path, label="LLM_MODEL_PATH", context_size=2048, seed=1)


def secondary(path: Path) -> LlamaCppClient:
    return LlamaCppClient(path, label="LLM_FALLBACK_MODEL_PATH", context_size=2048, seed=1)


def http(server, **kwargs) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(server.url, api_key="test-key", **kwargs)


def test_corrupt_primary_falls_back_to_the_second_model(
    corrupt_model: Path, tiny_model: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="actions.llm")
    chain = FallbackChain([primary(corrupt_model), secondary(tiny_model)], timeout_seconds=30)
    assert chain.warm_up() is True  # one of them is usable
    for _ in range(3):
        assert chain.complete_json(MESSAGES, SCHEMA) in ({"ok": True}, {"ok": False})
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "LLM_MODEL_PATH" in errors[0] and "could not load" in errors[0]
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == []  # the known-broken primary is not reported again on every request


def test_both_models_broken_gives_none(
    corrupt_model: Path, tmp_path: Path, passages, caplog: pytest.LogCaptureFixture
) -> None:
    chain = FallbackChain([primary(corrupt_model), secondary(tmp_path / "missing.gguf")], timeout_seconds=30)
    assert chain.warm_up() is False
    with pytest.raises(LLMError):
        chain.complete_json(MESSAGES, SCHEMA)
    assert generate_grounded_answer("How long do I have to return boots?", passages, chain) is None
    messages = " ".join(r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
    assert "could not load" in messages and "file not found" in messages


def test_unusable_reply_from_the_server_falls_back_to_the_local_model(openai_server, tiny_model: Path) -> None:
    openai_server.reply("Sure! The answer is yes.")  # not JSON
    chain = FallbackChain([http(openai_server), secondary(tiny_model)], timeout_seconds=30)
    assert chain.complete_json(MESSAGES, SCHEMA) in ({"ok": True}, {"ok": False})
    assert len(openai_server.requests) == 1


def test_first_usable_reply_wins(openai_server, tmp_path: Path) -> None:
    openai_server.reply({"ok": True})
    chain = FallbackChain([http(openai_server), secondary(tmp_path / "never-loaded.gguf")], timeout_seconds=30)
    assert chain.complete_json(MESSAGES, SCHEMA) == {"ok": True}


def test_timeout_spends_the_whole_budget_and_skips_the_rest(openai_server) -> None:
    openai_server.reply({"ok": True}, delay=1.5)
    openai_server.reply({"ok": True})
    chain = FallbackChain([http(openai_server), http(openai_server)], timeout_seconds=0.3)
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        chain.complete_json(MESSAGES, SCHEMA)
    assert time.monotonic() - started < 1.0
    assert len(openai_server.requests) == 1  # the second model was not tried: no time left


def test_tiny_budget_falls_back_to_extractive(slow_model: Path, passages) -> None:
    client = LlamaCppClient(slow_model, context_size=4096, seed=1)
    client.warm_up()
    chain = FallbackChain([client], timeout_seconds=0.01)
    started = time.monotonic()
    assert generate_grounded_answer("How long do I have to return boots?", passages, chain) is None
    assert time.monotonic() - started < 0.5


def test_chain_needs_a_client() -> None:
    with pytest.raises(ValueError):
        FallbackChain([], timeout_seconds=1)

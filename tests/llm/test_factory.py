"""get_llm() from the environment, warm-up, and cheap imports."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from actions.llm import factory
from actions.llm.fallback import FallbackChain
from actions.llm.http_client import OpenAICompatibleClient
from actions.llm.llama_cpp_client import LlamaCppClient
from actions.paths import REPO_ROOT

LLM_VARIABLES = ("LLM_MODEL_PATH", "LLM_FALLBACK_MODEL_PATH", "LLM_BASE_URL", "LLM_API_KEY", "LLM_MODEL_NAME",
                 "LLM_CONTEXT_SIZE", "LLM_THREADS", "LLM_MAX_TOKENS", "LLM_TEMPERATURE", "LLM_TIMEOUT_SECONDS")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in LLM_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_nothing_configured_means_no_llm() -> None:
    assert factory.get_llm() is None
    assert factory.warm_up_llm() is False


def test_local_model_with_fallback(monkeypatch: pytest.MonkeyPatch, tiny_model: Path, tmp_path: Path) -> None:
    monkeypatch.setenv("LLM_MODEL_PATH", str(tmp_path / "missing.gguf"))
    monkeypatch.setenv("LLM_FALLBACK_MODEL_PATH", str(tiny_model))
    monkeypatch.setenv("LLM_CONTEXT_SIZE", "1024")
    monkeypatch.setenv("LLM_TIMEOUT_SECONDS", "9")
    llm = factory.get_llm()
    assert isinstance(llm, FallbackChain) and llm is factory.get_llm()  # one per process
    assert [type(c) for c in llm.clients] == [LlamaCppClient, LlamaCppClient]
    assert llm.clients[0].name.startswith("LLM_MODEL_PATH=") and llm.clients[1].name.startswith("LLM_FALLBACK")
    assert llm.timeout_seconds == 9 and llm.context_size == 1024
    assert factory.warm_up_llm() is True  # the fallback loads


def test_server_with_local_fallback(monkeypatch: pytest.MonkeyPatch, tiny_model: Path) -> None:
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:8080/v1")
    monkeypatch.setenv("LLM_FALLBACK_MODEL_PATH", str(tiny_model))
    llm = factory.get_llm()
    assert [type(c) for c in llm.clients] == [OpenAICompatibleClient, LlamaCppClient]


def test_invalid_settings_disable_the_llm_with_one_clear_error(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("LLM_MODEL_PATH", "models/x.gguf")
    monkeypatch.setenv("LLM_THREADS", "two")
    assert factory.get_llm() is None
    assert factory.get_llm() is None
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "LLM_THREADS" in errors[0]


def test_importing_the_package_is_cheap() -> None:
    code = (
        "import sys, actions.llm, actions.llm.factory, actions.llm.llama_cpp_client, actions.llm.http_client, "
        "actions.llm.fallback, actions.llm.grounded, actions.llm.summary, actions.llm.json_grammar\n"
        "heavy = [m for m in ('llama_cpp', 'requests', 'numpy', 'jinja2') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True)

"""LLMConfig: defaults, validation with messages naming the variable."""

from __future__ import annotations

import pytest

from actions.llm.config import LLMConfig, LLMConfigError
from actions.paths import REPO_ROOT


def test_defaults_mean_no_llm() -> None:
    config = LLMConfig.from_env({})
    assert not config.enabled
    assert config.model_path is None and config.base_url is None
    assert (config.context_size, config.threads, config.max_tokens) == (4096, 1, 384)
    assert config.temperature == 0.2 and config.timeout_seconds == 20.0


def test_full_configuration() -> None:
    config = LLMConfig.from_env({
        "LLM_MODEL_PATH": "models/qwen.gguf",
        "LLM_FALLBACK_MODEL_PATH": "/opt/models/small.gguf",
        "LLM_CONTEXT_SIZE": "8192",
        "LLM_THREADS": "2",
        "LLM_MAX_TOKENS": "256",
        "LLM_TEMPERATURE": "0",
        "LLM_TIMEOUT_SECONDS": "7.5",
    })
    assert config.enabled
    assert config.model_path == REPO_ROOT / "models" / "qwen.gguf"  # relative to the repo
    assert str(config.fallback_model_path) == "/opt/models/small.gguf"
    assert (config.context_size, config.threads, config.max_tokens) == (8192, 2, 256)
    assert config.temperature == 0.0 and config.timeout_seconds == 7.5


def test_http_endpoint_with_key_and_model_name() -> None:
    config = LLMConfig.from_env({"LLM_BASE_URL": "http://127.0.0.1:8080/v1/", "LLM_API_KEY": "s3cret",
                                 "LLM_MODEL_NAME": "qwen2.5:1.5b"})
    assert config.enabled and config.base_url == "http://127.0.0.1:8080/v1"
    assert "s3cret" not in repr(config)  # the key never ends up in logs


def test_blank_values_are_unset() -> None:
    assert LLMConfig.from_env({"LLM_MODEL_PATH": "  ", "LLM_THREADS": ""}) == LLMConfig()


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"LLM_CONTEXT_SIZE": "lots"}, "LLM_CONTEXT_SIZE"),
        ({"LLM_CONTEXT_SIZE": "128"}, "LLM_CONTEXT_SIZE"),
        ({"LLM_THREADS": "0"}, "LLM_THREADS"),
        ({"LLM_THREADS": "1.5"}, "LLM_THREADS"),
        ({"LLM_MAX_TOKENS": "-1"}, "LLM_MAX_TOKENS"),
        ({"LLM_MAX_TOKENS": "3000", "LLM_CONTEXT_SIZE": "2048"}, "LLM_MAX_TOKENS"),
        ({"LLM_TEMPERATURE": "hot"}, "LLM_TEMPERATURE"),
        ({"LLM_TEMPERATURE": "nan"}, "LLM_TEMPERATURE"),
        ({"LLM_TIMEOUT_SECONDS": "0"}, "LLM_TIMEOUT_SECONDS"),
        ({"LLM_TIMEOUT_SECONDS": "inf"}, "LLM_TIMEOUT_SECONDS"),
        ({"LLM_BASE_URL": "localhost:8080"}, "LLM_BASE_URL"),
        ({"LLM_BASE_URL": "http://x:1", "LLM_MODEL_PATH": "m.gguf"}, "LLM_BASE_URL"),
        ({"LLM_FALLBACK_MODEL_PATH": "m.gguf"}, "LLM_FALLBACK_MODEL_PATH"),
        ({"LLM_API_KEY": "k", "LLM_MODEL_PATH": "m.gguf"}, "LLM_API_KEY"),
        ({"LLM_MODEL_NAME": "x"}, "LLM_MODEL_NAME"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], variable: str) -> None:
    with pytest.raises(LLMConfigError, match=variable):
        LLMConfig.from_env(env)


def test_config_is_frozen() -> None:
    with pytest.raises(AttributeError):
        LLMConfig().threads = 2  # type: ignore[misc]

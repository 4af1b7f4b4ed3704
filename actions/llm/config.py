"""LLM settings, read once from environment variables.

| Variable                  | Default                         | Meaning                                                                                                   |
|---------------------------|---------------------------------|-----------------------------------------------------------------------------------------------------------|
| `LLM_MODEL_PATH`          | unset: no LLM, answers are extractive | GGUF file of the instruct model run in-process with llama-cpp-python. Relative paths are taken from the repo root. |
| `LLM_FALLBACK_MODEL_PATH` | unset                           | Optional second GGUF (e.g. a smaller model), used when the first model cannot load or gives unusable output. |
| `LLM_BASE_URL`            | unset                           | OpenAI-compatible server (llama.cpp `llama-server`, vLLM, Ollama), e.g. `http://127.0.0.1:8080/v1`, used *instead of* `LLM_MODEL_PATH` (set one, not both). |
| `LLM_API_KEY`             | unset                           | Bearer token for `LLM_BASE_URL`. Only valid together with `LLM_BASE_URL`.                                  |
| `LLM_MODEL_NAME`          | unset                           | `model` field sent to `LLM_BASE_URL` (required by Ollama, vLLM and hosted APIs; llama-server ignores it).  |
| `LLM_CONTEXT_SIZE`        | `4096`                          | Context window in tokens for the in-process model (512-131072): prompt + passages + answer must fit.      |
| `LLM_THREADS`             | `1`                             | CPU threads for the in-process model (1-256). Keep 1 on a 2-core host shared with the Rasa server: with 2 threads generation slows ~100x whenever the other core is busy. |
| `LLM_MAX_TOKENS`          | `384`                           | Most tokens the model may generate per reply (16-8192, below `LLM_CONTEXT_SIZE`).                         |
| `LLM_TEMPERATURE`         | `0.2`                           | Sampling temperature (0-2). 0 is greedy.                                                                   |
| `LLM_TIMEOUT_SECONDS`     | `20`                            | Time budget (0.1-600 s) of one LLM request, queueing for the model included. It covers the whole fallback chain: when it is spent the assistant gives the extractive answer. |

Unset or blank variables take the default. A bad value raises `LLMConfigError` naming the
variable; `actions.llm.factory.get_llm()` logs that error once and runs without the LLM, so a
typo never takes the action server down.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from actions.env import env_float, env_int, env_text
from actions.paths import REPO_ROOT

DEFAULT_CONTEXT_SIZE = 4096
DEFAULT_THREADS = 1
DEFAULT_MAX_TOKENS = 384
DEFAULT_TEMPERATURE = 0.2
DEFAULT_TIMEOUT_SECONDS = 20.0


class LLMConfigError(ValueError):
    """An LLM setting is invalid; the message names the variable."""


@dataclass(frozen=True)
class LLMConfig:
    """Which model(s) to use and how hard to push them."""

    model_path: Path | None = None
    fallback_model_path: Path | None = None
    base_url: str | None = None
    api_key: str | None = field(default=None, repr=False)  # never printed in logs
    model_name: str | None = None
    context_size: int = DEFAULT_CONTEXT_SIZE
    threads: int = DEFAULT_THREADS
    max_tokens: int = DEFAULT_MAX_TOKENS
    temperature: float = DEFAULT_TEMPERATURE
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS

    @property
    def enabled(self) -> bool:
        """True when some model is configured (otherwise every answer is extractive)."""
        return self.model_path is not None or self.base_url is not None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> LLMConfig:
        """Build the settings from `env` (default `os.environ`); raise `LLMConfigError` on bad values."""
        env = os.environ if env is None else env
        model_path = _path(env, "LLM_MODEL_PATH")
        base_url = _url(env, "LLM_BASE_URL")
        fallback = _path(env, "LLM_FALLBACK_MODEL_PATH")
        if model_path is not None and base_url is not None:
            raise LLMConfigError(
                "LLM_MODEL_PATH and LLM_BASE_URL are both set: set LLM_MODEL_PATH to run the model "
                "in-process, or LLM_BASE_URL to use an OpenAI-compatible server, not both "
                "(LLM_FALLBACK_MODEL_PATH can back up either)"
            )
        if fallback is not None and model_path is None and base_url is None:
            raise LLMConfigError(
                "LLM_FALLBACK_MODEL_PATH is set but neither LLM_MODEL_PATH nor LLM_BASE_URL is: "
                "set LLM_MODEL_PATH to the main model (the fallback is only tried after it)"
            )
        for name in ("LLM_API_KEY", "LLM_MODEL_NAME"):
            if env_text(env, name) is not None and base_url is None:
                raise LLMConfigError(f"{name} is set but LLM_BASE_URL is not: it is only used with LLM_BASE_URL")
        context_size = _int(env, "LLM_CONTEXT_SIZE", DEFAULT_CONTEXT_SIZE, 512, 131072)
        max_tokens = _int(env, "LLM_MAX_TOKENS", DEFAULT_MAX_TOKENS, 16, 8192)
        if max_tokens >= context_size:
            raise LLMConfigError(
                f"LLM_MAX_TOKENS ({max_tokens}) must be smaller than LLM_CONTEXT_SIZE ({context_size}): "
                "the prompt needs room too"
            )
        return cls(
            model_path=model_path,
            fallback_model_path=fallback,
            base_url=base_url,
            api_key=env_text(env, "LLM_API_KEY"),
            model_name=env_text(env, "LLM_MODEL_NAME"),
            context_size=context_size,
            threads=_int(env, "LLM_THREADS", DEFAULT_THREADS, 1, 256),
            max_tokens=max_tokens,
            temperature=_float(env, "LLM_TEMPERATURE", DEFAULT_TEMPERATURE, 0.0, 2.0),
            timeout_seconds=_float(env, "LLM_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, 0.1, 600.0),
        )


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env_text(env, name)
    if raw is None:
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env_text(env, name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise LLMConfigError(f"{name} must be an http(s) URL such as http://127.0.0.1:8080/v1, got {raw!r}")
    return raw.rstrip("/")


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    return env_float(env, name, default, low, high, LLMConfigError)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return env_int(env, name, default, low, high, LLMConfigError)

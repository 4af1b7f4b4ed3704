"""The interface every LLM backend implements, and the errors it raises.

A client turns chat messages into one JSON object that matches a JSON schema. Backends: the
in-process llama.cpp model (`llama_cpp_client.py`), an OpenAI-compatible server
(`http_client.py`) and the fallback chain over several of them (`fallback.py`). Failures are
always `LLMError`s, never anything else, so callers need one `except` to fall back.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

Message = dict[str, str]  # {"role": "system" | "user" | "assistant", "content": "..."}
OutputCheck = Callable[[dict[str, Any]], object]  # raises ValueError when the output is unusable


class LLMError(Exception):
    """The model gave no usable answer; the caller should fall back."""

    reported = False  # True when the problem was already logged (e.g. a broken model file)


class LLMTimeout(LLMError):
    """The time budget ran out (while queueing for the model, reading the prompt or generating)."""


class LLMUnavailable(LLMError):
    """The model cannot be used: file missing or corrupt, server down, bad credentials."""

    def __init__(self, message: str, *, reported: bool = False) -> None:
        super().__init__(message)
        self.reported = reported


class LLMOutputError(LLMError):
    """The model answered, but not with a usable JSON object (cut off, invalid, failed checks)."""


class LLMPromptTooLong(LLMError):
    """The prompt does not fit the model's context window."""


@runtime_checkable
class LLMClient(Protocol):
    """Something that answers chat messages with a JSON object matching a schema."""

    name: str  # for logs, e.g. "LLM_MODEL_PATH=models/qwen.gguf"
    context_size: int | None  # tokens, None when unknown (remote server)
    max_tokens: int  # default generation limit

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: dict[str, Any],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
        check: OutputCheck | None = None,
    ) -> dict[str, Any]:
        """The model's reply as a dict valid against `schema` (and accepted by `check`).

        `timeout` is the remaining time budget in seconds (default: the configured one).
        Raises `LLMError` on timeout, unavailability or unusable output.
        """
        ...

    def warm_up(self) -> bool:
        """Load the model / reach the server now; True when it is usable. Never raises."""
        ...


def run_check(check: OutputCheck | None, value: dict[str, Any]) -> None:
    """Apply the caller's check to a parsed reply; its `ValueError` becomes `LLMOutputError`."""
    if check is None:
        return
    try:
        check(value)
    except LLMError:
        raise
    except ValueError as exc:
        raise LLMOutputError(f"unusable reply: {exc}") from None

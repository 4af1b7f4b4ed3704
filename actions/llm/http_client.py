"""An OpenAI-compatible chat-completions server as the model (llama-server, vLLM, Ollama, ...).

Sends `POST {LLM_BASE_URL}/chat/completions` (adding `/v1` when the URL lacks it) with
`response_format: {"type": "json_schema", ...}`, which llama-server turns into a grammar and
vLLM/Ollama into guided decoding. The reply is checked like the in-process one
(`json_output.parse_json_reply`), since not every server enforces the schema. Running the
model in its own process (e.g. `llama-server -m model.gguf -t 1 -c 4096`) also keeps
generation away from the action server's GIL.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from actions.llm.client import (
    LLMOutputError,
    LLMTimeout,
    LLMUnavailable,
    Message,
    OutputCheck,
    run_check,
)
from actions.llm.config import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TIMEOUT_SECONDS,
    LLMConfig,
)
from actions.llm.json_output import parse_json_reply

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 3.0


def chat_completions_url(base_url: str) -> str:
    """`http://host:8080` or `http://host:8080/v1` -> `http://host:8080/v1/chat/completions`."""
    base = base_url.rstrip("/")
    if base.endswith("/chat/completions"):
        return base
    if not base.endswith("/v1"):
        base += "/v1"
    return base + "/chat/completions"


class OpenAICompatibleClient:
    """A model behind an OpenAI-compatible HTTP API; implements `LLMClient`."""

    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model_name: str | None = None,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        label: str = "LLM_BASE_URL",
    ) -> None:
        self.url = chat_completions_url(base_url)
        self.name = f"{label}={base_url}"
        self.context_size: int | None = None  # the server's, unknown here
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.timeout_seconds = timeout_seconds
        self.model_name = model_name
        self._api_key = api_key

    @classmethod
    def from_config(cls, config: LLMConfig) -> OpenAICompatibleClient:
        if config.base_url is None:
            raise ValueError("LLM_BASE_URL is not set")
        return cls(
            config.base_url,
            api_key=config.api_key,
            model_name=config.model_name,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            timeout_seconds=config.timeout_seconds,
        )

    def warm_up(self) -> bool:
        """Check the server answers `GET /v1/models`; log the outcome. Never raises."""
        import requests

        url = self.url.rsplit("/chat/completions", 1)[0] + "/models"
        try:
            response = requests.get(url, headers=self._headers(), timeout=CONNECT_TIMEOUT_SECONDS)
        except requests.RequestException as exc:
            logger.error("%s is not reachable (%s); answers stay extractive until it is", self.name,
                         type(exc).__name__)
            return False
        if response.status_code in (401, 403):
            logger.error("%s rejected LLM_API_KEY (HTTP %d)", self.name, response.status_code)
            return False
        logger.info("%s reachable (GET /models: HTTP %d)", self.name, response.status_code)
        return True

    def build_request(self, messages: Sequence[Message], schema: dict[str, Any], max_tokens: int) -> dict[str, Any]:
        """The JSON body sent to /chat/completions."""
        body: dict[str, Any] = {
            "messages": [dict(m) for m in messages],
            "max_tokens": max_tokens,
            "temperature": self.temperature,
            "stream": False,
            "response_format": {
                "type": "json_schema",
                "json_schema": {"name": "reply", "strict": True, "schema": schema},
            },
        }
        if self.model_name:
            body["model"] = self.model_name
        return body

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: dict[str, Any],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
        check: OutputCheck | None = None,
    ) -> dict[str, Any]:
        import requests

        budget = self.timeout_seconds if timeout is None else timeout
        if budget <= 0:
            raise LLMTimeout(f"{self.name}: no time left")
        limit = max_tokens or self.max_tokens
        started = time.monotonic()
        try:
            response = requests.post(
                self.url,
                json=self.build_request(messages, schema, limit),
                headers=self._headers(),
                timeout=(min(CONNECT_TIMEOUT_SECONDS, budget), budget),
            )
        except requests.Timeout:
            raise LLMTimeout(f"{self.name}: no reply within {budget:.1f}s") from None
        except requests.RequestException as exc:
            raise LLMUnavailable(f"{self.name}: request failed ({type(exc).__name__})") from None
        if response.status_code in (401, 403):
            raise LLMUnavailable(f"{self.name}: HTTP {response.status_code}, check LLM_API_KEY")
        if response.status_code != 200:
            raise LLMUnavailable(f"{self.name}: HTTP {response.status_code}: {response.text[:200]!r}")
        try:
            choice = response.json()["choices"][0]
            content = choice["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise LLMOutputError(f"{self.name}: not a chat-completions response: {response.text[:200]!r}") from None
        logger.info("%s replied in %.1fs", self.name, time.monotonic() - started)
        if choice.get("finish_reason") == "length":
            raise LLMOutputError(f"{self.name}: reply cut off after {limit} tokens")
        value = parse_json_reply(content or "", schema)
        run_check(check, value)
        return value

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}

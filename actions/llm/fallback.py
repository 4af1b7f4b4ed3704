"""Several LLM clients tried in order under one time budget.

The chain is itself an `LLMClient`: the first model's usable reply wins; a timeout, a model
that cannot load, a failed request or an unusable reply moves on to the next model with the
time that is left. `LLM_TIMEOUT_SECONDS` is therefore the most a customer waits for the whole
chain: when the first model used up the budget, the next one is skipped and the caller gives
the extractive answer. When every model fails the chain raises `LLMError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from actions.llm.client import LLMClient, LLMError, LLMTimeout, Message, OutputCheck

logger = logging.getLogger(__name__)


class FallbackChain:
    """Try `clients` in order; implements `LLMClient`."""

    def __init__(self, clients: Sequence[LLMClient], timeout_seconds: float) -> None:
        if not clients:
            raise ValueError("a fallback chain needs at least one client")
        self.clients = list(clients)
        self.timeout_seconds = timeout_seconds
        self.name = " -> ".join(c.name for c in self.clients)
        sizes = [c.context_size for c in self.clients if c.context_size]
        self.context_size: int | None = min(sizes) if sizes else None
        self.max_tokens = min(c.max_tokens for c in self.clients)

    def warm_up(self) -> bool:
        """Warm every model up (problems are logged by the clients); True if any is usable."""
        results = [client.warm_up() for client in self.clients]
        return any(results)

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: dict[str, Any],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
        check: OutputCheck | None = None,
    ) -> dict[str, Any]:
        deadline = time.monotonic() + (self.timeout_seconds if timeout is None else timeout)
        failures: list[str] = []
        timed_out = False
        for position, client in enumerate(self.clients):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                failures.append(f"{client.name}: skipped, time budget spent")
                timed_out = True
                break
            try:
                return client.complete_json(messages, schema, max_tokens=max_tokens, timeout=remaining,
                                            check=check)
            except LLMError as exc:
                failures.append(str(exc))
                timed_out = isinstance(exc, LLMTimeout)
                more = position + 1 < len(self.clients)
                level = logging.DEBUG if exc.reported else logging.WARNING
                logger.log(level, "LLM %s failed: %s%s", client.name, exc,
                           "; trying the next model" if more else "")
        error = (LLMTimeout if timed_out else LLMError)("no usable LLM reply: " + " | ".join(failures))
        error.reported = True
        raise error

"""The process-wide LLM built from the environment: `get_llm()` and `warm_up_llm()`.

`get_llm()` is cheap and never raises: it reads `LLMConfig.from_env()` once and returns a
`FallbackChain` of the configured models (primary: `LLM_BASE_URL` or `LLM_MODEL_PATH`, then
`LLM_FALLBACK_MODEL_PATH`), or None when nothing is configured or the settings are invalid
(logged once). Models load on first use; call `warm_up_llm()` at startup to load them early.
"""

from __future__ import annotations

import logging
import threading

from actions.llm.client import LLMClient
from actions.llm.config import LLMConfig, LLMConfigError

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_built = False
_instance: LLMClient | None = None


def build_llm(config: LLMConfig) -> LLMClient | None:
    """The client chain for `config` (nothing is loaded yet); None when no model is configured."""
    from actions.llm.fallback import FallbackChain
    from actions.llm.http_client import OpenAICompatibleClient
    from actions.llm.llama_cpp_client import LlamaCppClient

    clients: list[LLMClient] = []
    if config.base_url is not None:
        clients.append(OpenAICompatibleClient.from_config(config))
    elif config.model_path is not None:
        clients.append(LlamaCppClient.from_config(config))
    if config.fallback_model_path is not None and clients:
        clients.append(LlamaCppClient.from_config(config, fallback=True))
    if not clients:
        return None
    return FallbackChain(clients, timeout_seconds=config.timeout_seconds)


def get_llm() -> LLMClient | None:
    """The shared LLM of this process, or None (answers stay extractive)."""
    global _built, _instance
    if _built:
        return _instance
    with _lock:
        if not _built:
            try:
                config = LLMConfig.from_env()
            except LLMConfigError as exc:
                logger.error("LLM disabled, invalid setting: %s", exc)
                config = LLMConfig()
            _instance = build_llm(config)
            if _instance is None:
                logger.info("no LLM configured (LLM_MODEL_PATH / LLM_BASE_URL unset): answers are extractive")
            else:
                logger.info("LLM configured: %s (time budget %.1fs)", _instance.name, config.timeout_seconds)
            _built = True
    return _instance


def warm_up_llm() -> bool:
    """Load / reach the configured models now; True when one is usable. Never raises."""
    llm = get_llm()
    if llm is None:
        return False
    try:
        return llm.warm_up()
    except Exception:
        logger.exception("LLM warm-up failed")
        return False


def reset_llm() -> None:
    """Forget the shared instance so the next `get_llm()` re-reads the environment (tests)."""
    global _built, _instance
    with _lock:
        _built, _instance = False, None

"""The in-process model: llama-cpp-python, loaded lazily once per process, one request at a time.

- The GGUF is loaded on first use (or by `warm_up()` at startup) and shared by every client
  with the same path and settings. A missing, truncated or corrupt file is reported by one
  log line and remembered: later requests fail fast with `LLMUnavailable` (the fallback chain
  moves on) until the file changes on disk.
- Prompts are formatted by `create_chat_completion`, i.e. with the chat template from the
  GGUF metadata (`tokenizer.chat_template`).
- Output is constrained by a GBNF grammar built from the JSON schema (`json_grammar.py`).
- llama.cpp contexts are not thread-safe: requests queue on a lock, and the wait counts
  against the time budget.
- The budget is enforced inside llama.cpp: a timer raises an abort flag that llama.cpp polls
  between graph nodes, so a long prompt or a long answer is cut off on time. The flag is read
  by libc's `strlen` used as the abort callback (it returns 1 once the flag byte is set), so
  llama.cpp never calls back into Python and never waits for the GIL; a Python callback is
  the fallback where libc is not reachable through ctypes.
"""

from __future__ import annotations

import ctypes
import logging
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from actions.llm.client import (
    LLMError,
    LLMOutputError,
    LLMPromptTooLong,
    LLMTimeout,
    LLMUnavailable,
    Message,
    OutputCheck,
    run_check,
)
from actions.llm.config import (
    DEFAULT_CONTEXT_SIZE,
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_THREADS,
    DEFAULT_TIMEOUT_SECONDS,
    LLMConfig,
)
from actions.llm.json_grammar import schema_to_gbnf
from actions.llm.json_output import parse_json_reply

logger = logging.getLogger(__name__)

_GGUF_MAGIC = b"GGUF"
_REGISTRY_LOCK = threading.Lock()
_MODELS: dict[tuple[str, int, int], _SharedModel] = {}
_FAILURES: dict[tuple[str, int, int], tuple[object, str]] = {}


class LlamaCppClient:
    """A GGUF model run in this process; implements `LLMClient`."""

    def __init__(
        self,
        model_path: str | Path,
        *,
        label: str = "LLM_MODEL_PATH",
        context_size: int = DEFAULT_CONTEXT_SIZE,
        threads: int = DEFAULT_THREADS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        temperature: float = DEFAULT_TEMPERATURE,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        seed: int | None = None,
    ) -> None:
        self.model_path = Path(model_path)
        self.name = f"{label}={self.model_path}"
        self.context_size: int | None = context_size
        self.threads = threads
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.timeout_seconds = timeout_seconds
        self.seed = seed
        self._key = (str(self.model_path.absolute()), context_size, threads)

    @classmethod
    def from_config(cls, config: LLMConfig, *, fallback: bool = False) -> LlamaCppClient:
        path = config.fallback_model_path if fallback else config.model_path
        if path is None:
            raise ValueError("no model path configured")
        return cls(
            path,
            label="LLM_FALLBACK_MODEL_PATH" if fallback else "LLM_MODEL_PATH",
            context_size=config.context_size,
            threads=config.threads,
            max_tokens=config.max_tokens,
            temperature=config.temperature,
            timeout_seconds=config.timeout_seconds,
        )

    def warm_up(self) -> bool:
        """Load the model now (e.g. at server start); False (already logged) when it cannot be used."""
        try:
            self.load()
        except LLMError:
            return False
        return True

    def load(self, wait: float | None = None) -> Any:
        """The shared `llama_cpp.Llama`, loaded on first use; `LLMUnavailable` when it cannot be."""
        return self._shared(wait).llama

    def complete_json(
        self,
        messages: Sequence[Message],
        schema: dict[str, Any],
        *,
        max_tokens: int | None = None,
        timeout: float | None = None,
        check: OutputCheck | None = None,
    ) -> dict[str, Any]:
        budget = self.timeout_seconds if timeout is None else timeout
        deadline = time.monotonic() + budget
        grammar = schema_to_gbnf(schema)
        if budget <= 0:
            raise LLMTimeout(f"{self.name}: no time left")
        model = self._shared(wait=budget)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not model.lock.acquire(timeout=remaining):
            raise LLMTimeout(f"{self.name}: still busy with earlier requests after {budget:.1f}s")
        try:
            started = time.monotonic()
            reply = self._generate(model, list(messages), grammar, max_tokens or self.max_tokens, deadline)
        finally:
            model.lock.release()
        choice = reply["choices"][0]
        usage = reply.get("usage") or {}
        logger.info("%s replied in %.1fs (%s prompt tokens, %s generated)", self.name,
                    time.monotonic() - started, usage.get("prompt_tokens"), usage.get("completion_tokens"))
        if choice.get("finish_reason") == "length":
            raise LLMOutputError(f"{self.name}: reply cut off after {max_tokens or self.max_tokens} tokens")
        value = parse_json_reply(choice["message"].get("content") or "", schema)
        run_check(check, value)
        return value

    # -- internals ---------------------------------------------------------------------------

    def _shared(self, wait: float | None) -> _SharedModel:
        model = _MODELS.get(self._key)
        if model is not None:
            return model
        if not _REGISTRY_LOCK.acquire(timeout=-1 if wait is None else max(wait, 0.0)):
            raise LLMTimeout(f"{self.name}: the model is still loading")
        try:
            model = _MODELS.get(self._key)
            if model is not None:
                return model
            fingerprint = _fingerprint(self.model_path)
            failure = _FAILURES.get(self._key)
            if failure is not None and failure[0] == fingerprint:
                raise LLMUnavailable(failure[1], reported=True)
            try:
                model = _load(self.model_path, self.context_size or DEFAULT_CONTEXT_SIZE, self.threads)
            except LLMUnavailable as exc:
                message = f"{self.name} cannot be used: {exc}"
                _FAILURES[self._key] = (fingerprint, message)
                logger.error("%s. Continuing without this model (it is retried when the file changes).", message)
                raise LLMUnavailable(message, reported=True) from None
            _FAILURES.pop(self._key, None)
            _MODELS[self._key] = model
            logger.info("%s loaded in %.1fs (context %d tokens, %d thread(s), abort flag: %s)", self.name,
                        model.load_seconds, self.context_size, self.threads,
                        "native" if model.abort.native else "python callback")
            return model
        finally:
            _REGISTRY_LOCK.release()

    def _generate(self, model: _SharedModel, messages: list[Message], grammar: str, max_tokens: int,
                  deadline: float) -> dict[str, Any]:
        """One constrained chat completion under the deadline; caller holds `model.lock`."""
        from llama_cpp import LlamaGrammar

        model.check_grammar(grammar)
        attempts = [messages]
        if any(m["role"] == "system" for m in messages):
            attempts.append(_merge_system_messages(messages))  # for templates without a system role
        for i, attempt in enumerate(attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LLMTimeout(f"{self.name}: time budget spent")
            model.abort.arm(remaining)
            try:
                reply = model.llama.create_chat_completion(
                    messages=attempt,
                    grammar=LlamaGrammar.from_string(grammar, verbose=False),
                    max_tokens=max_tokens,
                    temperature=self.temperature,
                    seed=self.seed,
                )
            except Exception as exc:  # noqa: BLE001 - every llama.cpp failure becomes an LLMError
                tripped = model.abort.disarm()
                model.llama.reset()  # forget a half-evaluated prompt
                if tripped:
                    raise LLMTimeout(f"{self.name}: time budget spent, generation aborted") from None
                if "exceed context window" in str(exc):
                    raise LLMPromptTooLong(f"{self.name}: {exc}") from None
                if isinstance(exc, RuntimeError) or i == len(attempts) - 1:
                    raise LLMOutputError(f"{self.name}: generation failed: {exc}") from None
                logger.info("%s: chat template rejected the messages (%s); retrying without a system role",
                            self.name, exc)
                continue
            model.abort.disarm()
            return reply
        raise LLMOutputError(f"{self.name}: generation failed")  # not reached


def clear_model_cache() -> None:
    """Forget loaded models and remembered load failures (tests and the benchmark use this)."""
    with _REGISTRY_LOCK:
        for model in _MODELS.values():
            with model.lock:
                model.abort.detach(model.llama)
                model.llama.close()
        _MODELS.clear()
        _FAILURES.clear()


def _merge_system_messages(messages: list[Message]) -> list[Message]:
    system = "\n\n".join(m["content"] for m in messages if m["role"] == "system")
    rest = [dict(m) for m in messages if m["role"] != "system"]
    if rest and rest[0]["role"] == "user":
        rest[0]["content"] = f"{system}\n\n{rest[0]['content']}"
    else:
        rest.insert(0, {"role": "user", "content": system})
    return rest


def _fingerprint(path: Path) -> object:
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_mtime_ns, stat.st_size)


def _load(path: Path, context_size: int, threads: int) -> _SharedModel:
    """Open the GGUF; every problem becomes `LLMUnavailable` with a message an operator can act on."""
    if not path.exists():
        raise LLMUnavailable("file not found")
    if not path.is_file():
        raise LLMUnavailable("not a file")
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise LLMUnavailable(f"cannot read the file ({exc.strerror})") from None
    if magic != _GGUF_MAGIC:
        raise LLMUnavailable("not a GGUF file (wrong header): expected a complete .gguf download")
    try:
        import llama_cpp
    except ImportError as exc:
        raise LLMUnavailable(f"llama-cpp-python is not installed ({exc})") from None
    started = time.perf_counter()
    try:
        llama = llama_cpp.Llama(
            model_path=str(path),
            n_ctx=context_size,
            n_threads=threads,
            n_threads_batch=threads,
            verbose=False,
        )
    except Exception as exc:  # noqa: BLE001 - llama.cpp raises ValueError/RuntimeError/OSError
        raise LLMUnavailable(
            f"llama.cpp could not load it ({exc}): the file is truncated or corrupt, or its architecture "
            f"is not supported by llama-cpp-python {llama_cpp.__version__}"
        ) from None
    elapsed = time.perf_counter() - started
    if not llama.metadata.get("tokenizer.chat_template"):
        logger.warning("%s has no chat template in its metadata; llama-cpp-python falls back to the %r "
                       "format, which may not match the model", path, llama.chat_format)
    return _SharedModel(llama=llama, lock=threading.Lock(), abort=_AbortSwitch(llama), load_seconds=elapsed)


@dataclass(eq=False)
class _SharedModel:
    llama: Any
    lock: threading.Lock
    abort: _AbortSwitch
    load_seconds: float
    _valid_grammars: OrderedDict[str, None] = field(default_factory=OrderedDict)

    def check_grammar(self, grammar: str) -> None:
        """Make sure llama.cpp parses `grammar`: a grammar it rejects would crash the sampler chain."""
        if grammar in self._valid_grammars:
            self._valid_grammars.move_to_end(grammar)
            return
        import llama_cpp

        vocab = llama_cpp.llama_model_get_vocab(self.llama.model)
        sampler = llama_cpp.llama_sampler_init_grammar(vocab, grammar.encode("utf-8"), b"root")
        if not sampler:
            raise LLMOutputError("llama.cpp rejected the JSON grammar")
        llama_cpp.llama_sampler_free(sampler)
        self._valid_grammars[grammar] = None
        if len(self._valid_grammars) > 32:
            self._valid_grammars.popitem(last=False)


class _AbortSwitch:
    """A flag llama.cpp polls during decoding; a timer raises it when the request's budget is spent."""

    def __init__(self, llama: Any) -> None:
        import llama_cpp

        self._flag = ctypes.create_string_buffer(2)  # b"\0\0": clear; b"x\0": abort
        self._data = ctypes.cast(self._flag, ctypes.c_void_p)
        self._guard = threading.Lock()
        self._request = 0
        self._timer: threading.Timer | None = None
        self._tripped = False
        callback = self._native_callback(llama_cpp)
        self.native = callback is not None
        if callback is None:
            flag = self._flag
            callback = llama_cpp.ggml_abort_callback(lambda _data: flag.raw[0] != 0)
        self._callback = callback  # keep a reference: llama.cpp holds only the raw pointer
        llama_cpp.llama_set_abort_callback(llama.ctx, callback, self._data)

    def _native_callback(self, llama_cpp: Any) -> Any:
        """libc's strlen as `bool (*)(void *)`: true once the flag byte is set. None if unusable."""
        try:
            libc = ctypes.CDLL(None) if os.name == "posix" else ctypes.cdll.msvcrt
            callback = llama_cpp.ggml_abort_callback(ctypes.cast(libc.strlen, ctypes.c_void_p).value)
            clear = callback(self._data)
            self._flag[0] = b"x"
            raised = callback(self._data)
            self._flag[0] = b"\0"
        except (OSError, AttributeError, TypeError):
            return None
        return callback if (clear, raised) == (False, True) else None

    def arm(self, seconds: float) -> None:
        with self._guard:
            self._request += 1
            self._flag[0] = b"\0"
            self._tripped = False
            self._timer = threading.Timer(seconds, self._trip, args=(self._request,))
            self._timer.daemon = True
            self._timer.start()

    def _trip(self, request: int) -> None:
        with self._guard:
            if request == self._request:  # a late timer of an earlier request does nothing
                self._flag[0] = b"x"
                self._tripped = True

    def disarm(self) -> bool:
        """Stop the timer and clear the flag; True when the budget ran out."""
        with self._guard:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._request += 1
            tripped, self._tripped = self._tripped, False
            self._flag[0] = b"\0"
            return tripped

    def detach(self, llama: Any) -> None:
        import llama_cpp

        self.disarm()
        llama_cpp.llama_set_abort_callback(llama.ctx, llama_cpp.ggml_abort_callback(), None)

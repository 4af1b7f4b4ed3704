"""The in-process client against real llama.cpp: loading, sharing, constrained replies,
time budget, queueing, and broken model files."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest

from actions.llm.client import LLMClient, LLMOutputError, LLMTimeout, LLMUnavailable
from actions.llm.llama_cpp_client import LlamaCppClient

BOOL_SCHEMA = {"type": "object", "properties": {"ok": {"type": "boolean"}}}
# A reply that cannot be finished quickly: the model must write 2000 characters.
LONG_SCHEMA = {"type": "object", "properties": {"text": {"type": "string", "minLength": 2000, "maxLength": 2000}}}
SHORT_PROMPT = [{"role": "system", "content": "Reply in JSON."}, {"role": "user", "content": "Hi"}]
LONG_PROMPT = [{"role": "user", "content": "Where is my order? " * 150}]  # ~2800 tokens


def test_loads_through_llama_cpp_and_answers_json(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=1024, max_tokens=64, seed=1)
    assert isinstance(client, LLMClient)
    assert client.warm_up()
    llama = client.load()
    assert llama.metadata["general.architecture"] == "llama"
    assert llama.metadata.get("tokenizer.chat_template")  # the template comes from the GGUF
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA) in ({"ok": True}, {"ok": False})


def test_model_is_loaded_once_and_shared(tiny_model: Path) -> None:
    first = LlamaCppClient(tiny_model, context_size=1024)
    second = LlamaCppClient(tiny_model, context_size=1024, temperature=0.0)
    assert first.load() is second.load()
    assert LlamaCppClient(tiny_model, context_size=2048).load() is not first.load()


def test_prompt_is_formatted_with_the_gguf_chat_template(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=1024, seed=1)
    client.complete_json(SHORT_PROMPT, BOOL_SCHEMA)
    llama = client.load()
    expected = ("<|im_start|>system\nReply in JSON.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n"
                "<|im_start|>assistant\n")
    tokens = llama.tokenize(expected.encode(), add_bos=False, special=True)
    assert llama.input_ids[: len(tokens)].tolist() == tokens  # what llama.cpp evaluated


def test_check_failure_is_an_output_error(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=1024, seed=1)

    def reject(_value: dict) -> None:
        raise ValueError("not good enough")

    with pytest.raises(LLMOutputError, match="not good enough"):
        client.complete_json(SHORT_PROMPT, BOOL_SCHEMA, check=reject)


def test_reply_cut_by_max_tokens_is_an_output_error(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=4096, max_tokens=50)
    with pytest.raises(LLMOutputError, match="cut off"):
        client.complete_json(SHORT_PROMPT, LONG_SCHEMA)


def test_prompt_longer_than_context_is_reported(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=512)
    with pytest.raises(Exception) as info:
        client.complete_json(LONG_PROMPT, BOOL_SCHEMA)
    assert type(info.value).__name__ == "LLMPromptTooLong"


def test_budget_spent_while_reading_the_prompt(slow_model: Path) -> None:
    client = LlamaCppClient(slow_model, context_size=4096, seed=1)
    client.warm_up()
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        client.complete_json(LONG_PROMPT, BOOL_SCHEMA, timeout=0.05)
    assert time.monotonic() - started < 0.5  # the prompt alone takes ~1 s: it was aborted


def test_budget_enforced_by_the_python_callback_too(slow_model: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where libc's strlen cannot serve as the abort callback, a Python callback does the job."""
    from actions.llm import llama_cpp_client

    monkeypatch.setattr(llama_cpp_client._AbortSwitch, "_native_callback", lambda self, module: None)
    client = LlamaCppClient(slow_model, context_size=4096, seed=1)
    client.warm_up()
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        client.complete_json(LONG_PROMPT, BOOL_SCHEMA, timeout=0.05)
    assert time.monotonic() - started < 0.5
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA, timeout=30) in ({"ok": True}, {"ok": False})


def test_budget_spent_while_generating(slow_model: Path) -> None:
    client = LlamaCppClient(slow_model, context_size=4096, max_tokens=3000, seed=1)
    client.warm_up()
    started = time.monotonic()
    with pytest.raises(LLMTimeout):
        client.complete_json(SHORT_PROMPT, LONG_SCHEMA, timeout=0.4)
    elapsed = time.monotonic() - started
    assert 0.35 < elapsed < 1.0  # 2000 tokens take ~2.5 s: stopped at the budget
    # the model is usable again right away
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA, timeout=30) in ({"ok": True}, {"ok": False})


def test_waiting_for_a_busy_model_counts_against_the_budget(slow_model: Path) -> None:
    client = LlamaCppClient(slow_model, context_size=4096, max_tokens=3000, seed=1)
    client.warm_up()
    errors: list[Exception] = []

    def long_request() -> None:
        try:
            client.complete_json(SHORT_PROMPT, LONG_SCHEMA, timeout=1.5)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    worker = threading.Thread(target=long_request)
    worker.start()
    time.sleep(0.2)
    started = time.monotonic()
    with pytest.raises(LLMTimeout, match="busy"):
        client.complete_json(SHORT_PROMPT, BOOL_SCHEMA, timeout=0.3)
    assert time.monotonic() - started < 0.8
    worker.join()
    assert len(errors) == 1 and isinstance(errors[0], LLMTimeout)


def test_concurrent_requests_are_serialised(tiny_model: Path) -> None:
    client = LlamaCppClient(tiny_model, context_size=1024, seed=2)
    results: list[object] = []

    def ask() -> None:
        try:
            results.append(client.complete_json(SHORT_PROMPT, BOOL_SCHEMA, timeout=30))
        except Exception as exc:  # noqa: BLE001
            results.append(exc)

    threads = [threading.Thread(target=ask) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r in ({"ok": True}, {"ok": False}) for r in results), results


@pytest.mark.parametrize(
    ("fixture", "reason"),
    [
        ("corrupt_model", "could not load it"),
        ("truncated_model", "could not load it"),
        ("garbage_file", "not a GGUF file"),
        ("missing_file", "file not found"),
    ],
)
def test_broken_model_file_gives_one_clear_log_line(
    request: pytest.FixtureRequest, caplog: pytest.LogCaptureFixture, fixture: str, reason: str, tmp_path: Path
) -> None:
    if fixture == "garbage_file":
        path = tmp_path / "model.gguf"
        path.write_text("<html>404 Not Found</html>")
    elif fixture == "missing_file":
        path = tmp_path / "nowhere.gguf"
    else:
        path = request.getfixturevalue(fixture)
    client = LlamaCppClient(path, label="LLM_MODEL_PATH")
    caplog.set_level(logging.INFO, logger="actions.llm")
    assert client.warm_up() is False  # no exception
    for _ in range(3):
        with pytest.raises(LLMUnavailable, match=reason):
            client.complete_json(SHORT_PROMPT, BOOL_SCHEMA)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"LLM_MODEL_PATH={path}" in errors[0].getMessage() and reason in errors[0].getMessage()


def test_a_fixed_model_file_is_picked_up(tmp_path: Path, copy_of_tiny_model) -> None:
    path = tmp_path / "late.gguf"
    client = LlamaCppClient(path, context_size=1024, seed=1)
    with pytest.raises(LLMUnavailable):
        client.complete_json(SHORT_PROMPT, BOOL_SCHEMA)
    copy_of_tiny_model(path)  # the operator copies the model in place
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA) in ({"ok": True}, {"ok": False})


GEMMA_LIKE_TEMPLATE = (
    "{% for m in messages %}{% if m['role'] == 'system' %}{{ raise_exception('System role not supported') }}"
    "{% endif %}<start_of_turn>{{ m['role'] }}\n{{ m['content'] }}<end_of_turn>\n{% endfor %}"
    "{{ '<start_of_turn>model\n' }}"
)


def test_template_without_system_role_gets_the_instructions_in_the_user_turn(tmp_path: Path) -> None:
    from tests.llm.tiny_gguf import build_tiny_gguf

    path = build_tiny_gguf(tmp_path / "gemma-like.gguf", chat_template=GEMMA_LIKE_TEMPLATE)
    client = LlamaCppClient(path, context_size=1024, seed=1)
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA) in ({"ok": True}, {"ok": False})
    llama = client.load()
    expected = "<start_of_turn>user\nReply in JSON.\n\nHi<end_of_turn>\n<start_of_turn>model\n"
    tokens = llama.tokenize(expected.encode(), add_bos=False, special=True)
    assert llama.input_ids[: len(tokens)].tolist() == tokens


def test_gguf_without_chat_template_still_works_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from tests.llm.tiny_gguf import build_tiny_gguf

    path = build_tiny_gguf(tmp_path / "no-template.gguf", chat_template=None)
    client = LlamaCppClient(path, context_size=1024, seed=1)
    assert client.complete_json(SHORT_PROMPT, BOOL_SCHEMA) in ({"ok": True}, {"ok": False})
    assert any("no chat template" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)

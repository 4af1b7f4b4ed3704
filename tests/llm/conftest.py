"""Fixtures for the LLM tests: tiny random-weight GGUF models built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from actions.knowledge.passages import Passage
from tests.llm.tiny_gguf import build_tiny_gguf, write_corrupt_gguf


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("gguf")


@pytest.fixture(scope="session")
def tiny_model(model_dir: Path) -> Path:
    """~0.5 MB, two layers: fast enough for dozens of generations."""
    return build_tiny_gguf(model_dir / "tiny.gguf")


@pytest.fixture(scope="session")
def slow_model(model_dir: Path) -> Path:
    """Wider and deeper, so prompts and answers take measurable time (timeout tests)."""
    return build_tiny_gguf(model_dir / "slow.gguf", n_embd=256, n_layers=4, n_ff=768, seed=1)


@pytest.fixture()
def corrupt_model(tmp_path: Path) -> Path:
    """Starts with the GGUF magic, then garbage."""
    return write_corrupt_gguf(tmp_path / "corrupt.gguf")


@pytest.fixture()
def truncated_model(tiny_model: Path, tmp_path: Path) -> Path:
    """A real GGUF cut in half, like an interrupted download."""
    path = tmp_path / "truncated.gguf"
    data = tiny_model.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


@pytest.fixture()
def copy_of_tiny_model(tiny_model: Path, tmp_path: Path):
    """A function copying the tiny model to a path of the test's choosing."""
    def copy(destination: Path) -> Path:
        shutil.copyfile(tiny_model, destination)
        return destination
    return copy


@pytest.fixture(autouse=True)
def _fresh_llm_state():
    """Every test starts without loaded models, remembered failures or a shared instance."""
    from actions.llm.factory import reset_llm
    from actions.llm.llama_cpp_client import clear_model_cache

    clear_model_cache()
    reset_llm()
    yield
    clear_model_cache()
    reset_llm()


@pytest.fixture()
def passages() -> list[Passage]:
    return [
        Passage(id="return-policy#how-long-you-have", article_id="return-policy", title="Return policy",
                section="How long you have", category="returns",
                text="You can return unused items within 60 days of delivery for a full refund."),
        Passage(id="shipping-costs#standard", article_id="shipping-costs", title="Shipping costs",
                section="Standard shipping", category="shipping",
                text="Standard shipping is free on orders over $75. Otherwise it costs $6.95."),
        Passage(id="return-policy#worn-items", article_id="return-policy", title="Return policy",
                section="Worn items", category="returns",
                text="Worn footwear can be returned within 30 days if it is defective."),
    ]


@pytest.fixture()
def openai_server():
    """A fake OpenAI-compatible server on 127.0.0.1 (bearer token "test-key")."""
    from tests.llm.openai_server import FakeOpenAIServer, start_server

    state = FakeOpenAIServer(api_key="test-key")
    httpd, thread = start_server(state)
    yield state
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)

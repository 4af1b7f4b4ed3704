"""Fixtures for the knowledge tests: the real embedding model and real local Qdrant, in tmp dirs.

The model loads once per session; the real help center is ingested once into its own folder.
Tests that change documents use small article folders and their own collections.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.embedding import Embedder, get_embedder
from actions.knowledge.index import close_client, get_client
from actions.knowledge.ingest import IngestReport, ingest
from actions.knowledge.retrieval import Retriever
from actions.paths import REPO_ROOT

HELP_CENTER = REPO_ROOT / "data" / "knowledge"
_collection_numbers = itertools.count(1)


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return get_embedder(KnowledgeConfig().embedding_model_path)


@pytest.fixture(scope="session")
def qdrant_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("qdrant")


@pytest.fixture(scope="session")
def help_center_config(qdrant_dir: Path) -> KnowledgeConfig:
    return KnowledgeConfig(knowledge_dir=HELP_CENTER, qdrant_path=qdrant_dir, collection="helpcenter_test")


@pytest.fixture(scope="session")
def help_center_ingest(help_center_config: KnowledgeConfig, embedder: Embedder) -> IngestReport:
    report = ingest(help_center_config, embedder=embedder)
    yield report
    close_client(help_center_config)


@pytest.fixture(scope="session")
def retriever(help_center_config: KnowledgeConfig, help_center_ingest: IngestReport, embedder: Embedder) -> Retriever:
    return Retriever(get_client(help_center_config), help_center_config.collection, embedder)


@pytest.fixture()
def small_config(qdrant_dir: Path, tmp_path: Path) -> KnowledgeConfig:
    """A config with its own article folder (empty) and a fresh collection in the session's Qdrant."""
    articles = tmp_path / "articles"
    articles.mkdir()
    return KnowledgeConfig(
        knowledge_dir=articles, qdrant_path=qdrant_dir, collection=f"small_{next(_collection_numbers)}"
    )

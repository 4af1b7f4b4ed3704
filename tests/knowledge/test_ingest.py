"""Ingestion into a real local Qdrant: incremental runs, bad files, failures part-way, the CLI."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.index import KnowledgeStoreError, get_client, stored_passages
from actions.knowledge.ingest import IngestError, ingest, main
from actions.paths import REPO_ROOT
from tests.knowledge.test_documents import HTML, MARKDOWN, TEXT


class CountingEmbedder:
    """The real embedder, remembering which texts it was asked to embed."""

    def __init__(self, inner, fail: bool = False) -> None:
        self.inner = inner
        self.fail = fail
        self.encoded: list[str] = []

    def fingerprint(self) -> str:
        return self.inner.fingerprint()

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    def encode(self, texts):
        if self.fail:
            raise RuntimeError("model crashed")
        self.encoded.extend(texts)
        return self.inner.encode(texts)


@pytest.fixture()
def articles(small_config: KnowledgeConfig) -> Path:
    folder = small_config.knowledge_dir
    (folder / "bike-rentals.md").write_text(MARKDOWN, encoding="utf-8")
    (folder / "canoe-storage.txt").write_text(TEXT, encoding="utf-8")
    (folder / "gear-swap.html").write_text(HTML, encoding="utf-8")
    return folder


def snapshot(config: KnowledgeConfig) -> dict[str, str]:
    """passage id -> content hash of everything in the collection."""
    return {sp.passage_id: sp.content_hash for sp in stored_passages(get_client(config), config.collection)}


def texts(config: KnowledgeConfig) -> dict[str, str]:
    points, _ = get_client(config).scroll(config.collection, limit=1000, with_payload=True)
    return {p.payload["passage_id"]: p.payload["text"] for p in points}


def test_first_run_adds_every_passage_with_its_metadata(small_config, articles, embedder):
    report = ingest(small_config, embedder=embedder)
    assert (report.articles, report.added, report.updated, report.unchanged, report.removed) == (3, 9, 0, 0, 0)
    assert report.skipped == []
    points, _ = get_client(small_config).scroll(
        small_config.collection, limit=100, with_payload=True, with_vectors=True
    )
    prices = next(p for p in points if p.payload["passage_id"] == "bike-rentals#prices")
    assert prices.payload["title"] == "Bike Rentals" and prices.payload["section"] == "Prices"
    assert prices.payload["category"] == "services" and prices.payload["source"] == "bike-rentals.md"
    assert prices.payload["url"] == "https://help.example.com/bike-rentals"
    assert len(prices.vector["dense"]) == embedder.dimension and prices.vector["bm25"].indices
    assert "9 added, 0 updated, 0 unchanged, 0 removed" in report.summary()


def test_unchanged_passages_are_skipped_without_embedding(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    before = snapshot(small_config)
    counting = CountingEmbedder(embedder)
    report = ingest(small_config, embedder=counting)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 0, 9, 0)
    assert counting.encoded == []
    assert snapshot(small_config) == before


def test_changed_passage_is_replaced_and_the_rest_kept(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    md = articles / "bike-rentals.md"
    md.write_text(MARKDOWN.replace("| United States | $25 |", "| United States | $29 |"), encoding="utf-8")
    counting = CountingEmbedder(embedder)
    report = ingest(small_config, embedder=counting)
    assert (report.added, report.updated, report.unchanged, report.removed) == (0, 1, 8, 0)
    assert len(counting.encoded) == 1 and "$29" in counting.encoded[0]
    stored = texts(small_config)
    assert stored["bike-rentals#prices"] == "United States – Daily price: $29\nUnited Kingdom – Daily price: £20"
    assert len(stored) == 9


def test_removed_section_and_deleted_article_disappear(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    md = articles / "bike-rentals.md"
    md.write_text(MARKDOWN.split("## How to book")[0], encoding="utf-8")
    (articles / "gear-swap.html").unlink()
    report = ingest(small_config, embedder=embedder)
    assert report.removed == 1 + 3
    stored = texts(small_config)
    assert "bike-rentals#how-to-book" not in stored
    assert not [pid for pid in stored if pid.startswith("gear-swap#")]
    assert len(stored) == 5


def test_renamed_section_replaces_the_old_passage(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    md = articles / "bike-rentals.md"
    md.write_text(MARKDOWN.replace("## Prices", "## Daily prices"), encoding="utf-8")
    report = ingest(small_config, embedder=embedder)
    assert (report.added, report.removed) == (1, 1)
    assert "bike-rentals#daily-prices" in texts(small_config) and "bike-rentals#prices" not in texts(small_config)


def test_broken_file_is_reported_and_its_previous_version_kept(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    (articles / "canoe-storage.txt").write_bytes("Canoe Storage\n\nCo\xfbts 40\u20ac".encode("cp1252"))
    (articles / "empty.md").write_text("\n", encoding="utf-8")
    report = ingest(small_config, embedder=embedder)
    assert {item.path for item in report.skipped} == {"canoe-storage.txt", "empty.md"}
    assert report.kept_previous == ["canoe-storage"]
    assert report.removed == 0
    assert "canoe-storage#opening-times" in texts(small_config)
    summary = report.summary()
    assert "canoe-storage.txt: not valid UTF-8" in summary and "empty.md: empty file" in summary


def test_failure_while_embedding_writes_nothing(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    before = snapshot(small_config)
    (articles / "bike-rentals.md").write_text(MARKDOWN.replace("$25", "$30"), encoding="utf-8")
    (articles / "gear-swap.html").unlink()
    with pytest.raises(RuntimeError, match="model crashed"):
        ingest(small_config, embedder=CountingEmbedder(embedder, fail=True))
    assert snapshot(small_config) == before


def test_failure_while_writing_an_article_keeps_its_old_version_whole(small_config, articles, embedder, monkeypatch):
    ingest(small_config, embedder=embedder)
    old = texts(small_config)
    changed = MARKDOWN.replace("$25", "$30").split("## How to book")[0]  # one passage changed, one removed
    (articles / "bike-rentals.md").write_text(changed, encoding="utf-8")
    client = get_client(small_config)
    real_upsert = client.upsert

    def failing_upsert(collection_name, points, **kwargs):
        if any(p.payload["article_id"] == "bike-rentals" for p in points):
            raise ConnectionError("network down")
        return real_upsert(collection_name, points=points, **kwargs)

    monkeypatch.setattr(client, "upsert", failing_upsert)
    with pytest.raises(KnowledgeStoreError, match="network down"):
        ingest(small_config, embedder=embedder)
    monkeypatch.undo()
    assert texts(small_config) == old  # not half-written: the old version, including the section removed since
    report = ingest(small_config, embedder=embedder)  # the next run completes the change
    assert (report.updated, report.removed) == (1, 1)


def test_model_with_other_dimension_needs_recreate(small_config, articles, embedder):
    ingest(small_config, embedder=embedder)
    (articles / "bike-rentals.md").write_text(MARKDOWN.replace("$25", "$31"), encoding="utf-8")

    class SmallModel(CountingEmbedder):
        def encode(self, texts):
            return [[0.1] * 8 for _ in texts]

    with pytest.raises(IngestError, match="--recreate"):
        ingest(small_config, embedder=SmallModel(embedder))


def test_missing_source_folder_is_an_error(small_config, embedder):
    with pytest.raises(IngestError, match="does not exist"):
        ingest(replace(small_config, knowledge_dir=small_config.knowledge_dir / "nope"), embedder=embedder)
    with pytest.raises(IngestError, match="no help-center files"):
        ingest(small_config, embedder=embedder)


def test_cli_report_exit_codes_and_recreate(articles, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("QDRANT_PATH", str(tmp_path / "cli-qdrant"))
    monkeypatch.setenv("KNOWLEDGE_COLLECTION", "cli_test")
    assert main(["--source", str(articles)]) == 0
    out = capsys.readouterr().out
    assert "articles: 3" in out and "9 added, 0 updated, 0 unchanged, 0 removed" in out

    (articles / "empty.txt").write_text("", encoding="utf-8")
    assert main(["--source", str(articles), "--strict"]) == 1
    out = capsys.readouterr().out
    assert "0 added, 0 updated, 9 unchanged" in out and "- empty.txt: empty file" in out

    assert main(["--source", str(articles), "--recreate"]) == 0
    assert "9 added" in capsys.readouterr().out

    assert main(["--source", str(articles / "missing")]) == 1
    assert "does not exist" in capsys.readouterr().err

    monkeypatch.setenv("KNOWLEDGE_TOP_K", "lots")
    assert main(["--source", str(articles)]) == 2
    assert "KNOWLEDGE_TOP_K" in capsys.readouterr().err


def test_cli_explains_a_locked_local_store(help_center_config, help_center_ingest):
    """The session holds the local Qdrant folder open, like a running action server would."""
    env = {"QDRANT_PATH": str(help_center_config.qdrant_path), "PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "actions.knowledge.ingest"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "open in another process" in result.stderr and "QDRANT_URL" in result.stderr

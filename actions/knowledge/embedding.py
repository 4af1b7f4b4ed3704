"""The sentence-transformers model (all-MiniLM-L6-v2), loaded offline from a local folder, on CPU.

The model is loaded on first use, once per process and model path (`get_embedder`). Importing
this module does not import torch.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from actions.knowledge.config import ConfigError

if TYPE_CHECKING:
    import numpy as np

_FINGERPRINT_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json")
_CACHE_SIZE = 4096
MAX_PINNED = 20_000  # answer units embedded at start-up (about 30 MB); a bigger help center embeds the rest on use


class Embedder:
    """Encodes texts into L2-normalised vectors (so a dot product is the cosine similarity)."""

    def __init__(self, model_path: Path, device: str = "cpu") -> None:
        self.model_path = Path(model_path)
        self.device = device
        self._model = None
        self._lock = threading.Lock()
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pinned: dict[str, np.ndarray] = {}
        self._cache_lock = threading.Lock()
        self._vocabulary: frozenset[str] | None = None

    @property
    def model(self):
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def fingerprint(self) -> str:
        """Short identity of the model files, stored with each passage so a model swap re-embeds."""
        _check_model_dir(self.model_path)
        digest = hashlib.blake2b(digest_size=8)
        for name in _FINGERPRINT_FILES:
            path = self.model_path / name
            if path.is_file():
                digest.update(name.encode() + path.read_bytes())
        for path in sorted(self.model_path.glob("*.safetensors")) + sorted(self.model_path.glob("*.bin")):
            digest.update(f"{path.name}:{path.stat().st_size}".encode())
        return digest.hexdigest()

    def encode(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Normalised float32 vectors, one row per text."""
        return self.model.encode(
            list(texts),
            batch_size=batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )

    def encode_cached(self, texts: Sequence[str]) -> np.ndarray:
        """Like `encode`, remembering recent texts (queries, answer sentences) in an LRU cache."""
        import numpy as np

        with self._cache_lock:
            known = {t: self._pinned[t] for t in texts if t in self._pinned}
            known.update({t: self._cache[t] for t in texts if t in self._cache and t not in known})
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            known.update(zip(missing, self.encode(missing)))
        with self._cache_lock:
            for text in dict.fromkeys(texts):
                if text in self._pinned:
                    continue
                self._cache[text] = known[text]
                self._cache.move_to_end(text)
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.vstack([known[t] for t in texts])

    def pin(self, texts: Sequence[str], limit: int = MAX_PINNED) -> int:
        """Embed `texts` now and keep them for good (outside the LRU cache), up to `limit` in all;
        returns how many are pinned. Used for the help center's answer units at start-up."""
        with self._cache_lock:
            room = max(0, limit - len(self._pinned))
            new = [t for t in dict.fromkeys(texts) if t not in self._pinned][:room]
        for start in range(0, len(new), 256):
            batch = new[start:start + 256]
            vectors = self.encode(batch)
            with self._cache_lock:
                self._pinned.update(zip(batch, vectors))
        return len(self._pinned)

    def vocabulary(self) -> frozenset[str]:
        """Whole words of the model's WordPiece vocabulary (a small English dictionary), if it has one."""
        if self._vocabulary is None:
            path = self.model_path / "vocab.txt"
            text = path.read_text(encoding="utf-8") if path.is_file() else ""
            self._vocabulary = frozenset(w for w in text.split("\n") if w.isalpha() and w.islower())
        return self._vocabulary

    def clear_cache(self) -> None:
        """Forget cached vectors (benchmarks measuring cold queries)."""
        with self._cache_lock:
            self._cache.clear()

    def _load(self):
        _check_model_dir(self.model_path)
        os.environ["HF_HUB_OFFLINE"] = "1"
        os.environ["TRANSFORMERS_OFFLINE"] = "1"
        os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
        return SentenceTransformer(str(self.model_path), device=self.device, local_files_only=True)


def _check_model_dir(path: Path) -> None:
    if not path.is_dir() or not (path / "modules.json").is_file() and not (path / "config.json").is_file():
        raise ConfigError(
            f"EMBEDDING_MODEL_PATH={path} is not a sentence-transformers model folder "
            "(expected config.json / modules.json there)"
        )


_embedders_lock = threading.Lock()


@lru_cache(maxsize=4)
def _embedder_for(path: str) -> Embedder:
    return Embedder(Path(path))


def get_embedder(model_path: Path) -> Embedder:
    """The process-wide embedder for a model folder (the model itself loads on first use)."""
    with _embedders_lock:
        return _embedder_for(str(Path(model_path).resolve()))

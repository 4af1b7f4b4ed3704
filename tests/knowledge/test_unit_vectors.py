"""Answer units are embedded once at start-up and kept, so a first question costs what later ones do."""

from __future__ import annotations

import numpy as np

from actions.knowledge.answer import unit_texts
from actions.knowledge.passages import Passage


def test_pinned_vectors_survive_cache_clears_and_match_fresh_ones(embedder):
    passage = Passage("p#x", "p", "Gift Cards", "Expiry", "payments", "Gift cards never expire.\n- No fees")
    texts = unit_texts([passage])
    assert texts == ["Gift Cards – Expiry: Gift cards never expire.", "Gift Cards – Expiry: - No fees"]
    embedder.pin(texts)
    embedder.clear_cache()
    pinned = embedder.encode_cached(texts)
    assert np.allclose(pinned, embedder.encode(texts), atol=1e-5)


def test_pinning_stops_at_its_limit(embedder):
    before = embedder.pin([])
    assert embedder.pin([f"unit number {n}" for n in range(5)], limit=before + 2) == before + 2

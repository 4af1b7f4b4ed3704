"""Finding the passages that answer a question: hybrid (dense + BM25, RRF-fused) search in Qdrant.

Every returned `Passage.score` is a calibrated relevance in [0, 1], comparable across queries:

    relevance = DENSE_WEIGHT * cosine(question, passage) + (1 - DENSE_WEIGHT) * coverage

where `coverage` is the IDF-weighted share of the question's content words that occur in the
passage (title and section included); a passage sharing no content word with the question gets
NO_OVERLAP_FACTOR times that. Fused RRF scores are only ranks, so they are used to gather
candidates, not for the "no good answer" decision; `answer.py` compares this relevance with the
threshold (KNOWLEDGE_SCORE_THRESHOLD, tuned with scripts/bench_knowledge.py --sweep).

Misspelt words (not in the help center and not English words per the model's vocabulary) are
corrected to the nearest help-center word. Corpus statistics are re-read every 5 minutes, so
a running server picks up re-ingestion into a Qdrant server.

Follow-ups ("what about the UK?") are detected by length and wording; for them the previous
user message is prepended and both searches are merged. In a message of several sentences, the
part that asks is also searched on its own ("I saw it cheaper elsewhere. Do you price match?",
see `question_sentence`), and each passage keeps its best relevance, so context sentences can't
dilute the question.

Finally, passages of an article that has several candidates close to its best are ranked a
little higher (ARTICLE_BONUS per unit of support), so near ties go to the article most
candidates agree on; scores never rise above the best unboosted relevance.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from actions.knowledge.chunking import embedding_text
from actions.knowledge.followups import asked_part, with_context
from actions.knowledge.index import (
    DENSE_VECTOR,
    SPARSE_VECTOR,
    KnowledgeStoreError,
    all_passages,
    passage_from_payload,
    point_id,
)
from actions.knowledge.passages import Passage
from actions.knowledge.sparse import BM25Index, query_vector, stem, tokenize, words

if TYPE_CHECKING:
    import numpy as np
    from qdrant_client import QdrantClient

    from actions.knowledge.embedding import Embedder

Method = Literal["hybrid", "dense", "bm25"]

DENSE_WEIGHT = 0.8
CANDIDATES = 20  # passages fetched per search before scoring
PREFETCH = 30  # passages each of the dense and sparse searches contributes to the fusion
NO_OVERLAP_FACTOR = 0.9
FOLLOW_UP_ALONE_FACTOR = 0.9  # a follow-up searched without its context counts a little less
ARTICLE_BONUS = 0.02  # per unit of support from other passages of the same article ...
ARTICLE_MARGIN = 0.1  # ... counting those within this of the article's best passage, linearly
ARTICLE_MAX_SUPPORT = 2.0
CORPUS_TTL_SECONDS = 300.0  # how often the lexical statistics are re-read from Qdrant


@dataclass(frozen=True)
class QueryAnalysis:
    """A question's content terms (after spelling correction against the corpus) and their weights."""

    text: str  # the question with corrected words, as embedded
    terms: tuple[str, ...]
    weights: tuple[float, ...]  # IDF of each term; words unknown to the help center get the maximum


class _Corpus:
    """Lexical statistics of the collection (document frequencies, vocabulary) and the BM25 baseline."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        surface = [words(embedding_text(p)) for p in passages]
        self.terms = [[stem(word) for word in passage_words] for passage_words in surface]
        self.term_sets = {p.id: set(t) for p, t in zip(passages, self.terms)}
        self.df: Counter[str] = Counter()
        for terms in self.terms:
            self.df.update(set(terms))
        self.n = max(1, len(passages))
        self.max_idf = math.log(1 + self.n / 0.5)
        self.words = {w for ws in surface for w in ws if len(w) >= 4 and not w.isdigit()}  # for spelling correction
        self.words |= {w[:-1] for w in self.words if w.endswith("s") and not w.endswith("ss")}  # singulars
        self._bm25: BM25Index | None = None
        self._deletions = _deletion_index(self.words)  # built now, not on a customer's first typo
        self.loaded_at = time.monotonic()

    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            self._bm25 = BM25Index(self.terms)
        return self._bm25

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5)) if df else self.max_idf

    def correct(self, word: str) -> str | None:
        """The corpus word closest to a misspelt `word` (edit distance 1, or 2 for long words)."""
        if len(word) < 5 or word.isdigit() or word in self.words:
            return None
        limit = 1 if len(word) < 8 else 2
        best: tuple[int, int, str] | None = None
        for candidate in self._candidates(word, limit):
            if abs(len(candidate) - len(word)) > limit:
                continue
            distance = _edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -self.df.get(stem(candidate), 0), candidate)
                if best is None or key < best:
                    best = key
        return best[2] if best else None

    def _candidates(self, word: str, limit: int) -> set[str]:
        """Corpus words that share a deletion variant with `word`: every word within `limit`
        edits does (symmetric deletion), so only these need the edit distance."""
        found: set[str] = set()
        for variant in _deletions(word, limit):
            found |= self._deletions.get(variant, set())
        return found


class Retriever:
    """Hybrid search over one Qdrant collection, plus dense-only and BM25 baselines."""

    def __init__(
        self,
        client: QdrantClient,
        collection: str,
        embedder: Embedder,
        *,
        dense_weight: float = DENSE_WEIGHT,
        corpus_ttl: float = CORPUS_TTL_SECONDS,
    ) -> None:
        self.client = client
        self.collection = collection
        self.embedder = embedder
        self.dense_weight = dense_weight
        self.corpus_ttl = corpus_ttl
        self._corpus: _Corpus | None = None
        self._corpus_lock = threading.Lock()

    # -- public API -------------------------------------------------------------------------

    def search(
        self,
        query: str,
        context: str | None = None,
        k: int = 5,
        method: Method = "hybrid",
        rerank: bool | None = None,
    ) -> list[Passage]:
        """The k most relevant passages, each with its calibrated relevance as `score`.

        `method="hybrid"` fuses dense and BM25 candidates with RRF in Qdrant and re-ranks them by
        relevance; `"dense"` and `"bm25"` are the baselines, kept in their own order unless
        `rerank=True`. `context` is the previous user message; it is used only when `query`
        looks like a follow-up, by searching with and without it and keeping each passage's
        best relevance. With context, the word coverage still counts only the follow-up's own
        words ("is there parking?" must find "parking"), so the previous topic isn't simply
        answered again. With re-ranking, the question sentence of a longer message is searched
        on its own too (see `question_sentence`), and near ties go to the article with several
        strong passages (see `_with_article_support`).
        """
        query = (query or "").strip()
        if not query:
            return []
        if rerank is None:
            rerank = method == "hybrid"
        analysis = self.analyse(query)
        results = self._search_one(analysis, analysis, method, rerank)
        combined_query = with_context(query, context)
        if combined_query:
            combined_analysis = self.analyse(combined_query)
            coverage_of = analysis if analysis.terms else combined_analysis
            combined = self._search_one(combined_analysis, coverage_of, method, rerank)
            alone = [replace(p, score=p.score * FOLLOW_UP_ALONE_FACTOR) for p in results]
            results = _merge([combined, alone])
        focus = question_sentence(query)
        if focus and rerank:
            focus_analysis = self.analyse(focus)
            focused = self._search_one(focus_analysis, focus_analysis, method, rerank)
            results = _merge([results, focused])
        if rerank:
            results = _with_article_support(results)
        return results[:k]

    def analyse(self, text: str) -> QueryAnalysis:
        """Content terms of a question with IDF weights.

        A word that is neither in the help center nor an English word (per the model's
        vocabulary) is replaced by the closest help-center word, if one is 1-2 edits away.
        """
        corpus = self.corpus()
        dictionary = self.embedder.vocabulary()
        corrected_text = text
        for word in set(words(text)):
            if stem(word) in corpus.df or word in dictionary:  # known to the help center, or real English
                continue
            fixed = corpus.correct(word)
            if fixed:
                corrected_text = re.sub(rf"\b{re.escape(word)}\b", fixed, corrected_text, flags=re.I)
        terms = tuple(dict.fromkeys(tokenize(corrected_text)))
        return QueryAnalysis(corrected_text, terms, tuple(corpus.idf(t) for t in terms))

    def corpus(self) -> _Corpus:
        """The lexical statistics, re-read from Qdrant every `corpus_ttl` seconds."""
        corpus = self._corpus
        if corpus is None or time.monotonic() - corpus.loaded_at > self.corpus_ttl:
            with self._corpus_lock:
                corpus = self._corpus
                if corpus is None or time.monotonic() - corpus.loaded_at > self.corpus_ttl:
                    if not self.client.collection_exists(self.collection):
                        raise KnowledgeStoreError(
                            f"collection {self.collection!r} does not exist: run "
                            "`python -m actions.knowledge.ingest` first"
                        )
                    passages = all_passages(self.client, self.collection)
                    if corpus is not None and corpus.passages == passages:
                        corpus.loaded_at = time.monotonic()  # unchanged: keep the statistics
                    else:
                        corpus = self._corpus = _Corpus(passages)
        return corpus

    def refresh(self) -> None:
        """Forget cached statistics (after an ingestion in this process)."""
        with self._corpus_lock:
            self._corpus = None

    # -- internals --------------------------------------------------------------------------

    def _search_one(
        self, analysis: QueryAnalysis, coverage_of: QueryAnalysis, method: Method, rerank: bool
    ) -> list[Passage]:
        """All candidates of one query with their relevance (best first when `rerank`)."""
        query_vector_dense = self.embedder.encode_cached([analysis.text])[0]
        if method == "hybrid":
            candidates = self._hybrid(query_vector_dense, analysis)
        elif method == "dense":
            candidates = self._dense(query_vector_dense)
        elif method == "bm25":
            candidates = self._bm25(analysis)
        else:
            raise ValueError(f"unknown search method {method!r}")
        scored = [
            replace(passage, score=self._relevance(query_vector_dense, vector, coverage_of, passage))
            for passage, vector in candidates
        ]
        if rerank:
            scored.sort(key=lambda p: -p.score)
        return scored

    def _relevance(
        self, query_vec: np.ndarray, passage_vec: Sequence[float], analysis: QueryAnalysis, passage: Passage
    ) -> float:
        import numpy as np

        cosine = float(query_vec @ np.asarray(passage_vec, dtype=query_vec.dtype)) if len(passage_vec) else 0.0
        total = sum(analysis.weights)
        if not total:
            return max(0.0, cosine)
        present = self.corpus().term_sets.get(passage.id, set())
        coverage = sum(w for t, w in zip(analysis.terms, analysis.weights) if t in present) / total
        relevance = self.dense_weight * cosine + (1 - self.dense_weight) * coverage
        if coverage == 0.0:  # not one word of the question in the passage: likely a near miss
            relevance *= NO_OVERLAP_FACTOR
        return max(0.0, relevance)

    def _hybrid(self, dense: np.ndarray, analysis: QueryAnalysis) -> list[tuple[Passage, list[float]]]:
        from qdrant_client import models

        prefetch = [models.Prefetch(query=dense.tolist(), using=DENSE_VECTOR, limit=PREFETCH)]
        indices, values = query_vector(analysis.terms)
        if indices:
            prefetch.append(
                models.Prefetch(
                    query=models.SparseVector(indices=indices, values=values), using=SPARSE_VECTOR, limit=PREFETCH
                )
            )
        response = self.client.query_points(
            self.collection,
            prefetch=prefetch,
            query=models.FusionQuery(fusion=models.Fusion.RRF),
            limit=CANDIDATES,
            with_payload=True,
            with_vectors=[DENSE_VECTOR],
        )
        return [(passage_from_payload(p.payload or {}), _dense_of(p)) for p in response.points]

    def _dense(self, dense: np.ndarray) -> list[tuple[Passage, list[float]]]:
        response = self.client.query_points(
            self.collection,
            query=dense.tolist(),
            using=DENSE_VECTOR,
            limit=CANDIDATES,
            with_payload=True,
            with_vectors=[DENSE_VECTOR],
        )
        return [(passage_from_payload(p.payload or {}), _dense_of(p)) for p in response.points]

    def _bm25(self, analysis: QueryAnalysis) -> list[tuple[Passage, list[float]]]:
        corpus = self.corpus()
        hits = corpus.bm25.top(analysis.terms, CANDIDATES)
        if not hits:
            return []
        passages = [corpus.passages[i] for i, _ in hits]
        points = self.client.retrieve(
            self.collection, ids=[point_id(p.id) for p in passages], with_payload=False, with_vectors=[DENSE_VECTOR]
        )
        vectors = {str(p.id): _dense_of(p) for p in points}
        return [(p, vectors.get(point_id(p.id), [])) for p in passages]


def _dense_of(point: object) -> list[float]:
    vector = getattr(point, "vector", None)
    if isinstance(vector, dict):
        return list(vector.get(DENSE_VECTOR) or [])
    return list(vector or [])


def _merge(result_lists: list[list[Passage]]) -> list[Passage]:
    """Union of several result lists, keeping each passage's best relevance, best first."""
    best: dict[str, Passage] = {}
    for results in result_lists:
        for passage in results:
            if passage.id not in best or passage.score > best[passage.id].score:
                best[passage.id] = passage
    return sorted(best.values(), key=lambda p: -p.score)


def _with_article_support(passages: list[Passage]) -> list[Passage]:
    """Re-rank so that near ties go to the article several candidate passages agree on.

    An article's support is the sum, over its passages other than its best, of how close each
    is to that best (1 when tied, 0 at ARTICLE_MARGIN below), capped at ARTICLE_MAX_SUPPORT.
    Passages are ranked by relevance + ARTICLE_BONUS * support of their article. Scores are
    capped at the best unboosted relevance, so the threshold decision is unchanged.
    """
    by_article: dict[str, list[float]] = {}
    for passage in passages:
        by_article.setdefault(passage.article_id, []).append(passage.score)
    bonus: dict[str, float] = {}
    for article, scores in by_article.items():
        best, *others = sorted(scores, reverse=True)
        support = sum(max(0.0, 1.0 - (best - s) / ARTICLE_MARGIN) for s in others)
        bonus[article] = ARTICLE_BONUS * min(support, ARTICLE_MAX_SUPPORT)
    top = max((p.score for p in passages), default=0.0)
    ranked = sorted(passages, key=lambda p: -(p.score + bonus[p.article_id]))
    return [replace(p, score=min(top, p.score + bonus[p.article_id])) for p in ranked]


def question_sentence(message: str) -> str | None:
    """The part of a longer message that asks, searched on its own (see `followups.asked_part`).

    "I saw it cheaper elsewhere. Do you price match?" gives "Do you price match?". None for a
    one-sentence message, one where nothing or everything asks, or a question of fewer than two
    content words.
    """
    asked = asked_part(message)
    if not asked or asked == message.strip() or len(tokenize(asked)) < 2:
        return None
    return asked


def _deletion_index(vocabulary: set[str]) -> dict[str, set[str]]:
    """Each deletion variant of the vocabulary's words (2 letters for words of 6 or more, where
    a misspelling of 8 letters may be 2 edits away; else 1) -> the words it comes from."""
    index: dict[str, set[str]] = {}
    for known in vocabulary:
        for variant in _deletions(known, 2 if len(known) >= 6 else 1):
            index.setdefault(variant, set()).add(known)
    return index


def _deletions(word: str, depth: int) -> set[str]:
    """`word` and every string made by deleting up to `depth` of its letters."""
    found, frontier = {word}, {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1:] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (adjacent swaps count 1), giving up above `limit`."""
    previous2: list[int] | None = None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if previous2 is not None and i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]

"""Lexical side of retrieval: tokenizer, BM25 sparse vectors for Qdrant, and an in-memory BM25.

Terms are lowercased, stop words dropped and words stemmed with the Snowball English stemmer.
Term ids are a hash of the stem (no vocabulary to keep in sync across incremental runs).
Document vectors carry BM25's saturated term frequency with a fixed average length, so a
passage's vector never depends on the rest of the corpus; Qdrant's `Modifier.IDF` supplies the
IDF part at query time.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import snowballstemmer

TOKENIZER_VERSION = "4"  # bump when terms change, so ingestion rewrites every sparse vector
BM25_K1 = 1.2
BM25_B = 0.75
BM25_AVG_LEN = 40.0  # typical passage length in terms (fixed so vectors stay stable between runs)

STOP_WORDS = frozenset(
    """
    a about above after again against all am an and any are aren't as at be because been before being below
    between both but by can can't cannot could couldn't did didn't do does doesn't doing don't down during each
    few for from further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself
    him himself his how how's i i'd i'll i'm i've if in into is isn't it it's its itself let's me more most
    mustn't my myself no nor not of off on once only or other ought our ours ourselves out over own same shan't
    she she'd she'll she's should shouldn't so some such than that that's the their theirs them themselves then
    there there's these they they'd they'll they're they've this those through to too under until up very was
    wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while who who's
    whom why why's with won't would wouldn't you you'd you'll you're you've your yours yourself yourselves
    us hi hello hey thanks thank please pls plz ok okay just also still get got want wanna need yes yeah u ur im
    dont cant wont didnt doesnt isnt whats hows
    actual actually kindly provide really basically literally maybe perhaps wondering wonder know tell like
    thing things stuff something someone anyone quick quickly question lol btw tho though hoping hope guys sure
    currently totally
    northwind northwind's outfitters outfitter
    """.split()
)  # the last two lines: chat filler, and our own name (in every article and every question about us)

# Multi-word names and country codes folded into one term on both sides (documents and queries).
_PHRASES = [
    (re.compile(r"(?i:\bunited\s+states\b)|\bU\.S\.(?:A\.)?|\bUSA?\b"), " usa "),
    (re.compile(r"\bunited\s+kingdom\b|\bU\.K\.(?!\w)|\bUK\b|\b(?:great\s+)?britain\b|\bbritish\b|\bengland\b",
                re.I), " uk "),
    (re.compile(r"\beuropean\s+union\b|\bEU\b", re.I), " eu "),
    (re.compile(r"\b2fa\b|\btwo[- ]factor\b", re.I), " twofactor "),
    (re.compile(r"\be-?mail\b", re.I), " email "),
]
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:['’][a-z]+)?")
_stemmer = snowballstemmer.stemmer("english")


@lru_cache(maxsize=50_000)
def stem(word: str) -> str:
    """Snowball English stem of a lowercase word."""
    return _stemmer.stemWord(word)


def words(text: str) -> list[str]:
    """Lowercase content words of `text`, unstemmed (stop words and 1-letter words removed)."""
    for pattern, replacement in _PHRASES:
        text = pattern.sub(replacement, text)
    out = []
    for token in _TOKEN_RE.findall(text.lower()):
        token = token.replace("’", "'")
        if token in STOP_WORDS or (len(token) < 2 and not token.isdigit()):
            continue
        out.append(token[:-2] if token.endswith("'s") else token)
    return out


def tokenize(text: str) -> list[str]:
    """Stemmed content terms of `text`, in order."""
    return [stem(word) for word in words(text)]


def term_id(term: str) -> int:
    """Stable 32-bit id of a term (crc32), used as the sparse vector index."""
    return zlib.crc32(term.encode("utf-8"))


def document_vector(terms: Sequence[str]) -> tuple[list[int], list[float]]:
    """BM25 term weights (without IDF) of one passage as (indices, values)."""
    counts = Counter(terms)
    norm = BM25_K1 * (1 - BM25_B + BM25_B * len(terms) / BM25_AVG_LEN)
    weights: dict[int, float] = {}
    for term, tf in counts.items():
        tid = term_id(term)
        weights[tid] = weights.get(tid, 0.0) + tf * (BM25_K1 + 1) / (tf + norm)
    indices = sorted(weights)
    return indices, [weights[i] for i in indices]


def query_vector(terms: Iterable[str]) -> tuple[list[int], list[float]]:
    """Query side: weight 1 per distinct term (Qdrant multiplies in the IDF)."""
    indices = sorted({term_id(term) for term in terms})
    return indices, [1.0] * len(indices)


class BM25Index:
    """Classic Okapi BM25 over a fixed list of documents, in memory (the benchmark baseline)."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = BM25_K1, b: float = BM25_B) -> None:
        self.k1, self.b = k1, b
        self.doc_terms = [Counter(doc) for doc in documents]
        self.doc_len = [len(doc) for doc in documents]
        self.avg_len = sum(self.doc_len) / len(documents) if documents else 0.0
        df: Counter[str] = Counter()
        for counts in self.doc_terms:
            df.update(counts.keys())
        n = len(documents)
        self.idf = {term: math.log(1 + (n - freq + 0.5) / (freq + 0.5)) for term, freq in df.items()}

    def scores(self, query_terms: Iterable[str]) -> list[float]:
        """BM25 score of every document for the query."""
        terms = set(query_terms)
        out = []
        for counts, length in zip(self.doc_terms, self.doc_len):
            norm = self.k1 * (1 - self.b + self.b * length / (self.avg_len or 1.0))
            score = 0.0
            for term in terms:
                tf = counts.get(term)
                if tf:
                    score += self.idf[term] * tf * (self.k1 + 1) / (tf + norm)
            out.append(score)
        return out

    def top(self, query_terms: Iterable[str], k: int) -> list[tuple[int, float]]:
        """(document index, score) of the k best documents with a score above zero."""
        ranked = sorted(enumerate(self.scores(query_terms)), key=lambda item: -item[1])
        return [(i, s) for i, s in ranked[:k] if s > 0]

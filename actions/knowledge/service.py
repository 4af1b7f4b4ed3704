"""What the Rasa actions call: `answer_question()` and `search_passages()`.

Everything heavy (Qdrant client, embedding model, lexical statistics) is created on first use,
once per process; importing this module is cheap and does not import torch or qdrant_client.

    from actions.knowledge.service import answer_question
    answer = answer_question(text, previous_user_message=prev)
    if answer.found: ...  # answer.text ends with "Source: <title> (<id>)"
    else: ...             # offer a human / create a ticket
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import TYPE_CHECKING

from actions.knowledge.config import KnowledgeConfig
from actions.knowledge.passages import Answer, Passage

if TYPE_CHECKING:
    from actions.knowledge.embedding import Embedder
    from actions.knowledge.retrieval import Retriever

log = logging.getLogger(__name__)

UNAVAILABLE_TEXT = "Sorry, I can't search our help center right now."


class KnowledgeBase:
    """Retrieval and extractive answers over the configured collection (lazily initialised)."""

    def __init__(self, config: KnowledgeConfig) -> None:
        self.config = config
        self._retriever: Retriever | None = None
        self._lock = threading.Lock()

    @property
    def retriever(self) -> Retriever:
        if self._retriever is None:
            with self._lock:
                if self._retriever is None:
                    from actions.knowledge.embedding import get_embedder
                    from actions.knowledge.index import get_client
                    from actions.knowledge.retrieval import Retriever

                    self._retriever = Retriever(
                        get_client(self.config),
                        self.config.collection,
                        get_embedder(self.config.embedding_model_path),
                    )
        return self._retriever

    @property
    def embedder(self) -> Embedder:
        return self.retriever.embedder

    def search(self, question: str, previous_user_message: str | None = None, k: int | None = None) -> list[Passage]:
        """Best passages for the question, each with its calibrated relevance in `score`.

        Raises `KnowledgeStoreError` when Qdrant or the collection is unavailable.
        """
        from actions.knowledge.index import store_errors

        with store_errors(self.config):
            passages = self.retriever.search(question, context=previous_user_message, k=k or self.config.top_k)
        return [replace(p, url=self.config.article_link(p.article_id, p.url)) for p in passages]

    def answer(self, question: str, previous_user_message: str | None = None) -> Answer:
        """Extractive answer with its source, or `mode="none"` when nothing relevant enough was found."""
        from actions.knowledge.answer import compose_extractive

        passages = self.search(question, previous_user_message)
        return compose_extractive(
            question,
            passages,
            threshold=self.config.score_threshold,
            embedder=self.embedder,
            previous_user_message=previous_user_message,
        )

    def warm_up(self) -> None:
        """Load the model and statistics now (e.g. when the action server starts)."""
        from actions.knowledge.index import store_errors

        with store_errors(self.config):
            self.retriever.corpus()
        self.embedder.encode_cached(["warm up"])


_instance: KnowledgeBase | None = None
_instance_lock = threading.Lock()


def get_knowledge_base() -> KnowledgeBase:
    """The process-wide knowledge base, configured from the environment on first call."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                _instance = KnowledgeBase(KnowledgeConfig.from_env())
    return _instance


def answer_question(question: str, previous_user_message: str | None = None) -> Answer:
    """The answer the assistant gives to a help-center question (never raises for store outages).

    When the vector store is unreachable or not ingested yet, the error is logged and a
    `mode="none"` answer is returned, so the conversation can fall back to a human.
    """
    from actions.knowledge.index import KnowledgeStoreError

    try:
        return get_knowledge_base().answer(question, previous_user_message)
    except KnowledgeStoreError as exc:
        log.error("knowledge base unavailable: %s", exc)
        return Answer(text=UNAVAILABLE_TEXT, sources=[], mode="none", confidence=0.0)


def search_passages(question: str, previous_user_message: str | None = None, k: int | None = None) -> list[Passage]:
    """Passages for an LLM prompt (best first, `score` = calibrated relevance; may raise KnowledgeStoreError)."""
    return get_knowledge_base().search(question, previous_user_message, k)

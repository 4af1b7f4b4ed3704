"""The one place that answers a help-center question: retrieve → generate → extract → refuse.

    from actions.knowledge.service import get_knowledge_service
    answer = get_knowledge_service().answer(text, previous_user_message=prev)
    if answer.found: ...          # answer.text, answer.sources (the passages it quotes)
    elif answer.unavailable: ...  # the help center can't be searched right now
    else: ...                     # the help center doesn't answer it: offer a person

1. **Retrieve**: hybrid search in Qdrant; each passage carries a calibrated relevance.
2. **Generate**: when an LLM is configured, it writes the answer from the passages above the
   threshold, validated and cited (`actions.llm.grounded`); if it says they don't answer, so do we.
3. **Extract**: without an LLM, or when it fails, the answer is quoted from the best passage
   (`actions.knowledge.answer`).
4. **Refuse**: nothing relevant enough, or a question the help center can't answer, gets
   `mode="none"`; a store outage gets `mode="unavailable"`. `answer()` never raises.

Everything heavy (Qdrant client, embedding model, lexical statistics, the LLM) is created on
first use, once per process; importing this module is cheap.
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
    from actions.llm.client import LLMClient

log = logging.getLogger(__name__)


class KnowledgeService:
    """Answers from the configured collection, with the LLM when one is given."""

    def __init__(self, config: KnowledgeConfig, llm: LLMClient | None = None) -> None:
        self.config = config
        self.llm = llm
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
        """The assistant's answer to `question` (see the module docstring); never raises."""
        from actions.knowledge.answer import compose_extractive
        from actions.knowledge.index import KnowledgeStoreError

        try:
            passages = self._search_each_part(question, previous_user_message)
        except KnowledgeStoreError as exc:
            log.error("knowledge base unavailable: %s", exc)
            return Answer(text="", mode="unavailable")
        threshold = self.config.score_threshold
        relevant = [p for p in passages if p.score >= threshold]
        if relevant and self.llm is not None:
            from actions.llm.grounded import generate_grounded_answer

            generated = generate_grounded_answer(question, relevant, self.llm, previous_user_message)
            if generated is not None:
                return generated
        return compose_extractive(question, passages, threshold=threshold, embedder=self.embedder,
                                  previous_user_message=previous_user_message)

    def _search_each_part(self, question: str, previous_user_message: str | None) -> list[Passage]:
        """The question's passages, and each part's when it has two, each with its best relevance."""
        from actions.knowledge.answer import question_parts

        passages = self.search(question, previous_user_message)
        parts = question_parts(question)
        if len(parts) < 2:
            return passages
        best = {p.id: p for p in passages}
        for part in parts:
            for passage in self.search(part, previous_user_message):
                if passage.id not in best or passage.score > best[passage.id].score:
                    best[passage.id] = passage
        return sorted(best.values(), key=lambda p: -p.score)

    def warm_up(self) -> None:
        """Load the model, the statistics, every answer unit's vector and the LLM now (e.g. when
        the action server starts), so the first question costs what the others do."""
        from actions.knowledge.answer import compose_extractive, unit_texts
        from actions.knowledge.index import store_errors

        with store_errors(self.config):
            corpus = self.retriever.corpus()
            self.embedder.pin(unit_texts(corpus.passages))
            question = "warm up: how long do refunds take?"
            compose_extractive(question, self.search(question), embedder=self.embedder)
        if self.llm is not None:
            try:
                self.llm.warm_up()
            except Exception:  # the first answer falls back to extractive and logs the problem
                log.exception("LLM warm-up failed")


_instance: KnowledgeService | None = None
_instance_lock = threading.Lock()


def get_knowledge_service() -> KnowledgeService:
    """The process-wide service, configured from the environment on first call."""
    global _instance
    if _instance is None:
        with _instance_lock:
            if _instance is None:
                from actions.llm import get_llm

                _instance = KnowledgeService(KnowledgeConfig.from_env(), get_llm())
    return _instance

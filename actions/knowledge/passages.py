"""Data shared by retrieval and answer composition (extractive or LLM)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Passage:
    """One retrieved help-center passage (a section of an article)."""

    id: str  # stable passage id, e.g. "return-policy#how-long-you-have"
    article_id: str
    title: str  # article title
    section: str  # section heading ("" for the article's lead text)
    category: str
    text: str
    url: str | None = None
    score: float = 0.0


@dataclass
class Answer:
    """What the assistant says for a knowledge question, with the passages it relied on."""

    text: str
    sources: list[Passage] = field(default_factory=list)
    mode: str = "none"  # "extractive", "llm", "none" (the help center doesn't answer it) or "unavailable"
    confidence: float = 0.0

    @property
    def found(self) -> bool:
        return self.mode in ("extractive", "llm")

    @property
    def unavailable(self) -> bool:
        """The help center couldn't be searched (store down, not ingested yet)."""
        return self.mode == "unavailable"

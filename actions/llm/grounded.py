"""Answers written by the LLM from retrieved passages, validated before anyone sees them.

`generate_grounded_answer` returns one of three things:

- `Answer(mode="llm")`: a validated answer; its text ends with the line citing its articles
  (`actions.knowledge.citations`), like the extractive answer.
- `Answer(mode="none")` (so `answer.found` is False): the model read the passages and says they
  do not answer the question. The caller should say honestly that it does not know (and may
  offer a human), not fall back to an extractive guess. Its text is the extractive mode's
  `NO_ANSWER_TEXT`.
- `None`: no LLM configured, or it failed (timeout, model unavailable, unusable output). The
  caller falls back to `compose_extractive`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from actions.knowledge.citations import source_line
from actions.knowledge.passages import Answer, Passage
from actions.llm.client import LLMClient, LLMError, LLMOutputError
from actions.llm.json_output import clean_text
from actions.llm.prompts import FENCE_TAGS, grounded_messages

logger = logging.getLogger(__name__)

CONFIDENCE = {"high": 0.9, "medium": 0.7, "low": 0.4}  # the model's label -> Answer.confidence
MAX_ANSWER_CHARS = 900
MIN_ANSWER_CHARS = 2
MAX_SOURCES = 3
MAX_PASSAGE_CHARS = 2000  # one passage in the prompt (passages are ~180 words)
MAX_PASSAGES_CHARS = 8000  # all passages, when the model's context size is unknown
MAX_QUESTION_CHARS = 1500  # longer customer messages are cut (the start usually holds the question)

_SOURCE_LINE_RE = re.compile(r"(?:\A|\n)[ \t]*(?:sources?|references?)[ \t]*:.*\Z", re.IGNORECASE | re.DOTALL)
_FENCE_LEAK_RE = re.compile(r"</?\s*(?:" + "|".join(FENCE_TAGS) + r")\b", re.IGNORECASE)
_WORD_RE = re.compile(r"\w", re.UNICODE)


@dataclass(frozen=True)
class GroundedReply:
    """A model reply that passed validation."""

    answerable: bool
    answer: str = ""
    sources: tuple[Passage, ...] = ()
    confidence: float = 0.0


def grounded_answer_schema(
    passage_ids: Sequence[str], *, max_answer_chars: int = MAX_ANSWER_CHARS, max_sources: int = MAX_SOURCES
) -> dict[str, Any]:
    """The JSON schema of a grounded reply: an answer citing 1..max_sources of `passage_ids` with a
    confidence label, or `{"answerable": false}`."""
    answer = {
        "type": "object",
        "properties": {
            "answerable": {"const": True},
            "answer": {"type": "string", "minLength": MIN_ANSWER_CHARS, "maxLength": max_answer_chars},
            "sources": {
                "type": "array",
                "items": {"type": "string", "enum": list(passage_ids)},
                "minItems": 1,
                "maxItems": max(1, min(max_sources, len(passage_ids))),
            },
            "confidence": {"type": "string", "enum": list(CONFIDENCE)},
        },
        "required": ["answerable", "answer", "sources", "confidence"],
        "additionalProperties": False,
    }
    not_answerable = {
        "type": "object",
        "properties": {"answerable": {"const": False}},
        "required": ["answerable"],
        "additionalProperties": False,
    }
    return {"anyOf": [answer, not_answerable]}


def validate_grounded_reply(
    data: Any, passages: Sequence[Passage], *, max_answer_chars: int = MAX_ANSWER_CHARS
) -> GroundedReply:
    """Check a parsed reply against the retrieved passages; `LLMOutputError` says why it is unusable."""
    if not isinstance(data, dict):
        raise LLMOutputError("reply is not a JSON object")
    answerable = data.get("answerable")
    if not isinstance(answerable, bool):
        raise LLMOutputError("'answerable' must be true or false")
    if not answerable:
        return GroundedReply(answerable=False)
    answer = data.get("answer")
    if not isinstance(answer, str):
        raise LLMOutputError("'answer' must be a string")
    answer = _SOURCE_LINE_RE.sub("", clean_text(answer)).strip()  # we add the Source line ourselves
    if len(answer) < MIN_ANSWER_CHARS or not _WORD_RE.search(answer):
        raise LLMOutputError("empty answer although 'answerable' is true")
    if len(answer) > max_answer_chars:
        raise LLMOutputError(f"answer longer than {max_answer_chars} characters")
    if _FENCE_LEAK_RE.search(answer):
        raise LLMOutputError("answer contains prompt markup")
    by_id = {p.id: p for p in passages}
    cited = data.get("sources")
    if not isinstance(cited, list) or not cited:
        raise LLMOutputError("an answer must cite at least one passage")
    sources: list[Passage] = []
    for source_id in cited:
        if not isinstance(source_id, str) or source_id not in by_id:
            raise LLMOutputError(f"cites {source_id!r}, which was not retrieved")
        if by_id[source_id] not in sources:
            sources.append(by_id[source_id])
    label = data.get("confidence")
    if label not in CONFIDENCE:
        raise LLMOutputError(f"confidence must be one of {list(CONFIDENCE)}")
    return GroundedReply(answerable=True, answer=answer, sources=tuple(sources), confidence=CONFIDENCE[label])


def generate_grounded_answer(
    question: str,
    passages: Sequence[Passage],
    llm: LLMClient | None,
    previous_user_message: str | None = None,
    *,
    max_answer_chars: int = MAX_ANSWER_CHARS,
    max_sources: int = MAX_SOURCES,
    timeout: float | None = None,
) -> Answer | None:
    """The LLM's answer to `question` from `passages` (see the module docstring for the 3 outcomes).

    `passages` best first, as retrieved. `timeout` overrides `LLM_TIMEOUT_SECONDS` for this call.
    Blocking (seconds): call it from a worker thread, e.g. `await asyncio.to_thread(...)`.
    Never raises.
    """
    if llm is None or not passages or not question or not question.strip():
        return None
    try:
        usable = _fit_passages(passages, llm)
        schema = grounded_answer_schema([p.id for p in usable], max_answer_chars=max_answer_chars,
                                        max_sources=max_sources)
        messages = grounded_messages(question.strip()[:MAX_QUESTION_CHARS], usable,
                                     (previous_user_message or "").strip()[:MAX_QUESTION_CHARS] or None)
        data = llm.complete_json(
            messages, schema,
            check=lambda d: validate_grounded_reply(d, usable, max_answer_chars=max_answer_chars),
            timeout=timeout,
        )
        reply = validate_grounded_reply(data, usable, max_answer_chars=max_answer_chars)
    except LLMError as exc:
        logger.log(logging.DEBUG if exc.reported else logging.INFO, "no LLM answer, falling back: %s", exc)
        return None
    except Exception:  # a bug here must not cost the customer their answer
        logger.exception("grounded answer failed unexpectedly; falling back")
        return None
    if not reply.answerable:
        from actions.knowledge.answer import NO_ANSWER_TEXT

        return Answer(text=NO_ANSWER_TEXT, sources=[], mode="none", confidence=0.0)
    originals = {p.id: p for p in passages}  # the prompt may have held shortened copies
    sources = [originals[p.id] for p in reply.sources]
    return Answer(
        text=f"{reply.answer}\n\n{source_line(sources)}",
        sources=sources,
        mode="llm",
        confidence=reply.confidence,
    )


def _fit_passages(passages: Sequence[Passage], llm: LLMClient) -> list[Passage]:
    """Distinct passages, best first, each and all together cut to what the context can hold."""
    budget = MAX_PASSAGES_CHARS
    if llm.context_size:
        # ~3 characters per token, leaving room for the instructions (~450 tokens) and the reply
        budget = max(1500, (llm.context_size - llm.max_tokens - 600) * 3)
    fitted: list[Passage] = []
    seen: set[str] = set()
    for passage in passages:
        if passage.id in seen:
            continue
        text = passage.text[:MAX_PASSAGE_CHARS]
        if len(text) > budget:
            if fitted:
                break
            text = text[:budget]
        seen.add(passage.id)
        fitted.append(_with_text(passage, text))
        budget -= len(text)
    return fitted


def _with_text(passage: Passage, text: str) -> Passage:
    if text == passage.text:
        return passage
    return Passage(id=passage.id, article_id=passage.article_id, title=passage.title, section=passage.section,
                   category=passage.category, text=text, url=passage.url, score=passage.score)

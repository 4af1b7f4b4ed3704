"""The handover case summary written by the LLM (the handover module has a rule-based fallback)."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from actions.handover.summary import CATEGORIES, PRIORITIES, HandoverSummary, is_customer
from actions.llm.client import LLMClient, LLMError, LLMOutputError
from actions.llm.json_output import clean_text
from actions.llm.prompts import FENCE_TAGS, handover_messages

logger = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 600
MIN_SUMMARY_CHARS = 10
MAX_TURNS = 30  # the most recent turns are kept
MAX_TURN_CHARS = 600
MAX_TRANSCRIPT_CHARS = 6000

_SPEAKERS = {"bot": "assistant", "assistant": "assistant", "agent": "agent"}
_FENCE_LEAK_RE = re.compile(r"</?\s*(?:" + "|".join(FENCE_TAGS) + r")\b", re.IGNORECASE)


def handover_schema(categories: Sequence[str] = CATEGORIES, *,
                    max_summary_chars: int = MAX_SUMMARY_CHARS) -> dict[str, Any]:
    """The JSON schema of a summary: category and priority are enums."""
    return {
        "type": "object",
        "properties": {
            "summary": {"type": "string", "minLength": MIN_SUMMARY_CHARS, "maxLength": max_summary_chars},
            "category": {"type": "string", "enum": list(categories)},
            "priority": {"type": "string", "enum": list(PRIORITIES)},
        },
        "required": ["summary", "category", "priority"],
        "additionalProperties": False,
    }


def validate_handover_reply(
    data: Any, categories: Sequence[str] = CATEGORIES, *, max_summary_chars: int = MAX_SUMMARY_CHARS
) -> HandoverSummary:
    """A `HandoverSummary` from a parsed reply; `LLMOutputError` says why it is unusable."""
    if not isinstance(data, dict):
        raise LLMOutputError("reply is not a JSON object")
    summary = data.get("summary")
    if not isinstance(summary, str):
        raise LLMOutputError("'summary' must be a string")
    summary = clean_text(summary).strip()
    if len(summary) < MIN_SUMMARY_CHARS or not re.search(r"\w", summary):
        raise LLMOutputError("summary is empty")
    if len(summary) > max_summary_chars:
        raise LLMOutputError(f"summary longer than {max_summary_chars} characters")
    if _FENCE_LEAK_RE.search(summary):
        raise LLMOutputError("summary contains prompt markup")
    if data.get("category") not in categories:
        raise LLMOutputError(f"category must be one of {list(categories)}")
    if data.get("priority") not in PRIORITIES:
        raise LLMOutputError(f"priority must be one of {list(PRIORITIES)}")
    return HandoverSummary(summary=summary, category=data["category"], priority=data["priority"])


def summarize_handover(
    llm: LLMClient | None,
    transcript: Sequence[tuple[str, str]],
    facts: Mapping[str, object],
    *,
    categories: Sequence[str] = CATEGORIES,
    max_summary_chars: int = MAX_SUMMARY_CHARS,
    timeout: float | None = None,
) -> HandoverSummary | None:
    """The LLM's summary of the conversation, or None (no LLM, failure) for the rule-based one.

    `transcript` is [(speaker, text)] oldest first; speakers "user"/"bot" are shown to the model
    as "customer"/"assistant". `facts` are known slots (order number, email, ...). `timeout`
    (seconds, default `LLM_TIMEOUT_SECONDS`) bounds the LLM work: pass the handover's own
    summary timeout so the model is not kept busy after the rule-based summary was used.
    Blocking; never raises. For the handover service: `partial(summarize_handover, llm, timeout=...)`.
    """
    if llm is None or not transcript:
        return None
    try:
        turns = _recent_turns(transcript)
        if not turns:
            return None
        messages = handover_messages(turns, facts or {}, categories)
        schema = handover_schema(categories, max_summary_chars=max_summary_chars)

        def check(data: dict[str, Any]) -> None:
            validate_handover_reply(data, categories, max_summary_chars=max_summary_chars)

        data = llm.complete_json(messages, schema, check=check, timeout=timeout)
        return validate_handover_reply(data, categories, max_summary_chars=max_summary_chars)
    except LLMError as exc:
        logger.log(logging.DEBUG if exc.reported else logging.INFO, "no LLM handover summary: %s", exc)
        return None
    except Exception:  # a bug here must not block the handover
        logger.exception("LLM handover summary failed unexpectedly")
        return None


def _recent_turns(transcript: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The latest turns that fit, each shortened, with speakers named for the model."""
    kept: list[tuple[str, str]] = []
    total = 0
    for speaker, text in reversed(transcript[-MAX_TURNS:]):
        text = (text or "").strip()
        if not text:
            continue
        if len(text) > MAX_TURN_CHARS:
            text = text[:MAX_TURN_CHARS] + " [...]"
        if kept and total + len(text) > MAX_TRANSCRIPT_CHARS:
            break
        kept.append((_speaker(str(speaker)), text))
        total += len(text)
    return kept[::-1]


def _speaker(speaker: str) -> str:
    if is_customer(speaker):
        return "customer"
    name = speaker.strip().lower()
    return _SPEAKERS.get(name, name or "unknown")

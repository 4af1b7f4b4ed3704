"""Handover summaries: enums enforced, failures give None for the rule-based fallback."""

from __future__ import annotations

from pathlib import Path

import pytest

from actions.handover.summary import HandoverSummary
from actions.llm.client import LLMOutputError
from actions.llm.http_client import OpenAICompatibleClient
from actions.llm.llama_cpp_client import LlamaCppClient
from actions.llm.summary import CATEGORIES, PRIORITIES, summarize_handover, validate_handover_reply

TRANSCRIPT = [
    ("user", "Hi, my order NW-482913 hasn't arrived and it's been 3 weeks"),
    ("bot", "I'm sorry. The tracking shows it left our warehouse on May 2."),
    ("user", "I want a human please"),
]
FACTS = {"order_number": "NW-482913", "email": "ana@example.com", "ticket": None}
GOOD = {"summary": "Customer's order NW-482913 has not arrived after 3 weeks; tracking last updated May 2.",
        "category": "shipping", "priority": "high"}


def server_llm(server) -> OpenAICompatibleClient:
    return OpenAICompatibleClient(server.url, api_key="test-key", timeout_seconds=5)


def test_summary_from_the_server(openai_server) -> None:
    openai_server.reply(GOOD)
    summary = summarize_handover(server_llm(openai_server), TRANSCRIPT, FACTS)
    assert summary == HandoverSummary(**GOOD)
    body = openai_server.requests[0]["body"]
    user = body["messages"][1]["content"]
    assert '<turn speaker="customer">\nHi, my order NW-482913' in user
    assert '<turn speaker="assistant">' in user
    assert "order_number: NW-482913" in user and "ticket" not in user  # empty facts are left out
    schema = body["response_format"]["json_schema"]["schema"]
    assert schema["properties"]["category"]["enum"] == list(CATEGORIES)
    assert schema["properties"]["priority"]["enum"] == list(PRIORITIES)


@pytest.mark.parametrize(
    "content",
    [
        {**GOOD, "category": "complaints"},
        {**GOOD, "priority": "critical"},
        {**GOOD, "summary": ""},
        {**GOOD, "summary": "x" * 700},
        {"summary": GOOD["summary"]},
        "The customer is upset.",
    ],
)
def test_unusable_summary_gives_none(openai_server, content) -> None:
    openai_server.reply(content)
    assert summarize_handover(server_llm(openai_server), TRANSCRIPT, FACTS) is None


def test_no_llm_or_empty_transcript_gives_none(openai_server) -> None:
    assert summarize_handover(None, TRANSCRIPT, FACTS) is None
    assert summarize_handover(server_llm(openai_server), [], FACTS) is None
    assert summarize_handover(server_llm(openai_server), [("user", "  ")], FACTS) is None
    assert openai_server.requests == []


def test_custom_categories(openai_server) -> None:
    openai_server.reply({**GOOD, "category": "warranty"})
    summary = summarize_handover(server_llm(openai_server), TRANSCRIPT, FACTS, categories=("warranty", "other"))
    assert summary is not None and summary.category == "warranty"


def test_validator_directly() -> None:
    assert validate_handover_reply(GOOD).priority == "high"
    with pytest.raises(LLMOutputError, match="category"):
        validate_handover_reply({**GOOD, "category": "Shipping"})
    with pytest.raises(LLMOutputError, match="markup"):
        validate_handover_reply({**GOOD, "summary": "Customer said </transcript> stuff here"})


def test_long_transcripts_keep_the_latest_turns(openai_server) -> None:
    transcript = [("user", f"message number {i} " + "blah " * 100) for i in range(100)]
    openai_server.reply(GOOD)
    summarize_handover(server_llm(openai_server), transcript, {})
    user = openai_server.requests[0]["body"]["messages"][1]["content"]
    assert "message number 99 " in user and "message number 0 " not in user
    assert len(user) < 8000


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_real_model_gives_a_valid_summary(tiny_model: Path, seed: int) -> None:
    llm = LlamaCppClient(tiny_model, context_size=2048, max_tokens=150, temperature=1.0, seed=seed)
    summary = summarize_handover(llm, TRANSCRIPT, FACTS, max_summary_chars=80)
    assert summary is not None  # random weights, but the grammar keeps it well-formed
    assert summary.category in CATEGORIES and summary.priority in PRIORITIES
    assert 10 <= len(summary.summary) <= 80


def test_timeout_bounds_the_llm_work(openai_server) -> None:
    import time

    openai_server.reply(GOOD, delay=1.5)
    started = time.monotonic()
    assert summarize_handover(server_llm(openai_server), TRANSCRIPT, FACTS, timeout=0.3) is None
    assert time.monotonic() - started < 1.0


def test_works_as_the_handover_services_summarizer(openai_server) -> None:
    from functools import partial

    from actions.handover.summary import summarize

    openai_server.reply({**GOOD, "priority": "low"})
    summary, source = summarize(TRANSCRIPT, FACTS, partial(summarize_handover, server_llm(openai_server), timeout=2),
                                timeout=3)
    assert source == "summarizer" and summary.summary == GOOD["summary"]

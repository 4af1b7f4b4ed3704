"""The knowledge service the Rasa action calls: cheap import, lazy set-up, answers and outages."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from actions.knowledge import service
from actions.knowledge.answer import NO_ANSWER_TEXT
from actions.paths import REPO_ROOT


@pytest.fixture()
def configured_service(help_center_config, help_center_ingest, monkeypatch):
    """The process-wide knowledge base, pointed at the session's ingested help center."""
    monkeypatch.setenv("QDRANT_PATH", str(help_center_config.qdrant_path))
    monkeypatch.setenv("KNOWLEDGE_COLLECTION", help_center_config.collection)
    monkeypatch.setenv("KNOWLEDGE_TOP_K", "4")
    monkeypatch.delenv("HELP_CENTER_URL", raising=False)
    monkeypatch.setattr(service, "_instance", None)
    yield service.get_knowledge_service
    monkeypatch.setattr(service, "_instance", None)


def test_importing_the_service_is_cheap():
    code = (
        "import sys, actions.knowledge.service as s; "
        "heavy = [m for m in ('torch', 'sentence_transformers', 'qdrant_client', 'transformers') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_answer_question_end_to_end(configured_service):
    answer = configured_service().answer("Is there a free trial for Northwind Plus?")
    assert answer.found and answer.mode == "extractive"
    assert "14-day free trial" in answer.text
    assert answer.text.endswith("\n\nSource: Northwind Plus Membership")
    assert [p.article_id for p in answer.sources] == ["northwind-plus-membership"]


def test_answers_link_to_the_help_center_when_its_address_is_set(configured_service, monkeypatch):
    monkeypatch.setenv("HELP_CENTER_URL", "https://help.northwind.example/articles/")
    answer = configured_service().answer("Is there a free trial for Northwind Plus?")
    assert answer.text.endswith("Source: [Northwind Plus Membership]"
                                "(https://help.northwind.example/articles/northwind-plus-membership)")


def test_follow_up_conversation(configured_service):
    first = "Hello! I'm a Plus member. How long do I have to return a jacket?"
    answer = configured_service().answer(first)
    assert "60 days" in answer.text
    follow_up = configured_service().answer("and if I cancel Plus next month?", previous_user_message=first)
    assert follow_up.found and follow_up.sources[0].article_id == "cancel-northwind-plus"


def test_unanswerable_question(configured_service):
    answer = configured_service().answer("Do you offer gift wrapping for orders?")
    assert not answer.found and not answer.unavailable and answer.text == NO_ANSWER_TEXT


def test_search_uses_top_k_and_one_instance(configured_service):
    passages = configured_service().search("How do I reset my password?")
    assert len(passages) == 4 and passages[0].article_id == "reset-your-password"
    assert configured_service() is configured_service()


def test_a_two_part_question_gets_both_answers(configured_service):
    answer = configured_service().answer("how long does a refund to paypal take, and do you ship to switzerland?")
    assert answer.found
    assert "3-5 business days" in answer.text and "Switzerland" in answer.text
    assert {p.article_id for p in answer.sources} == {"refund-processing-times",
                                                       "international-shipping-customs-duties"}
    assert answer.text.splitlines()[-1].startswith("Sources: ")


def test_store_outage_gives_an_honest_answer_and_logs(configured_service, monkeypatch, caplog):
    monkeypatch.setenv("KNOWLEDGE_COLLECTION", "not_ingested_yet")
    monkeypatch.setattr(service, "_instance", None)
    with caplog.at_level(logging.ERROR, logger="actions.knowledge.service"):
        answer = configured_service().answer("How much is shipping?")
    assert not answer.found and answer.unavailable
    assert "not_ingested_yet" in caplog.text and "actions.knowledge.ingest" in caplog.text

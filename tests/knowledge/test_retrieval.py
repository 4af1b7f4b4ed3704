"""Hybrid retrieval over the real help center (ingested once per session into a local Qdrant)."""

from __future__ import annotations

import pytest

from actions.knowledge.config import DEFAULT_SCORE_THRESHOLD
from actions.knowledge.followups import is_follow_up, with_context
from actions.knowledge.index import KnowledgeStoreError, get_client
from actions.knowledge.retrieval import Retriever, _edit_distance
from actions.knowledge.sparse import stem


def test_the_whole_help_center_is_ingested(help_center_ingest):
    assert help_center_ingest.articles == 30
    assert help_center_ingest.skipped == []
    assert help_center_ingest.added > 100


@pytest.mark.parametrize(
    ("question", "article"),
    [
        ("How much is standard shipping in the US?", "shipping-rates-and-delivery-times"),
        ("the reset link says expired what now", "reset-your-password"),
        ("What payment methods do you accept?", "accepted-payment-methods"),
        ("whats the free shiping minimum in canada", "shipping-rates-and-delivery-times"),  # typo
        ("whats ur phone nuber for uk customers", "contact-customer-support"),  # typos, terse
        ("is there a northwind store in germany where i can collect my order", "store-pickup"),  # HTML article
        ("How do I stop your promotional text messages?", "email-and-sms-preferences"),  # plain-text article
        ("You sent me the wrong color. Do I have to pay to send it back?", "damaged-or-wrong-items"),
    ],
)
def test_real_questions_find_the_right_article(retriever, question, article):
    passages = retriever.search(question, k=3)
    assert passages[0].article_id == article
    assert passages[0].score >= DEFAULT_SCORE_THRESHOLD


def test_results_are_full_passages_with_calibrated_scores(retriever):
    passages = retriever.search("How long is the warranty on a Northwind jacket?", k=5)
    assert len(passages) == 5
    assert [p.score for p in passages] == sorted((p.score for p in passages), reverse=True)
    assert all(0.0 <= p.score <= 1.0 for p in passages)
    top = passages[0]
    assert (top.article_id, top.title, top.category) == ("warranty", "Northwind Warranty", "products")
    assert top.section == "What's covered and for how long" and "2 years from purchase" in top.text


@pytest.mark.parametrize(
    "question",
    [
        "Do you have an affiliate or brand ambassador program?",
        "Can you recommend a good day hike near Portland?",
        "How many hours does the battery in your headlamps last?",
    ],
)
def test_unanswerable_questions_score_below_the_threshold(retriever, question):
    assert retriever.search(question, k=5)[0].score < DEFAULT_SCORE_THRESHOLD


def test_follow_up_uses_the_previous_message(retriever):
    previous = "How much is standard shipping in the US?"
    without = retriever.search("what about the UK?", k=3)
    with_previous = retriever.search("what about the UK?", context=previous, k=3)
    assert without[0].article_id != "shipping-rates-and-delivery-times"
    assert with_previous[0].id == "shipping-rates-and-delivery-times#prices-and-delivery-times"


def test_follow_up_on_a_new_unanswerable_topic_is_not_answered_from_the_old_one(retriever):
    passages = retriever.search("are you hiring there?", context="Do you have a store in Denver?", k=3)
    assert passages[0].score < DEFAULT_SCORE_THRESHOLD


def test_context_is_ignored_for_a_complete_question(retriever):
    question = "How much does Northwind Plus cost?"
    alone = retriever.search(question, k=3)
    with_context_ = retriever.search(question, context="How do I reset my password?", k=3)
    assert [p.id for p in with_context_] == [p.id for p in alone]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("what about the UK?", True),
        ("and if I cancel Plus next month?", True),
        ("does it expire", True),
        ("How long do I have to return a jacket?", False),
        ("I never saved any backup codes for my account", False),
    ],
)
def test_follow_up_detection(message, expected):
    assert is_follow_up(message) is expected
    assert (with_context(message, "previous question") is not None) is expected


def test_baselines_return_ranked_passages(retriever):
    question = "How many wrong passwords can I enter before I get locked out?"
    for method in ("dense", "bm25"):
        passages = retriever.search(question, k=3, method=method)
        assert passages[0].article_id == "login-troubleshooting", method
        assert passages[0].score > 0


def test_spelling_is_corrected_against_the_help_center_only_for_non_words(retriever):
    assert retriever.analyse("how long do i have to retrun stuff").text == "how long do i have to return stuff"
    assert retriever.analyse("is there parking?").text == "is there parking?"  # a real word, not "packing"


def test_spelling_correction_finds_what_comparing_every_word_finds(retriever):
    """The deletion index is a shortcut: it must pick the same word as checking the whole vocabulary."""
    corpus = retriever.corpus()

    def closest_by_scanning(word: str) -> str | None:
        limit = 1 if len(word) < 8 else 2
        found = [(_edit_distance(word, known, limit), -corpus.df.get(stem(known), 0), known)
                 for known in corpus.words if abs(len(known) - len(word)) <= limit]
        best = min((key for key in found if key[0] <= limit), default=None)
        return best[2] if best else None

    typos = ["warrenty", "refnud", "shiping", "pasword", "recieve", "adress", "cancelation", "exhcange",
             "delivrey", "subscribtion", "membrship", "retrun", "tracknig", "zzzzzzzz", "expresss"]
    assert corpus.correct("retrun") == "return"
    for typo in typos:
        assert corpus.correct(typo) == closest_by_scanning(typo), typo


def test_empty_question_returns_nothing(retriever):
    assert retriever.search("   ") == []


def test_missing_collection_gives_a_clear_error(help_center_config, embedder):
    retriever = Retriever(get_client(help_center_config), "never_ingested", embedder)
    with pytest.raises(KnowledgeStoreError, match="python -m actions.knowledge.ingest"):
        retriever.search("How much is shipping?")

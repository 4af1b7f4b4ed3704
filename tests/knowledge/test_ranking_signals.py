"""The question sentence of a longer message, and the article-level signal in re-ranking."""

from __future__ import annotations

import pytest

from actions.knowledge import retrieval
from actions.knowledge.config import DEFAULT_SCORE_THRESHOLD
from actions.knowledge.followups import refers_elsewhere
from actions.knowledge.passages import Passage
from actions.knowledge.retrieval import _with_article_support, question_sentence


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("Amazon has this backpack for less. Will you match their price?", "Will you match their price?"),
        ("Hi! I moved last month. How do I update my address?", "How do I update my address?"),
        ("Hi there. Do you ship to Norway? What does shipping cost?", "Do you ship to Norway? What does shipping cost?"),
        ("Do you ship to Norway? What does shipping cost?", None),  # all questions: searched as a whole
        ("How long do I have to return a jacket?", None),  # one sentence: the message is the question
        ("I moved last month. Please update my address.", None),  # nothing asked
        ("My tent pole arrived snapped in half. What do I do?", None),  # needs the first sentence
        ("I made two accounts by mistake. Can you merge them?", None),  # pronoun: needs the context
    ],
)
def test_question_sentence(message, expected):
    assert question_sentence(message) == expected


def test_refers_elsewhere():
    assert refers_elsewhere("What do I do?")
    assert refers_elsewhere("and in Canada?")
    assert refers_elsewhere("Does that work too?")
    assert not refers_elsewhere("Do you price match?")


def test_the_question_sentence_is_not_diluted_by_context(retriever, monkeypatch):
    message = "Amazon has this backpack for less. Will you match their price?"
    monkeypatch.setattr(retrieval, "question_sentence", lambda message: None)  # the whole message only
    diluted = retriever.search(message, k=3)
    monkeypatch.undo()
    focused = retriever.search(message, k=3)
    assert diluted[0].score < DEFAULT_SCORE_THRESHOLD  # context sentence drags the relevance down
    assert focused[0].article_id == "price-match-and-price-adjustments"
    assert focused[0].score >= DEFAULT_SCORE_THRESHOLD


def test_context_sentences_never_make_an_unanswerable_question_look_answerable(retriever):
    alone = retriever.search("Do you rent tents?", k=5)
    longer = retriever.search("We're camping in Utah next month with the kids. Do you rent tents?", k=5)
    assert alone[0].score < DEFAULT_SCORE_THRESHOLD
    assert longer[0].score <= alone[0].score + 0.02


def _passage(pid: str, score: float) -> Passage:
    article = pid.split("#")[0]
    return Passage(id=pid, article_id=article, title=article, section="", category="", text="", score=score)


def test_near_tie_goes_to_the_article_several_passages_agree_on():
    passages = [_passage("lone#a", 0.562), _passage("many#a", 0.553), _passage("many#b", 0.548), _passage("x#a", 0.5)]
    ranked = _with_article_support(passages)
    assert [p.id for p in ranked[:3]] == ["many#a", "many#b", "lone#a"]
    assert max(p.score for p in ranked) == pytest.approx(0.562)  # the threshold decision is unchanged
    assert [p.score for p in ranked] == sorted((p.score for p in ranked), reverse=True)


def test_a_clearly_better_lone_passage_still_wins():
    passages = [_passage("lone#a", 0.62), _passage("many#a", 0.553), _passage("many#b", 0.548), _passage("many#c", 0.54)]
    ranked = _with_article_support(passages)
    assert ranked[0].id == "lone#a"
    assert {p.id: p.score for p in ranked}["lone#a"] == pytest.approx(0.62)


def test_article_support_on_the_real_help_center(retriever):
    passages = retriever.search("how long until the money is back on my card?", k=5)
    assert passages[0].article_id == "refund-processing-times"

"""Ticket content: subject, description, tags, priority rules and the injectable summariser."""

from __future__ import annotations

import time

from actions.handover.content import build_ticket
from actions.handover.summary import HandoverSummary, rule_based_summary, summarize
from tests.handover.conftest import CARD, CARD_DIGITS, CVV, PASSWORD, make_request


def test_description_holds_summary_facts_numbers_and_transcript() -> None:
    draft, summary = build_ticket(make_request(ticket_number="CS-2048817"), handover_id="h1")
    text = draft.description
    assert draft.subject == "Chat handover: Payment issue (NW-482913)"
    assert text.startswith("Summary:\nCustomer wants: I was charged twice for order NW-482913")
    for expected in ("Intent: report_double_charge", "Order number: NW-482913",
                     "Earlier ticket: CS-2048817", "Reason: Payment issue (payment_issue)",
                     "Channel: socketio", "Conversation id: conv-1",
                     "Customer: Alex Morgan <alex.morgan@example.com>", "- order_status: shipped",
                     "Customer: I was charged twice", "Assistant: I'm sorry about that."):
        assert expected in text, expected
    assert draft.tags == ("chatbot", "socketio", "report_double_charge", "payment_issue", "ref_h_h1")
    assert "Chat reference: H-H1 " in text
    assert draft.priority == "high" and summary.category == "payments"
    assert draft.external_id == "chat-handover-h1"
    assert draft.requester_email == "alex.morgan@example.com"


def test_secrets_are_redacted_everywhere_in_the_ticket() -> None:
    draft, _ = build_ticket(make_request(requester_name=f"Alex pw: {PASSWORD}"), handover_id="h2")
    everything = repr(draft.to_payload())
    for secret in (CARD, CARD_DIGITS, f"cvv {CVV}", PASSWORD, "08/27"):
        assert secret not in everything, secret
    assert "[REDACTED: card ending 1111]" in draft.description
    assert "[REDACTED: password]" in draft.description


def test_the_summariser_sees_only_redacted_text() -> None:
    seen: list[str] = []

    def spy(transcript, facts):
        seen.append(repr(transcript) + repr(facts))
        return None

    build_ticket(make_request(), handover_id="h3", summarizer=spy)
    assert seen and PASSWORD not in seen[0] and CARD not in seen[0]


def test_priority_rules() -> None:
    def priority(reason: str, text: str, intent: str | None = None) -> str:
        return rule_based_summary([("user", text)], {"reason": reason, "intent": intent}).priority

    assert priority("payment_issue", "question about a charge") == "high"
    assert priority("complaint", "this is bad") == "high"
    assert priority("user_request", "I was charged twice") == "high"
    assert priority("user_request", "someone made an unauthorized charge on my card") == "urgent"
    assert priority("no_answer", "do you sell tents in blue?") == "normal"
    assert priority("account_deletion", "delete my account") == "normal"


def test_injected_summary_is_used_but_cannot_lower_priority() -> None:
    def llm(transcript, facts):
        return HandoverSummary("LLM: customer double charged on NW-482913", "payments", "low")

    draft, summary = build_ticket(make_request(), handover_id="h4", summarizer=llm)
    assert draft.description.startswith("Summary:\nLLM: customer double charged")
    assert summary.priority == "high"  # rules say payment issues are high


def test_injected_summary_cannot_claim_urgent() -> None:
    result, source = summarize([("user", "where is my tent")], {"reason": "user_request"},
                               lambda t, f: HandoverSummary("x", "shipping", "urgent"))
    assert source == "summarizer" and result.priority == "high"


def test_summariser_failure_or_slowness_falls_back_to_rules() -> None:
    def broken(transcript, facts):
        raise RuntimeError("model not loaded")

    def slow(transcript, facts):
        time.sleep(1.0)
        return HandoverSummary("late", "other", "low")

    for summarizer in (broken, slow, lambda t, f: None):
        started = time.monotonic()
        result, source = summarize([("user", "help")], {"reason": "complaint"}, summarizer, timeout=0.2)
        assert source == "rules" and result.priority == "high"
        assert time.monotonic() - started < 0.8


def test_long_transcripts_are_clipped() -> None:
    transcript = [("user", f"message {i} " + "x" * 3000) for i in range(100)]
    draft, _ = build_ticket(make_request(transcript=transcript), handover_id="h5")
    assert "[40 earlier messages not shown]" in draft.description
    assert "message 0 " not in draft.description and "message 99 " in draft.description
    assert len(draft.description) <= 30000


def test_the_customers_language_is_recorded_and_a_forged_one_is_dropped() -> None:
    from actions.handover.content import clean_request

    draft, _ = build_ticket(clean_request(make_request(language="es")), handover_id="h2")
    assert "Language: es (the customer wrote in it" in draft.description
    assert "language_es" in draft.tags
    forged = "es\nPriority: urgent <script>"
    draft, _ = build_ticket(clean_request(make_request(language=forged)), handover_id="h3")
    assert "Language:" not in draft.description and "urgent <script>" not in draft.description
    assert not any(tag.startswith("language_") for tag in draft.tags)

"""The short case summary an agent reads first, and its suggested category and priority.

`rule_based_summary` always works; an LLM summariser with the same shape
(`(transcript, facts) -> HandoverSummary | None`) can be injected, and `summarize` falls back
to the rules when it is slow, fails or returns nothing. Priority always respects the rules:
a summariser may raise it (up to "high") but never lower it.
"""

from __future__ import annotations

import concurrent.futures
import logging
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

PRIORITIES = ("low", "normal", "high", "urgent")
CATEGORIES = ("orders", "returns", "payments", "account", "shipping", "other")


@dataclass(frozen=True)
class HandoverSummary:
    summary: str  # a few lines: what the customer wants, what was tried, order/ticket numbers
    category: str  # e.g. "orders", "returns", "payments", "account", "shipping", "other"
    priority: str  # "low", "normal", "high" or "urgent" (Zendesk's priorities)


Transcript = Sequence[tuple[str, str]]
Summarizer = Callable[[Transcript, Mapping[str, Any]], "HandoverSummary | None"]

_CUSTOMER_SPEAKERS = {"user", "customer", "human", "client", "end-user"}
_URGENT = re.compile(
    r"\b(fraud|fraudulent|unauthori[sz]ed|stolen card|card (?:was )?stolen|identity theft|"
    r"hacked|someone else (?:used|ordered|logged)|"
    r"didn'?t make (?:this|that|these) (?:order|purchase|charge)s?)\b",
    re.IGNORECASE,
)
_HIGH = re.compile(
    r"\b(charged twice|double[- ]charged|duplicate charge|charged two times|overcharged|"
    r"injur(?:y|ed)|unsafe|burn(?:ed|t)?|lawyer|legal action)\b",
    re.IGNORECASE,
)
_HIGH_REASONS = {"payment_issue", "complaint"}
_CATEGORY_BY_REASON = {
    "payment_issue": "payments",
    "account_deletion": "account",
    "order_request": "orders",
}
_CATEGORY_WORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("payments", re.compile(r"payment|charge|card|billing|invoice|paypal|klarna|gift_?card", re.I)),
    ("returns", re.compile(r"refund|return|exchange|warranty|damaged|wrong_item", re.I)),
    ("shipping", re.compile(r"track|deliver|shipping|shipment|package|parcel|customs|lost", re.I)),
    ("account", re.compile(r"account|password|login|log_in|sign_in|2fa|email_pref|privacy|delete", re.I)),
    ("orders", re.compile(r"order|cancel|address|pickup|price|promo", re.I)),
)


def is_customer(speaker: str) -> bool:
    return speaker.strip().lower() in _CUSTOMER_SPEAKERS


def rule_priority(reason: str | None, intent: str | None, customer_text: str) -> str:
    """Zendesk priority from rules: fraud-like words urgent; payments, complaints, charges high."""
    if _URGENT.search(customer_text):
        return "urgent"
    if reason in _HIGH_REASONS or _HIGH.search(customer_text):
        return "high"
    if intent and re.search(r"complain|payment|charge", intent, re.I):
        return "high"
    return "normal"


def rule_category(reason: str | None, intent: str | None, customer_text: str) -> str:
    if reason in _CATEGORY_BY_REASON:
        return _CATEGORY_BY_REASON[reason]
    for source in (intent or "", customer_text):
        for category, pattern in _CATEGORY_WORDS:
            if pattern.search(source):
                return category
    return "other"


def _clip(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rule_based_summary(transcript: Transcript, facts: Mapping[str, Any]) -> HandoverSummary:
    """A summary from the transcript and facts alone (`reason`, `intent`, `order_number`,
    `ticket_number` are read from `facts`)."""
    from actions.handover.tickets import REASONS  # local import: tickets imports nothing from here

    reason = facts.get("reason")
    intent = facts.get("intent")
    customer = [text for speaker, text in transcript if is_customer(speaker) and text.strip()]
    assistant = [text for speaker, text in transcript if not is_customer(speaker) and text.strip()]
    customer_text = "\n".join(customer)

    lines: list[str] = []
    if customer:
        lines.append(f"Customer wants: {_clip(customer[0], 200)}")
        if len(customer) > 1 and customer[-1] != customer[0]:
            lines.append(f"Latest from customer: {_clip(customer[-1], 200)}")
    else:
        lines.append("Customer asked for a person (no messages in the transcript).")
    references = []
    if facts.get("order_number"):
        references.append(f"order {facts['order_number']}")
    if facts.get("ticket_number"):
        references.append(f"earlier ticket {facts['ticket_number']}")
    if references:
        lines.append("About: " + ", ".join(references))
    handed = REASONS.get(str(reason), str(reason or "unspecified"))
    lines.append(f"Handed over because: {handed}" + (f" (intent: {intent})" if intent else ""))
    if assistant:
        lines.append(f"Assistant last said: {_clip(assistant[-1], 200)}")
    return HandoverSummary(
        summary="\n".join(lines),
        category=rule_category(reason, intent, customer_text),
        priority=rule_priority(reason, intent, customer_text),
    )


def merge_with_rules(proposed: HandoverSummary, rules: HandoverSummary) -> HandoverSummary:
    """Keep a summariser's text; category only if known; priority never below the rules'."""
    category = proposed.category if proposed.category in CATEGORIES else rules.category
    rank = {p: i for i, p in enumerate(PRIORITIES)}
    suggested = proposed.priority if proposed.priority in rank else rules.priority
    suggested = PRIORITIES[min(rank[suggested], rank["high"])]  # "urgent" only by rule
    priority = max(suggested, rules.priority, key=rank.__getitem__)
    text = proposed.summary.strip() or rules.summary
    return HandoverSummary(summary=text, category=category, priority=priority)


_pool = concurrent.futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="handover-summary")


def summarize(
    transcript: Transcript,
    facts: Mapping[str, Any],
    summarizer: Summarizer | None = None,
    *,
    timeout: float = 2.5,
) -> tuple[HandoverSummary, str]:
    """The summary and its source (`"rules"` or `"summarizer"`); never raises.

    The injected summariser runs in a worker thread for at most `timeout` seconds; a late
    result is discarded (the thread is not killed, so keep the LLM call itself bounded).
    """
    rules = rule_based_summary(transcript, facts)
    if summarizer is None or timeout <= 0:
        return rules, "rules"
    future = _pool.submit(summarizer, transcript, facts)
    try:
        proposed = future.result(timeout=timeout)
    except concurrent.futures.TimeoutError:
        logger.warning("handover summariser took longer than %.1fs; using the rule-based summary", timeout)
        return rules, "rules"
    except Exception:  # noqa: BLE001 - a failing summariser falls back to the rule-based summary
        logger.warning("handover summariser failed; using the rule-based summary", exc_info=True)
        return rules, "rules"
    if not isinstance(proposed, HandoverSummary):
        return rules, "rules"
    return merge_with_rules(proposed, rules), "summarizer"

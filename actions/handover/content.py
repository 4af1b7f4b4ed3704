"""Turn a handover request into ticket content: subject, description, tags and priority.

Every string of the request is cleaned first (`clean_request`: no lone surrogates or control
characters, which could make the ticket unsendable), then redacted (transcript, facts, names),
so neither the summariser nor the ticket ever sees card numbers or passwords; the finished
text is redacted once more.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from actions.handover.messages import handover_reference, reference_tag
from actions.handover.redaction import redact, redact_value
from actions.handover.summary import HandoverSummary, Summarizer, is_customer, summarize
from actions.handover.tickets import REASONS, HandoverRequest, TicketDraft
from actions.privacy import clean_text

MAX_TURNS = 60  # the most recent turns kept in the ticket
MAX_MESSAGE_CHARS = 2000
MAX_DESCRIPTION_CHARS = 30000  # Zendesk comments are limited to 64 KB
MAX_FACTS = 30
_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_OWN_FACT_KEYS = {"reason", "intent", "order_number", "ticket_number", "channel"}
_SPEAKERS = {"bot": "Assistant", "assistant": "Assistant", "agent": "Agent", "system": "System"}


def speaker_label(speaker: str) -> str:
    if is_customer(speaker):
        return "Customer"
    return _SPEAKERS.get(speaker.strip().lower(), speaker.strip().title() or "Unknown")


def clean_value(value: Any) -> Any:
    """`value` with `clean_text` applied to every string in it (dict keys included)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_text(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean_value(v) for v in value]
    return value


def clean_request(request: HandoverRequest) -> HandoverRequest:
    """The request with every text cleaned, as it enters the handover."""
    def text(value: str | None) -> str | None:
        return None if value is None else clean_text(value)

    return replace(
        request,
        conversation_id=clean_text(request.conversation_id),
        channel=clean_text(request.channel),
        reason=clean_text(request.reason),
        intent=text(request.intent),
        order_number=text(request.order_number),
        ticket_number=text(request.ticket_number),
        requester_name=text(request.requester_name),
        requester_email=text(request.requester_email),
        language=request.language if re.fullmatch(r"[a-z]{2,3}", request.language or "") else None,
        transcript=tuple((clean_text(s), clean_text(t)) for s, t in request.transcript),
        facts=clean_value(dict(request.facts)),
    )


def clean_transcript(transcript: Sequence[tuple[str, str]]) -> tuple[list[tuple[str, str]], int]:
    """The redacted, clipped transcript (last MAX_TURNS turns) and how many turns were dropped."""
    turns = [(clean_text(s), clean_text(t or "")) for s, t in transcript][-MAX_TURNS:]
    dropped = max(0, len(transcript) - MAX_TURNS)
    cleaned = []
    for speaker, raw in turns:
        text = redact(raw)
        if len(text) > MAX_MESSAGE_CHARS:
            text = text[:MAX_MESSAGE_CHARS] + " […]"
        cleaned.append((speaker, text))
    return cleaned, dropped


def tag(value: str | None) -> str | None:
    """A Zendesk-safe tag: lower case, letters, digits and underscores."""
    if not value:
        return None
    cleaned = re.sub(r"[^a-z0-9_]+", "_", value.strip().lower()).strip("_")
    return cleaned[:80] or None


def ticket_tags(request: HandoverRequest, handover_id: str | None = None) -> tuple[str, ...]:
    tags: list[str] = []
    reference = reference_tag(handover_id) if handover_id else None
    language = f"language_{request.language}" if request.language else None
    for value in ("chatbot", request.channel, request.intent, request.reason, reference, language):
        cleaned = tag(value)
        if cleaned and cleaned not in tags:
            tags.append(cleaned)
    return tuple(tags)


def _fact_lines(facts: Mapping[str, Any]) -> list[str]:
    lines = []
    for key, value in list(facts.items())[:MAX_FACTS]:
        if key in _OWN_FACT_KEYS or value in (None, "", [], {}):
            continue
        shown = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
        shown = " ".join(shown.split())
        lines.append(f"- {key}: {shown[:300]}")
    return lines


def summary_facts(request: HandoverRequest) -> dict[str, Any]:
    """The facts handed to the summariser: the request's own fields plus its (redacted) facts."""
    facts = dict(redact_value(dict(request.facts)))
    facts.update(
        reason=request.reason,
        intent=request.intent,
        order_number=request.order_number,
        ticket_number=request.ticket_number,
        channel=request.channel,
    )
    return facts


def build_ticket(
    request: HandoverRequest,
    *,
    handover_id: str,
    summarizer: Summarizer | None = None,
    summary_timeout: float = 2.5,
) -> tuple[TicketDraft, HandoverSummary]:
    """The ticket to send for `request` (redacted), and the summary used in it."""
    transcript, dropped = clean_transcript(request.transcript)
    facts = summary_facts(request)
    summary, _source = summarize(transcript, facts, summarizer, timeout=summary_timeout)
    reason_label = REASONS.get(request.reason, request.reason)

    subject = f"Chat handover: {reason_label}"
    if request.order_number:
        subject += f" ({request.order_number})"

    lines = ["Summary:", redact(summary.summary).strip(), ""]
    lines.append(f"Reason: {reason_label} ({request.reason})")
    lines.append(f"Intent: {request.intent or 'unknown'}")
    lines.append(f"Order number: {request.order_number or 'not given'}")
    lines.append(f"Earlier ticket: {request.ticket_number or 'none mentioned'}")
    lines.append(f"Category: {summary.category}")
    lines.append(f"Channel: {request.channel}")
    if request.language:
        lines.append(f"Language: {request.language} (the customer wrote in it; the assistant "
                     "works in English)")
    lines.append(f"Conversation id: {request.conversation_id}")
    lines.append(f"Chat reference: {handover_reference(handover_id)} (what the customer was told to quote)")
    who = request.requester_name or "unknown name"
    email = valid_email(request.requester_email)
    if email:
        lines.append(f"Customer: {who} <{email}>")
    elif request.requester_email:
        lines.append(f"Customer: {who}, typed an invalid email address: {request.requester_email!r}")
    else:
        lines.append(f"Customer: {who}, no email given")
    fact_lines = _fact_lines(facts)
    if fact_lines:
        lines += ["", "Facts:"] + fact_lines
    lines += ["", "Transcript (card data, passwords and codes removed):"]
    if dropped:
        lines.append(f"[{dropped} earlier messages not shown]")
    lines += [f"{speaker_label(speaker)}: {text}" for speaker, text in transcript] or ["(empty)"]
    description = redact("\n".join(lines))
    if len(description) > MAX_DESCRIPTION_CHARS:
        description = description[: MAX_DESCRIPTION_CHARS - 40] + "\n[… transcript truncated]"

    draft = TicketDraft(
        subject=redact(subject)[:250],
        description=description,
        priority=summary.priority,
        tags=ticket_tags(request, handover_id),
        requester_name=redact(request.requester_name)[:120] if request.requester_name else None,
        requester_email=email,
        external_id=f"chat-handover-{handover_id}",
    )
    return draft, summary


def valid_email(value: str | None) -> str | None:
    """The address, lower-cased, if it looks deliverable; else None (Zendesk would refuse it)."""
    value = (value or "").strip().lower()
    return value if _EMAIL.match(value) else None


def customer_comment(text: str) -> str:
    """A customer's chat message as a ticket comment body (cleaned, redacted, clipped)."""
    body = redact(clean_text(text or "")).strip()
    if len(body) > MAX_MESSAGE_CHARS * 4:
        body = body[: MAX_MESSAGE_CHARS * 4] + " […]"
    return body

"""The Zendesk webhook: agents' public replies and ticket status changes, back to the chat.

Endpoint: `POST /webhooks/zendesk` on the action server (`add_webhook_routes(app)`).

Security: every request must carry `X-Zendesk-Webhook-Signature` =
base64(HMAC-SHA256(ZENDESK_WEBHOOK_SECRET, timestamp + raw body)) and
`X-Zendesk-Webhook-Signature-Timestamp` (ISO 8601 as Zendesk sends it, or Unix seconds) no
older than ZENDESK_WEBHOOK_MAX_AGE_SECONDS. Unsigned, wrongly signed and stale requests get
401; without a configured secret every request gets 503.

Replays: a processed delivery is answered 200 `duplicate` and not shown again. Deliveries are
recognised by what the signature covers, never only by the unsigned
`X-Zendesk-Webhook-Invocation-Id` header: the signed timestamp and body together, the ticket
and comment id of a comment (when the body carries `comment.id`), and the ticket and status of
a status change. The keys are stored in `handover_webhook_events`, so this holds across
restarts and across action servers sharing one database. The invocation id and `event_id`
are extra keys, for Zendesk's own redeliveries.

Zendesk setup (Admin Center > Apps and integrations > Webhooks, then Objects and rules > Triggers):

1. Webhook "Northwind chatbot", endpoint https://<action-server>/webhooks/zendesk, POST, JSON,
   authentication none; copy its signing secret into ZENDESK_WEBHOOK_SECRET.
2. Trigger "Chatbot: agent reply to chat". Conditions (all): Ticket > Is > Updated;
   Tags > Contains at least one of > chatbot; Comment > Is > Public;
   Current user > Is > (agent); Update via > Is not > Web service (API)
   (so the customer messages we add through the API are not echoed back).
   Action: Notify active webhook "Northwind chatbot" with the body
       {"ticket_id": "{{ticket.id}}", "event": "comment", "status": "{{ticket.status}}",
        "comment": {"body": "{{ticket.latest_public_comment}}", "public": true,
                    "author_role": "{{current_user.role}}"}}
   (if your placeholder renders a header line with author and date, use the Liquid form
   `{% for c in ticket.public_comments limit:1 offset:0 %}{{c.value}}{% endfor %}`.)
3. Trigger "Chatbot: ticket solved". Conditions (all): Ticket > Is > Updated;
   Tags > Contains at least one of > chatbot; Status category > Changed to > Solved.
   Action: Notify webhook with {"ticket_id": "{{ticket.id}}", "event": "status",
   "status": "{{ticket.status}}"}.

Body fields: `ticket_id` (number or string), `event` ("comment" or "status"), `status`
(Zendesk status; "solved"/"closed" ends the handover), `comment.body`, `comment.public`
(false = internal note, never sent to the chat), `comment.author_role` ("agent"/"admin";
"end-user" is ignored), optional `comment.id` (the comment's id, a dedupe key) and `event_id`
(an extra dedupe key). Texts are cleaned (`actions.privacy.clean_text`) as they come in.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from actions.handover.outbox import TargetHealth, operator_log
from actions.privacy import clean_text
from actions.handover.service import HandoverService, get_service
from actions.handover.tickets import ENDED_STATUSES, TicketEvent, parse_ticket_id

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Zendesk-Webhook-Signature"
TIMESTAMP_HEADER = "X-Zendesk-Webhook-Signature-Timestamp"
INVOCATION_HEADER = "X-Zendesk-Webhook-Invocation-Id"
MAX_BODY_BYTES = 256 * 1024
WEBHOOK_PATH = "/webhooks/zendesk"

_reminders = TargetHealth()  # rate-limits the "secret not configured" operator message


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature Zendesk sends: base64(HMAC-SHA256(secret, timestamp + body))."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def parse_timestamp(value: str) -> float | None:
    """Seconds since the epoch from an ISO 8601 (Zendesk) or Unix-seconds timestamp."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
        return number / 1000.0 if number > 1e11 else number  # milliseconds, just in case
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return None  # a timestamp without a zone cannot be checked for age
    return parsed.timestamp()


def verify_signature(secret: str, headers: Mapping[str, str], body: bytes, *, max_age: float,
                     now: float | None = None) -> str | None:
    """None when the request is authentic and fresh, else the reason it is not (for logs)."""
    signature = _header(headers, SIGNATURE_HEADER)
    timestamp = _header(headers, TIMESTAMP_HEADER)
    if not signature or not timestamp:
        return "unsigned request"
    expected = sign(secret, timestamp, body)
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8", "replace")):
        return "signature mismatch"
    sent_at = parse_timestamp(timestamp)
    if sent_at is None:
        return "unreadable timestamp"
    age = (time.time() if now is None else now) - sent_at
    if age > max_age or age < -max_age:
        return f"stale timestamp ({age:.0f}s old)"
    return None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def signed_content_key(headers: Mapping[str, str], body: bytes) -> str:
    """A dedupe key from exactly what the signature covers (timestamp + body)."""
    timestamp = (_header(headers, TIMESTAMP_HEADER) or "").strip().encode("utf-8", "replace")
    return "signed:" + hashlib.sha256(timestamp + b"\n" + body).hexdigest()


def content_key(event: TicketEvent, comment_id: str | None) -> str | None:
    """A dedupe key from the signed body's meaning: ticket + comment id, or ticket + final status
    (solved/closed end the handover once; other statuses only update what we show)."""
    if event.event == "comment":
        return f"zendesk:{event.ticket_id}:comment:{comment_id}" if comment_id else None
    if event.status in ENDED_STATUSES:
        return f"zendesk:{event.ticket_id}:status:{event.status}"
    return None


def parse_event(payload: Any, headers: Mapping[str, str], body: bytes | None = None) -> TicketEvent:
    """The ticket event in a webhook body; ValueError when required fields are missing.

    `body` is the raw signed body; with it the event carries the signed-content dedupe keys."""
    if not isinstance(payload, dict):
        raise ValueError("body must be a JSON object")
    ticket_id = parse_ticket_id(str(payload.get("ticket_id", "")).strip())
    if ticket_id is None:
        raise ValueError("ticket_id missing or not a ticket id")
    event = str(payload.get("event", "")).strip().lower()
    if event not in ("comment", "status"):
        raise ValueError("event must be 'comment' or 'status'")
    comment = payload.get("comment") or {}
    if not isinstance(comment, dict):
        raise ValueError("comment must be an object")
    if event == "comment" and not str(comment.get("body", "")).strip():
        raise ValueError("comment.body is empty")
    public = comment.get("public", True)
    if isinstance(public, str):
        public = public.strip().lower() not in ("false", "0", "no", "")
    status = str(payload.get("status") or "").strip().lower() or None
    key = payload.get("event_id") or _header(headers, INVOCATION_HEADER)
    if key:
        key = clean_text(f"zendesk:{key}:{event}")[:128]
    else:
        raw = (_header(headers, TIMESTAMP_HEADER) or "") + (_header(headers, SIGNATURE_HEADER) or "")
        key = "sig:" + hashlib.sha256(raw.encode("utf-8", "replace")).hexdigest()
    comment_id = clean_text(comment.get("id")).strip() if comment.get("id") not in (None, "") else None
    parsed = TicketEvent(
        ticket_id=ticket_id, event=event, status=clean_text(status) if status else None,
        comment_body=clean_text(comment.get("body", "")).strip() or None,
        comment_public=bool(public),
        author_role=(clean_text(comment.get("author_role")).strip().lower() or None)
        if comment.get("author_role") is not None else None,
        event_key=key,
    )
    keys = [signed_content_key(headers, body)] if body is not None else []
    keys.append(content_key(parsed, comment_id) or "")
    return replace(parsed, dedupe_keys=tuple(k[:128] for k in keys if k))


def handle_zendesk_webhook(headers: Mapping[str, str], body: bytes, *,
                           service: HandoverService | None = None,
                           now: float | None = None) -> tuple[int, dict[str, Any]]:
    """Verify and apply one webhook request; returns (HTTP status, JSON body). Framework-free."""
    service = service or get_service()
    secret = service.config.webhook_secret
    if not secret:
        if _reminders.remind("webhook-secret"):
            operator_log.error("Zendesk webhook received but ZENDESK_WEBHOOK_SECRET is not set; "
                               "rejecting every webhook until it is configured")
        return 503, {"error": "webhook not configured"}
    if len(body) > MAX_BODY_BYTES:
        return 413, {"error": "body too large"}
    problem = verify_signature(secret, headers, body, max_age=service.config.webhook_max_age_seconds,
                               now=now)
    if problem:
        logger.warning("rejected Zendesk webhook: %s", problem)
        return 401, {"error": "invalid or missing signature"}
    try:
        payload = json.loads(body.decode("utf-8"))
        event = parse_event(payload, headers, body)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        logger.warning("malformed Zendesk webhook: %s", exc)
        return 400, {"error": f"malformed body: {exc}"}
    try:
        result = service.process_ticket_event(event)
    except Exception:
        logger.exception("could not process Zendesk webhook for ticket %s", event.ticket_id)
        return 503, {"error": "temporarily unable to process"}
    logger.info("Zendesk webhook for ticket %s (%s): %s", event.ticket_id, event.event, result)
    return 200, result


def add_webhook_routes(app: Any, *, service: HandoverService | None = None,
                       path: str = WEBHOOK_PATH) -> None:
    """Mount `POST {path}` on a Sanic app (rasa-sdk's action server is one)."""
    from sanic import response

    async def zendesk_webhook(request: Any) -> Any:
        call = functools.partial(handle_zendesk_webhook, dict(request.headers), request.body or b"",
                                 service=service)
        # Blocking work (DB, a call to Rasa) runs off the event loop: Rasa calls this same
        # server back to run action_deliver_agent_message while we wait for it.
        status, body = await asyncio.get_running_loop().run_in_executor(None, call)
        return response.json(body, status=status)

    app.add_route(zendesk_webhook, path, methods=["POST"], name="handover_zendesk_webhook")


def install(app: Any, *, service: HandoverService | None = None, path: str = WEBHOOK_PATH) -> None:
    """Mount the webhook and run the outbox worker for the app's lifetime (start/stop listeners)."""
    from actions.handover.worker import start_outbox_worker

    add_webhook_routes(app, service=service, path=path)
    handles: list[Any] = []

    async def start_worker(_app: Any, _loop: Any = None) -> None:
        handles.append(start_outbox_worker(service))

    async def stop_worker(_app: Any, _loop: Any = None) -> None:
        while handles:
            handles.pop().stop()

    app.register_listener(start_worker, "after_server_start")
    app.register_listener(stop_worker, "before_server_stop")

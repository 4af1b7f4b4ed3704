"""Zendesk Tickets API client: create, comment, read, find by external id.

Auth is HTTP Basic `{email}/token:{api_token}`. Errors become `errors.DeliveryError`
subclasses; neither the token nor the Authorization header ever appears in a message.
"""

from __future__ import annotations

import base64
import email.utils
import json
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import requests

from actions.handover.config import HandoverConfig
from actions.handover.errors import (
    ConfigurationProblem,
    CredentialsRejected,
    DeliveryError,
    RateLimited,
    RequestRejected,
    TemporaryFailure,
    scrub,
)
from actions.handover.tickets import CommentDraft, CreatedTicket, TicketDraft, TicketRecord

CREDENTIAL_VARIABLES = "ZENDESK_EMAIL and ZENDESK_API_TOKEN (and ZENDESK_SUBDOMAIN/ZENDESK_URL)"
DEFAULT_RETRY_AFTER = 60.0


def parse_retry_after(value: str | None, default: float = DEFAULT_RETRY_AFTER) -> float:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


class ZendeskBackend:
    """Tickets in Zendesk (`ZENDESK_*` variables)."""

    name = "zendesk"

    def __init__(self, config: HandoverConfig) -> None:
        if not config.zendesk_enabled:
            raise ValueError("Zendesk is not configured (ZENDESK_SUBDOMAIN/EMAIL/API_TOKEN)")
        self._base = config.zendesk_base_url
        self._token = config.zendesk_api_token
        credentials = f"{config.zendesk_email}/token:{config.zendesk_api_token}".encode()
        self._auth_header = "Basic " + base64.b64encode(credentials).decode("ascii")
        self._local = threading.local()

    def __repr__(self) -> str:  # never show the credentials
        return f"ZendeskBackend(base_url={self._base!r})"

    # --- HTTP ------------------------------------------------------------------------------

    def _session(self) -> requests.Session:
        session = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            session.trust_env = True
            self._local.session = session
        return session

    def _request(
        self,
        method: str,
        path: str,
        *,
        timeout: float,
        json_body: Any = None,
        params: dict[str, str] | None = None,
        idempotency_key: str | None = None,
        not_found_ok: bool = False,
    ) -> dict[str, Any] | None:
        headers = {
            "Authorization": self._auth_header,
            "Accept": "application/json",
            "User-Agent": "northwind-helpdesk-handover/1.0",
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        url = f"{self._base}{path}"
        try:
            response = self._session().request(
                method, url, headers=headers, json=json_body, params=params,
                timeout=(min(timeout, 5.0), timeout), allow_redirects=False,
            )
        except requests.Timeout as exc:
            raise TemporaryFailure(f"Zendesk {method} {path} timed out after {timeout:.1f}s") from exc
        except requests.RequestException as exc:
            detail = scrub(f"{type(exc).__name__}: {exc}", self._token)
            raise TemporaryFailure(f"Zendesk {method} {path} failed: {detail[:300]}") from exc
        status = response.status_code
        if 200 <= status < 300:
            if not response.content:
                return {}
            try:
                return response.json()
            except ValueError as exc:
                raise TemporaryFailure(f"Zendesk {method} {path}: HTTP {status} with a non-JSON body",
                                       status=status) from exc
        if status == 404 and not_found_ok:
            return None
        raise self._error(method, path, response)

    def _error(self, method: str, path: str, response: requests.Response) -> DeliveryError:
        status = response.status_code
        where = f"Zendesk {method} {path}: HTTP {status}"
        if status == 429 or (status == 503 and response.headers.get("Retry-After")):
            return RateLimited(f"{where} (rate limited)", status=status,
                               retry_after=parse_retry_after(response.headers.get("Retry-After")))
        if status in (401, 403):
            return CredentialsRejected(
                f"{where}: Zendesk rejected the API credentials; check {CREDENTIAL_VARIABLES} "
                "(token active, user is an agent/admin with API access)",
                status=status, variables=CREDENTIAL_VARIABLES,
            )
        if status in (408, 409) or status >= 500:
            return TemporaryFailure(where, status=status)
        if 300 <= status < 400 or (status == 404 and method == "POST"):
            target = response.headers.get("Location", "")
            return ConfigurationProblem(
                f"{where}{' to ' + target if target else ''}: this is not the Zendesk API; check "
                "ZENDESK_SUBDOMAIN / ZENDESK_URL", status=status,
                variables="ZENDESK_SUBDOMAIN / ZENDESK_URL")
        return RequestRejected(f"{where}: {self._error_detail(response)}", status=status)

    def _error_detail(self, response: requests.Response) -> str:
        try:
            body = response.json()
        except ValueError:
            return scrub(response.text[:300], self._token)
        if isinstance(body, dict):
            body = {k: body[k] for k in ("error", "description", "details") if k in body} or body
        return scrub(json.dumps(body, ensure_ascii=False)[:500], self._token)

    # --- TicketBackend ---------------------------------------------------------------------

    def create_ticket(self, draft: TicketDraft, *, idempotency_key: str, timeout: float) -> CreatedTicket:
        ticket: dict[str, Any] = {
            "subject": draft.subject,
            "comment": {"body": draft.description, "public": False},
            "priority": draft.priority,
            "tags": list(draft.tags),
            "external_id": draft.external_id,
        }
        if draft.requester_email:
            ticket["requester"] = {"name": draft.requester_name or draft.requester_email,
                                   "email": draft.requester_email}
        body = self._request("POST", "/api/v2/tickets.json", timeout=timeout,
                             json_body={"ticket": ticket}, idempotency_key=idempotency_key)
        return _created(body)

    def find_ticket_by_external_id(self, external_id: str, *, timeout: float) -> CreatedTicket | None:
        body = self._request("GET", "/api/v2/tickets.json", timeout=timeout,
                             params={"external_id": external_id}) or {}
        tickets = body.get("tickets") or []
        if not tickets:
            return None
        first = min(tickets, key=lambda t: t.get("id", 0))
        return CreatedTicket(int(first["id"]), first.get("requester_id"), first.get("status", "new"))

    def add_comment(self, ticket_id: int, comment: CommentDraft, *, idempotency_key: str,
                    timeout: float) -> None:
        payload: dict[str, Any] = {"body": comment.body, "public": comment.public}
        if comment.author_user_id:
            payload["author_id"] = comment.author_user_id
        self._request("PUT", f"/api/v2/tickets/{int(ticket_id)}.json", timeout=timeout,
                      json_body={"ticket": {"comment": payload}}, idempotency_key=idempotency_key)

    def has_comment(self, ticket_id: int, body: str, *, since: datetime, timeout: float) -> bool:
        """True when a comment with this body was added at or after `since` (minus clock skew)."""
        data = self._request("GET", f"/api/v2/tickets/{int(ticket_id)}/comments.json",
                             timeout=timeout, params={"sort_order": "desc"}, not_found_ok=True)
        wanted = " ".join(body.split())
        earliest = since - timedelta(seconds=120)
        for comment in (data or {}).get("comments", []):
            created = _parse_time(comment.get("created_at"))
            if created is not None and created < earliest:
                continue
            if " ".join(str(comment.get("body", "")).split()) == wanted:
                return True
        return False

    def get_ticket(self, ticket_id: int, *, timeout: float) -> TicketRecord | None:
        data = self._request("GET", f"/api/v2/tickets/{int(ticket_id)}.json", timeout=timeout,
                             params={"include": "users"}, not_found_ok=True)
        if not data or "ticket" not in data:
            return None
        ticket = data["ticket"]
        requester_email = None
        for user in data.get("users", []):
            if user.get("id") == ticket.get("requester_id"):
                requester_email = user.get("email")
        return TicketRecord(
            ticket_id=int(ticket["id"]),
            subject=ticket.get("subject") or "",
            status=ticket.get("status") or "new",
            requester_email=requester_email,
            created_at=ticket.get("created_at"),
            updated_at=ticket.get("updated_at"),
        )


def _parse_time(value: object) -> datetime | None:
    """A Zendesk timestamp ("2026-10-01T12:00:00Z") as naive UTC."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed


def _created(body: dict[str, Any] | None) -> CreatedTicket:
    ticket = (body or {}).get("ticket") or {}
    if "id" not in ticket:
        raise TemporaryFailure("Zendesk accepted the ticket but returned no ticket id")
    return CreatedTicket(int(ticket["id"]), ticket.get("requester_id"), ticket.get("status", "new"))

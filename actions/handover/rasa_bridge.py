"""Push an agent's reply, or the end of a handover, into a conversation through Rasa's HTTP API.

A reply is two calls (Rasa must run with `--enable-api`):
  POST {RASA_URL}/conversations/{id}/tracker/events?output_channel=latest
       [{"event": "slot", "name": "agent_message", "value": TEXT}]
  POST {RASA_URL}/conversations/{id}/execute?output_channel=latest
       {"name": "action_deliver_agent_message"}
The end of a handover is one call: execute `action_handover_ended`. Each execute is followed by
an `action_listen` event, as after a normal bot turn.
`RASA_TOKEN`, when set, is sent as `?token=` and scrubbed from every error message.
"""

from __future__ import annotations

import threading
from typing import Any
from urllib.parse import quote

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
from actions.handover.zendesk import parse_retry_after

AGENT_MESSAGE_SLOT = "agent_message"
DELIVER_ACTION = "action_deliver_agent_message"
ENDED_ACTION = "action_handover_ended"

PATH_SAFE = ":@!$&'()*+,;="  # RFC 3986 sub-delims and `:`/`@`: valid in a path segment


class RasaBridge:
    """Delivers to the conversation's latest output channel."""

    def __init__(self, config: HandoverConfig) -> None:
        self._base = config.rasa_url.rstrip("/")
        self._token = config.rasa_token
        self._local = threading.local()

    def __repr__(self) -> str:
        return f"RasaBridge(rasa_url={self._base!r})"

    def deliver_agent_message(self, conversation_id: str, text: str, *, timeout: float) -> None:
        events = [{"event": "slot", "name": AGENT_MESSAGE_SLOT, "value": text}]
        self._post(conversation_id, "tracker/events", events, timeout)
        self._post(conversation_id, "execute", {"name": DELIVER_ACTION}, timeout)
        self._listen(conversation_id, timeout)

    def end_handover(self, conversation_id: str, *, timeout: float) -> None:
        self._post(conversation_id, "execute", {"name": ENDED_ACTION}, timeout)
        self._listen(conversation_id, timeout)

    def _listen(self, conversation_id: str, timeout: float) -> None:
        """End the executed action's turn the way a normal turn ends, so the dialogue rules match
        the user's next message."""
        self._post(conversation_id, "tracker/events", [{"event": "action", "name": "action_listen"}],
                   timeout)

    def _post(self, conversation_id: str, endpoint: str, body: Any, timeout: float) -> None:
        # Rasa matches the id in the path without percent-decoding it, so the characters a path
        # segment may hold as they are (the `:` of `telegram:123`) must stay as they are.
        path = f"/conversations/{quote(conversation_id, safe=PATH_SAFE)}/{endpoint}"
        params = {"output_channel": "latest"}
        if self._token:
            params["token"] = self._token
        session = getattr(self._local, "session", None)
        if session is None:
            session = self._local.session = requests.Session()
        try:
            response = session.post(self._base + path, params=params, json=body,
                                    timeout=(min(timeout, 5.0), timeout), allow_redirects=False)
        except requests.Timeout as exc:
            raise TemporaryFailure(f"Rasa POST {endpoint} timed out after {timeout:.1f}s") from exc
        except requests.RequestException as exc:
            detail = scrub(f"{type(exc).__name__}: {exc}", self._token)
            raise TemporaryFailure(f"Rasa POST {endpoint} failed: {detail[:300]}") from exc
        if 200 <= response.status_code < 300:
            return
        raise self._error(endpoint, response)

    def _error(self, endpoint: str, response: requests.Response) -> DeliveryError:
        status = response.status_code
        where = f"Rasa POST {endpoint}: HTTP {status}"
        if status in (401, 403):
            return CredentialsRejected(
                f"{where}: Rasa refused the request; check RASA_TOKEN (Rasa's --auth-token) and RASA_URL",
                status=status, variables="RASA_TOKEN and RASA_URL",
            )
        if status == 429:
            return RateLimited(where, retry_after=parse_retry_after(response.headers.get("Retry-After"), 5.0))
        if status in (408, 409) or status >= 500:
            return TemporaryFailure(where, status=status)
        if 300 <= status < 400:
            return ConfigurationProblem(f"{where}: redirected; check RASA_URL", status=status,
                                        variables="RASA_URL")
        detail = scrub(response.text[:300], self._token)
        return RequestRejected(f"{where}: {detail}", status=status)

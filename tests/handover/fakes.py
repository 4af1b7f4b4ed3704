"""Real HTTP servers on 127.0.0.1 standing in for Zendesk and for Rasa's HTTP API.

Both run `ThreadingHTTPServer` in a thread on an ephemeral port, record every request, and
can be told to misbehave: answer 429 with Retry-After, 500, respond slowly, drop the
connection (before or after doing the work), or stop listening (connection refused).
"""

from __future__ import annotations

import base64
import json
import re
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    raw_body: bytes
    json: Any
    status: int | None = None  # what the fake answered (None: connection dropped)
    at: float = field(default_factory=time.monotonic)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, *args: Any) -> None:  # keep pytest output clean
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        parts = urlsplit(self.path)
        # The path as it arrived, not percent-decoded: Rasa matches conversation ids that way.
        record = Recorded(self.command, parts.path, parse_qs(parts.query),
                          {k.lower(): v for k, v in self.headers.items()}, raw, body)
        self.server.fake._record(record)
        result = self.server.fake._respond(record)
        if result is None:  # drop the connection without an answer
            record.status = None
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        status, payload, headers = result
        record.status = status
        data = json.dumps(payload).encode() if payload is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _handle


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    fake: FakeHTTPService


class FakeHTTPService:
    """Common machinery: start/stop/restart on a fixed port, recording, scripted failures."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._lock = threading.RLock()
        self._script: deque[tuple[str, dict[str, Any]]] = deque()
        self.default_behaviour: tuple[str, dict[str, Any]] = ("ok", {})
        self._server: _Server | None = None
        self.port = 0

    # --- lifecycle ---------------------------------------------------------------------------

    def start(self) -> FakeHTTPService:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop listening: clients now get "connection refused"."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def restart(self) -> None:
        """Listen again on the same port."""
        self.stop()
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # --- behaviour ----------------------------------------------------------------------------

    def fail_next(self, behaviour: str, times: int = 1, **options: Any) -> None:
        """Script the next `times` requests: "500", "429" (retry_after=), "slow" (seconds=),
        "drop" (no answer, nothing done), "drop_after" (work done, then no answer), "401",
        "403", "422" (why=), "301"."""
        with self._lock:
            for _ in range(times):
                self._script.append((behaviour, options))

    def always(self, behaviour: str, **options: Any) -> None:
        with self._lock:
            self._script.clear()
            self.default_behaviour = (behaviour, options)

    def recover(self) -> None:
        self.always("ok")

    def _record(self, record: Recorded) -> None:
        with self._lock:
            self.requests.append(record)

    def _respond(self, record: Recorded) -> tuple[int, Any, dict[str, str]] | None:
        with self._lock:
            behaviour, options = self._script.popleft() if self._script else self.default_behaviour
        if behaviour == "slow":
            time.sleep(options.get("seconds", 2.0))
            behaviour = "ok"
        if behaviour == "500":
            return 500, {"error": "InternalServerError"}, {}
        if behaviour == "503":
            return 503, {"error": "ServiceUnavailable"}, {}
        if behaviour == "429":
            return 429, {"error": "TooManyRequests"}, {"Retry-After": str(options.get("retry_after", 1))}
        if behaviour in ("401", "403"):
            return int(behaviour), {"error": "Couldn't authenticate you"}, {}
        if behaviour == "422":
            return 422, {"error": "RecordInvalid", "description": "Record validation errors",
                         "details": {"base": [{"description": options.get("why", "invalid")}]}}, {}
        if behaviour == "301":
            return 301, None, {"Location": "https://example.zendesk.com/api/v2/tickets.json"}
        if behaviour == "drop":
            return None
        result = self.handle(record)
        if behaviour == "drop_after":
            return None
        return result

    def handle(self, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        raise NotImplementedError


class FakeZendesk(FakeHTTPService):
    """Enough of the Zendesk Tickets API, strict about auth, payload shape and idempotency."""

    PRIORITIES = {"low", "normal", "high", "urgent"}

    def __init__(self, email: str = "bot@northwind.example", token: str = "zd-token-123") -> None:
        super().__init__()
        self.email, self.token = email, token
        self.tickets: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, list[dict[str, Any]]] = {}
        self.users: dict[int, dict[str, Any]] = {1: {"id": 1, "email": email, "role": "admin"}}
        self.idempotency: dict[str, tuple[str, dict[str, Any]]] = {}
        self.create_posts_by_key: dict[str, int] = {}  # how often each key was POSTed
        self.problems: list[str] = []  # shape violations the fake rejected with 422
        self._next_ticket = 2048800
        self._next_user = 900

    @property
    def expected_auth(self) -> str:
        return "Basic " + base64.b64encode(f"{self.email}/token:{self.token}".encode()).decode()

    def handle(self, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        if record.headers.get("authorization") != self.expected_auth:
            return 401, {"error": "Couldn't authenticate you"}, {}
        path = record.path
        with self._lock:
            if record.method == "POST" and path == "/api/v2/tickets.json":
                return self._create(record)
            match = re.fullmatch(r"/api/v2/tickets/(\d+)\.json", path)
            if match and record.method == "PUT":
                return self._update(int(match.group(1)), record)
            if match and record.method == "GET":
                return self._show(int(match.group(1)), record)
            match = re.fullmatch(r"/api/v2/tickets/(\d+)/comments\.json", path)
            if match and record.method == "GET":
                ticket_id = int(match.group(1))
                if ticket_id not in self.tickets:
                    return 404, {"error": "RecordNotFound"}, {}
                return 200, {"comments": list(reversed(self.comments[ticket_id]))}, {}
            if record.method == "GET" and path == "/api/v2/tickets.json":
                wanted = (record.query.get("external_id") or [""])[0]
                found = [t for t in self.tickets.values() if t["external_id"] == wanted]
                return 200, {"tickets": found, "count": len(found)}, {}
        return 404, {"error": "InvalidEndpoint"}, {}

    def _problem(self, text: str) -> tuple[int, Any, dict[str, str]]:
        self.problems.append(text)
        return 422, {"error": "RecordInvalid", "description": text}, {}

    def _create(self, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        key = record.headers.get("idempotency-key")
        if not key:
            return self._problem("missing Idempotency-Key header")
        self.create_posts_by_key[key] = self.create_posts_by_key.get(key, 0) + 1
        body = record.json
        fingerprint = json.dumps(body, sort_keys=True)
        if key in self.idempotency:
            seen_fingerprint, response = self.idempotency[key]
            if seen_fingerprint != fingerprint:
                return 400, {"error": "IdempotentRequestError"}, {}
            return 201, response, {"x-idempotency-lookup": "hit"}
        ticket = (body or {}).get("ticket") if isinstance(body, dict) else None
        if not isinstance(ticket, dict):
            return self._problem("body must be {\"ticket\": {...}}")
        comment = ticket.get("comment")
        if not isinstance(ticket.get("subject"), str) or not ticket["subject"]:
            return self._problem("subject must be a non-empty string")
        if not isinstance(comment, dict) or not isinstance(comment.get("body"), str) \
                or not isinstance(comment.get("public"), bool):
            return self._problem("comment must be {body: str, public: bool}")
        if ticket.get("priority") not in self.PRIORITIES:
            return self._problem(f"priority {ticket.get('priority')!r} invalid")
        tags = ticket.get("tags")
        if not isinstance(tags, list) or not all(isinstance(t, str) and " " not in t for t in tags):
            return self._problem("tags must be a list of strings without spaces")
        requester = ticket.get("requester")
        requester_id = 1
        if requester is not None:
            if not isinstance(requester, dict) or "@" not in str(requester.get("email", "")):
                return self._problem("requester must be {name, email}")
            requester_id = self._user(requester["email"], requester.get("name"))
        ticket_id = self._next_ticket
        self._next_ticket += 1
        now = _now()
        stored = {
            "id": ticket_id, "subject": ticket["subject"], "description": comment["body"],
            "status": "new", "priority": ticket["priority"], "tags": tags,
            "requester_id": requester_id, "external_id": ticket.get("external_id"),
            "created_at": now, "updated_at": now,
        }
        self.tickets[ticket_id] = stored
        self.comments[ticket_id] = [{"id": ticket_id * 10, "body": comment["body"],
                                     "public": comment["public"], "author_id": 1, "created_at": now}]
        response = {"ticket": dict(stored)}
        self.idempotency[key] = (fingerprint, response)
        return 201, response, {"x-idempotency-lookup": "miss"}

    def _update(self, ticket_id: int, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        if ticket_id not in self.tickets:
            return 404, {"error": "RecordNotFound"}, {}
        ticket = (record.json or {}).get("ticket") if isinstance(record.json, dict) else None
        comment = (ticket or {}).get("comment")
        if not isinstance(comment, dict) or not isinstance(comment.get("body"), str) \
                or not isinstance(comment.get("public"), bool):
            return self._problem("update must be {ticket: {comment: {body, public}}}")
        if self.tickets[ticket_id]["status"] == "closed":
            return self._problem("Status: closed prevents ticket update")
        existing = self.comments[ticket_id]
        existing.append({"id": ticket_id * 10 + len(existing), "body": comment["body"],
                         "public": comment["public"], "author_id": comment.get("author_id", 1),
                         "created_at": _now()})
        self.tickets[ticket_id]["updated_at"] = _now()
        return 200, {"ticket": dict(self.tickets[ticket_id])}, {}

    def _show(self, ticket_id: int, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        ticket = self.tickets.get(ticket_id)
        if ticket is None:
            return 404, {"error": "RecordNotFound"}, {}
        body: dict[str, Any] = {"ticket": dict(ticket)}
        if "users" in (record.query.get("include") or [""])[0]:
            body["users"] = [self.users[ticket["requester_id"]]]
        return 200, body, {}

    def _user(self, email: str, name: str | None) -> int:
        for user in self.users.values():
            if user["email"] == email.lower():
                return user["id"]
        self._next_user += 1
        self.users[self._next_user] = {"id": self._next_user, "email": email.lower(), "name": name,
                                       "role": "end-user"}
        return self._next_user

    # --- helpers for tests -----------------------------------------------------------------

    def set_status(self, ticket_id: int, status: str) -> None:
        with self._lock:
            self.tickets[ticket_id]["status"] = status

    def creates(self) -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path == "/api/v2/tickets.json"]

    def all_raw_bytes(self) -> bytes:
        return b"\n".join(r.raw_body for r in self.requests)


class FakeRasa(FakeHTTPService):
    """Rasa's HTTP API: records tracker events and executed actions per conversation."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__()
        self.token = token
        self.slots: dict[str, dict[str, Any]] = {}
        self.executed: list[tuple[str, str, str | None]] = []  # (conversation, action, agent_message)
        self.events: list[tuple[str, dict[str, Any]]] = []  # (conversation, event) as appended

    def handle(self, record: Recorded) -> tuple[int, Any, dict[str, str]]:
        if self.token is not None and (record.query.get("token") or [""])[0] != self.token:
            return 401, {"status": "failure", "reason": "NotAuthenticated"}, {}
        match = re.fullmatch(r"/conversations/(.+)/(tracker/events|execute)", record.path)
        if not match or record.method != "POST":
            return 404, {"status": "failure"}, {}
        conversation, endpoint = match.group(1), match.group(2)
        if (record.query.get("output_channel") or [""])[0] != "latest":
            return 400, {"status": "failure", "reason": "expected output_channel=latest"}, {}
        with self._lock:
            slots = self.slots.setdefault(conversation, {})
            if endpoint == "tracker/events":
                events = record.json if isinstance(record.json, list) else [record.json]
                for event in events:
                    if not isinstance(event, dict) or event.get("event") not in ("slot", "action") \
                            or not event.get("name"):
                        return 400, {"status": "failure", "reason": "bad event"}, {}
                    self.events.append((conversation, event))
                    if event["event"] == "slot":
                        slots[event["name"]] = event.get("value")
                return 200, {"sender_id": conversation, "slots": dict(slots)}, {}
            name = (record.json or {}).get("name")
            if not name:
                return 400, {"status": "failure", "reason": "no action name"}, {}
            self.executed.append((conversation, name, slots.get("agent_message")))
            if name == "action_deliver_agent_message":  # the real action resets its slot
                slots["agent_message"] = None
            return 200, {"tracker": {"sender_id": conversation}, "messages": []}, {}


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

"""A real HTTP server on 127.0.0.1 that speaks just enough of /v1/chat/completions for tests.

It checks each request like a strict server would (path, bearer token, body shape) and answers
with whatever the test queued: a canned completion, an HTTP error or a slow reply.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class CannedReply:
    content: str | None = None
    status: int = 200
    delay: float = 0.0
    finish_reason: str = "stop"
    raw_body: str | None = None  # sent as-is instead of a completion


@dataclass
class FakeOpenAIServer:
    api_key: str | None = None
    requests: list[dict[str, Any]] = field(default_factory=list)
    replies: list[CannedReply] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    url: str = ""

    def reply(self, content: str | dict | None = None, **kwargs: Any) -> None:
        if isinstance(content, dict):
            content = json.dumps(content)
        self.replies.append(CannedReply(content=content, **kwargs))

    def check(self, path: str, headers: dict[str, str], body: Any) -> str | None:
        """Why a strict server would reject the request (None: fine)."""
        if path != "/v1/chat/completions":
            return f"unknown path {path}"
        if self.api_key and headers.get("authorization") != f"Bearer {self.api_key}":
            return "unauthorized"
        if not isinstance(body, dict) or not isinstance(body.get("messages"), list) or not body["messages"]:
            return "messages missing"
        for message in body["messages"]:
            if (message.get("role") not in ("system", "user", "assistant")
                    or not isinstance(message.get("content"), str)):
                return f"bad message {message!r}"
        response_format = body.get("response_format") or {}
        if response_format.get("type") != "json_schema" or "schema" not in response_format.get("json_schema", {}):
            return "response_format json_schema missing"
        if not isinstance(body.get("max_tokens"), int) or body["max_tokens"] <= 0:
            return "max_tokens missing"
        return None


def start_server(server_state: FakeOpenAIServer) -> tuple[ThreadingHTTPServer, threading.Thread]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_GET(self) -> None:
            self._send(200, json.dumps({"data": [{"id": "tiny"}]}))

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            try:
                body = json.loads(self.rfile.read(length))
            except ValueError:
                body = None
            headers = {k.lower(): v for k, v in self.headers.items()}
            server_state.requests.append({"path": self.path, "headers": headers, "body": body})
            problem = server_state.check(self.path, headers, body)
            if problem:
                server_state.problems.append(problem)
                self._send(401 if problem == "unauthorized" else 400, json.dumps({"error": problem}))
                return
            canned = server_state.replies.pop(0) if server_state.replies else CannedReply(status=500)
            time.sleep(canned.delay)
            if canned.raw_body is not None or canned.status != 200:
                self._send(canned.status, canned.raw_body or json.dumps({"error": "canned failure"}))
                return
            self._send(200, json.dumps({
                "id": "chatcmpl-test", "object": "chat.completion", "model": body.get("model", "tiny"),
                "choices": [{"index": 0, "finish_reason": canned.finish_reason,
                             "message": {"role": "assistant", "content": canned.content}}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            }))

        def _send(self, status: int, text: str) -> None:
            data = text.encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout tests)
                pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    server_state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return httpd, thread

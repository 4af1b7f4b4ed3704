"""The Zendesk webhook: signature checks, agent replies into the chat, solved tickets ending it."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from actions.handover.webhook import add_webhook_routes, handle_zendesk_webhook, install, sign
from tests.handover.conftest import FAST, make_request
from tests.handover.fakes import FakeRasa, FakeZendesk

SECRET = FAST.webhook_secret


def signed(payload: Any, *, secret: str = SECRET, timestamp: str | None = None,
           body: bytes | None = None) -> tuple[dict[str, str], bytes]:
    raw = body if body is not None else json.dumps(payload).encode()
    timestamp = timestamp or datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return ({"Content-Type": "application/json",
             "X-Zendesk-Webhook-Signature": sign(secret, timestamp, raw),
             "X-Zendesk-Webhook-Signature-Timestamp": timestamp}, raw)


def reply(ticket_id: int, text: str = "Hi Alex, I've refunded the second charge.", **comment: Any) -> dict:
    return {"ticket_id": str(ticket_id), "event": "comment", "status": "open",
            "comment": {"body": text, "public": True, "author_role": "agent", **comment}}


@pytest.fixture
def handed_over(make_service, zendesk: FakeZendesk):
    service = make_service(zendesk)
    outcome = service.request_handover(make_request())
    assert outcome.status == "created"
    return service, outcome.ticket_id


def test_agent_reply_is_delivered_to_the_conversation(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    status, body = handle_zendesk_webhook(*signed(reply(ticket_id)), service=service)

    assert status == 200 and body["result"] == "accepted"
    events, execute, listen = rasa.requests
    assert events.method == "POST" and events.path == "/conversations/conv-1/tracker/events"
    assert events.json == [{"event": "slot", "name": "agent_message",
                            "value": "Hi Alex, I've refunded the second charge."}]
    assert execute.path == "/conversations/conv-1/execute"
    assert execute.json == {"name": "action_deliver_agent_message"}
    # the turn ends like a normal bot turn, so the dialogue rules match the user's next message
    assert listen.path == "/conversations/conv-1/tracker/events"
    assert listen.json == [{"event": "action", "name": "action_listen"}]
    for request in rasa.requests:
        assert request.query["output_channel"] == ["latest"] and request.query["token"] == [rasa.token]
    assert rasa.executed == [("conv-1", "action_deliver_agent_message",
                              "Hi Alex, I've refunded the second charge.")]


def test_conversation_ids_cannot_leave_their_path_segment(make_service, zendesk: FakeZendesk,
                                                          rasa: FakeRasa) -> None:
    """An id with `/`, `?`, `#` or spaces is escaped: it can't reach another endpoint or add a query."""
    service = make_service(zendesk)
    ticket_id = service.request_handover(make_request("x/../../model/train?y #z")).ticket_id
    status, _ = handle_zendesk_webhook(*signed(reply(ticket_id)), service=service)
    assert status == 200
    assert [r.path for r in rasa.requests][:2] == [
        "/conversations/x%2F..%2F..%2Fmodel%2Ftrain%3Fy%20%23z/tracker/events",
        "/conversations/x%2F..%2F..%2Fmodel%2Ftrain%3Fy%20%23z/execute"]
    assert all(set(r.query) == {"output_channel", "token"} for r in rasa.requests)


@pytest.mark.parametrize("case", ["unsigned", "no_timestamp", "wrong_secret", "tampered", "stale",
                                  "future", "garbage_timestamp"])
def test_bad_or_missing_signatures_are_rejected(handed_over, rasa: FakeRasa, case: str) -> None:
    service, ticket_id = handed_over
    payload = reply(ticket_id)
    headers, body = signed(payload)
    if case == "unsigned":
        headers = {"Content-Type": "application/json"}
    elif case == "no_timestamp":
        del headers["X-Zendesk-Webhook-Signature-Timestamp"]
    elif case == "wrong_secret":
        headers, body = signed(payload, secret="not-the-secret")
    elif case == "tampered":
        body = body.replace(b"refunded", b"cancelled")
    elif case == "stale":
        old = (datetime.now(UTC) - timedelta(minutes=6)).strftime("%Y-%m-%dT%H:%M:%SZ")
        headers, body = signed(payload, timestamp=old)
    elif case == "future":
        headers, body = signed(payload, timestamp=str(int(time.time()) + 3600))
    else:
        headers, body = signed(payload, timestamp="yesterday")
    status, answer = handle_zendesk_webhook(headers, body, service=service)
    assert status == 401 and "signature" in answer["error"]
    assert rasa.requests == []


def test_unix_timestamps_and_lowercase_headers_are_accepted(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    headers, body = signed(reply(ticket_id), timestamp=str(int(time.time()) - 60))
    status, _ = handle_zendesk_webhook({k.lower(): v for k, v in headers.items()}, body, service=service)
    assert status == 200 and len(rasa.executed) == 1


def test_without_a_secret_every_webhook_is_refused(make_service, zendesk: FakeZendesk, rasa: FakeRasa) -> None:
    service = make_service(zendesk, webhook_secret=None)
    ticket_id = service.request_handover(make_request()).ticket_id
    status, _ = handle_zendesk_webhook(*signed(reply(ticket_id)), service=service)
    assert status == 503 and rasa.requests == []


@pytest.mark.parametrize("body", [b"not json", b"[]", b'{"event": "comment"}',
                                  b'{"ticket_id": 5, "event": "deleted"}',
                                  b'{"ticket_id": 5, "event": "comment", "comment": {"body": " "}}'])
def test_malformed_bodies_get_400(handed_over, body: bytes) -> None:
    service, _ = handed_over
    status, _ = handle_zendesk_webhook(*signed(None, body=body), service=service)
    assert status == 400


def test_internal_notes_customer_comments_and_echoes_stay_out_of_the_chat(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    assert service.add_customer_message("conv-1", "Is there any update?")
    for payload in (reply(ticket_id, "internal: check with finance", public=False),
                    reply(ticket_id, "thanks!", author_role="end-user"),
                    reply(ticket_id, "Is there any update?")):  # our own copy, echoed by a trigger
        status, body = handle_zendesk_webhook(*signed(payload), service=service)
        assert status == 200 and body["result"] == "ignored"
    assert rasa.requests == []


def test_a_replayed_delivery_is_shown_once(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    headers, body = signed(reply(ticket_id))
    assert handle_zendesk_webhook(headers, body, service=service)[1]["result"] == "accepted"
    assert handle_zendesk_webhook(headers, body, service=service)[1]["result"] == "duplicate"
    with_id = {**reply(ticket_id, "second"), "event_id": "evt-1"}
    handle_zendesk_webhook(*signed(with_id), service=service)
    handle_zendesk_webhook(*signed(with_id), service=service)  # re-signed, same event id
    assert [m for _, _, m in rasa.executed] == ["Hi Alex, I've refunded the second charge.", "second"]


def test_solved_ticket_gives_the_conversation_back(handed_over, rasa: FakeRasa, zendesk: FakeZendesk) -> None:
    service, ticket_id = handed_over
    payload = {"ticket_id": ticket_id, "event": "status", "status": "Solved"}
    status, body = handle_zendesk_webhook(*signed(payload), service=service)

    assert status == 200 and body["queued"] == ["handover_ended"]
    assert rasa.executed == [("conv-1", "action_handover_ended", None)]
    assert service.active_handover("conv-1") is None
    assert service.add_customer_message("conv-1", "thanks, bye") is False  # the bot answers again
    late = handle_zendesk_webhook(*signed(reply(ticket_id, "one more thing")), service=service)[1]
    assert late["result"] == "ignored"  # went to the customer by email only
    again = service.request_handover(make_request())  # a new problem opens a new ticket
    assert again.status == "created" and again.ticket_id != ticket_id
    assert len(zendesk.tickets) == 2


def test_reply_and_solve_in_one_update_arrive_in_order(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    payload = {**reply(ticket_id, "All done, closing this."), "status": "solved"}
    handle_zendesk_webhook(*signed(payload), service=service)
    assert [a for _, a, _ in rasa.executed] == ["action_deliver_agent_message", "action_handover_ended"]


def test_reply_waits_in_the_outbox_while_rasa_is_down(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    rasa.stop()
    status, body = handle_zendesk_webhook(*signed(reply(ticket_id)), service=service)
    assert status == 200 and body["result"] == "accepted"  # saved; Zendesk need not retry
    assert service.outbox.counts().get("pending") == 1

    rasa.restart()
    time.sleep(0.07)
    assert service.drain().sent == 1
    assert rasa.executed == [("conv-1", "action_deliver_agent_message",
                              "Hi Alex, I've refunded the second charge.")]


def test_unknown_tickets_are_ignored(handed_over, rasa: FakeRasa) -> None:
    service, _ = handed_over
    status, body = handle_zendesk_webhook(*signed(reply(999)), service=service)
    assert status == 200 and body["result"] == "ignored" and rasa.requests == []


# --- the Sanic adapter, driven in-process through ASGI -------------------------------------


async def _asgi_post(app: Any, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
             "root_path": "", "client": ("127.0.0.1", 5000), "server": ("testserver", 80),
             "headers": [(b"host", b"testserver"), (b"content-length", str(len(body)).encode())]
             + [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    incoming = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    payload = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, json.loads(payload)


class _Lifespan:
    """Runs the ASGI lifespan protocol so server start/stop listeners fire."""

    def __init__(self, app: Any) -> None:
        self.app, self.queue, self.sent = app, asyncio.Queue(), []

    async def __aenter__(self) -> _Lifespan:
        async def send(message: dict) -> None:
            self.sent.append(message["type"])
            if message.get("message"):
                self.sent.append(message["message"])

        self.task = asyncio.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}},
                                                 self.queue.get, send))
        await self.queue.put({"type": "lifespan.startup"})
        for _ in range(500):
            if "lifespan.startup.complete" in self.sent:
                return self
            if "lifespan.startup.failed" in self.sent or self.task.done():
                break
            await asyncio.sleep(0.01)
        raise AssertionError(f"ASGI startup did not complete: {self.sent}, {self._failure()}")

    def _failure(self) -> object:
        return self.task.exception() if self.task.done() else "still running"

    async def __aexit__(self, *exc: object) -> None:
        await self.queue.put({"type": "lifespan.shutdown"})
        await asyncio.wait_for(self.task, 10)


def test_sanic_route_verifies_and_delivers(handed_over, rasa: FakeRasa) -> None:
    from sanic import Sanic

    service, ticket_id = handed_over
    app = Sanic("handover_test_routes")
    app.config.TOUCHUP = False  # Sanic rewrites class methods once per process; two test apps
    add_webhook_routes(app, service=service)

    async def scenario() -> None:
        async with _Lifespan(app):
            ok = await _asgi_post(app, "/webhooks/zendesk", *signed(reply(ticket_id)))
            unsigned = await _asgi_post(app, "/webhooks/zendesk", {}, json.dumps(reply(ticket_id)).encode())
        assert ok == (200, {"result": "accepted", "queued": ["agent_message"], "delivered": True})
        assert unsigned[0] == 401

    asyncio.run(scenario())
    assert len(rasa.executed) == 1


def test_install_runs_the_worker_for_the_server_lifetime(make_service, zendesk: FakeZendesk) -> None:
    from sanic import Sanic

    service = make_service(zendesk)
    zendesk.stop()
    outcome = service.request_handover(make_request())
    assert outcome.queued
    zendesk.restart()
    app = Sanic("handover_test_install")
    app.config.TOUCHUP = False
    install(app, service=service)

    async def scenario() -> None:
        async with _Lifespan(app):
            for _ in range(200):
                if zendesk.tickets:
                    break
                await asyncio.sleep(0.02)

    asyncio.run(scenario())
    assert len(zendesk.tickets) == 1
    assert service._listeners == []  # the worker stopped and unsubscribed


def test_timestamp_forms() -> None:
    from actions.handover.webhook import parse_timestamp

    assert parse_timestamp("2026-10-01T12:00:00Z") == datetime(2026, 10, 1, 12, tzinfo=UTC).timestamp()
    assert parse_timestamp("1790000000") == 1790000000.0
    assert parse_timestamp("1790000000000") == 1790000000.0  # milliseconds
    assert parse_timestamp("2026-10-01T12:00:00") is None  # no zone: age unknown
    assert parse_timestamp("") is None and parse_timestamp("yesterday") is None


def test_a_namespaced_conversation_id_reaches_rasa_as_it_is(make_service, zendesk: FakeZendesk,
                                                            rasa: FakeRasa) -> None:
    """Rasa does not percent-decode ids in its paths: `telegram:42` must not arrive as `telegram%3A42`."""
    service = make_service(zendesk)
    outcome = service.request_handover(make_request("telegram:42"))
    status, _ = handle_zendesk_webhook(*signed(reply(outcome.ticket_id)), service=service)
    assert status == 200
    assert [r.path for r in rasa.requests] == ["/conversations/telegram:42/tracker/events",
                                               "/conversations/telegram:42/execute",
                                               "/conversations/telegram:42/tracker/events"]

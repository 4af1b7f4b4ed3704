"""Zendesk webhook replays: a signed delivery replayed with the unsigned invocation-id header
changed or removed must not reach the chat twice, after a restart, or through a second action
server sharing the database."""


from __future__ import annotations

import json
import threading
import time
from dataclasses import replace

import pytest

from actions.handover.service import HandoverService
from actions.handover.webhook import INVOCATION_HEADER, handle_zendesk_webhook, sign
from actions.store.database import get_sessionmaker, make_engine
from tests.handover.conftest import FAST, make_request
from tests.handover.fakes import FakeRasa, FakeZendesk


def _signed(payload: dict, *, stamp: str | None = None, invocation: str | None = "inv-1"
            ) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(payload).encode()
    stamp = stamp or str(int(time.time()))
    headers = {"X-Zendesk-Webhook-Signature": sign(FAST.webhook_secret, stamp, raw),
               "X-Zendesk-Webhook-Signature-Timestamp": stamp}
    if invocation is not None:
        headers[INVOCATION_HEADER] = invocation
    return headers, raw


def _reply(ticket_id: int, comment_id: int | None = None) -> dict:
    comment = {"body": "Your refund is on its way.", "public": True, "author_role": "agent"}
    if comment_id is not None:
        comment["id"] = comment_id
    return {"ticket_id": str(ticket_id), "event": "comment", "status": "open", "comment": comment}


@pytest.fixture
def handed_over(make_service, zendesk: FakeZendesk) -> tuple[HandoverService, int]:
    service = make_service(zendesk)
    return service, service.request_handover(make_request()).ticket_id


def _second_server(service: HandoverService, db_path) -> HandoverService:
    """Another action server process: its own engine on the same database, its own state."""
    engine = make_engine(f"sqlite:///{db_path}")
    return HandoverService(replace(service.config), sessions=get_sessionmaker(engine))


def _deliveries(rasa: FakeRasa) -> list[str | None]:
    return [m for _, action, m in rasa.executed if action == "action_deliver_agent_message"]


@pytest.mark.parametrize("replayed_invocation", ["inv-2", "", None], ids=["changed", "empty", "removed"])
def test_a_replay_with_another_invocation_id_is_not_delivered_twice(
        handed_over, rasa: FakeRasa, replayed_invocation: str | None) -> None:
    service, ticket_id = handed_over
    headers, body = _signed(_reply(ticket_id))
    assert handle_zendesk_webhook(headers, body, service=service)[1]["result"] == "accepted"

    replay = {k: v for k, v in headers.items() if k != INVOCATION_HEADER}
    if replayed_invocation is not None:
        replay[INVOCATION_HEADER] = replayed_invocation
    status, answer = handle_zendesk_webhook(replay, body, service=service)
    assert (status, answer["result"]) == (200, "duplicate")
    assert _deliveries(rasa) == ["Your refund is on its way."]


def test_the_same_comment_signed_again_is_delivered_once(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    first = _signed(_reply(ticket_id, comment_id=9001), stamp=str(int(time.time()) - 30))
    again = _signed(_reply(ticket_id, comment_id=9001), invocation=None)  # new signature and time
    assert handle_zendesk_webhook(*first, service=service)[1]["result"] == "accepted"
    assert handle_zendesk_webhook(*again, service=service)[1]["result"] == "duplicate"
    other = _signed(_reply(ticket_id, comment_id=9002), invocation="inv-9")  # same words, new comment
    assert handle_zendesk_webhook(*other, service=service)[1]["result"] == "accepted"
    assert len(_deliveries(rasa)) == 2


def test_a_replayed_solve_is_a_duplicate(handed_over, rasa: FakeRasa) -> None:
    service, ticket_id = handed_over
    solved = {"ticket_id": ticket_id, "event": "status", "status": "solved"}
    headers, body = _signed(solved)
    assert handle_zendesk_webhook(headers, body, service=service)[1]["result"] == "accepted"
    resigned = _signed(solved, invocation="inv-other")
    assert handle_zendesk_webhook(*resigned, service=service)[1]["result"] == "duplicate"
    assert [a for _, a, _ in rasa.executed] == ["action_handover_ended"]


def test_replays_are_recognised_after_a_restart_and_by_a_second_server(
        handed_over, rasa: FakeRasa, db_path) -> None:
    service, ticket_id = handed_over
    headers, body = _signed(_reply(ticket_id))
    assert handle_zendesk_webhook(headers, body, service=service)[1]["result"] == "accepted"

    restarted = _second_server(service, db_path)  # nothing carried over in memory
    replay = {**headers, INVOCATION_HEADER: "inv-after-restart"}
    assert handle_zendesk_webhook(replay, body, service=restarted)[1]["result"] == "duplicate"
    other = _second_server(service, db_path)
    del replay[INVOCATION_HEADER]
    assert handle_zendesk_webhook(replay, body, service=other)[1]["result"] == "duplicate"
    assert len(_deliveries(rasa)) == 1


def test_two_servers_racing_on_one_replay_deliver_it_once(handed_over, rasa: FakeRasa, db_path) -> None:
    service, ticket_id = handed_over
    servers = [_second_server(service, db_path) for _ in range(2)]
    headers, body = _signed(_reply(ticket_id, comment_id=4242))
    variants = [headers, {**headers, INVOCATION_HEADER: "inv-forged"}]
    start, results = threading.Barrier(2), []

    def deliver(server: HandoverService, hdrs: dict[str, str]) -> None:
        start.wait()
        results.append(handle_zendesk_webhook(hdrs, body, service=server))

    threads = [threading.Thread(target=deliver, args=pair) for pair in zip(servers, variants)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(answer["result"] for status, answer in results if status == 200) == ["accepted", "duplicate"]
    assert len(_deliveries(rasa)) == 1

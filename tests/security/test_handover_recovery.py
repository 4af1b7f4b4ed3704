"""Handover recovery after a Zendesk outage: capped back-off, the backlog drained at once when
Zendesk is back, and a reference for every customer who handed over during the outage."""


from __future__ import annotations

import re
import time

from actions.handover.config import HandoverConfig
from actions.handover.outbox import RetryPolicy
from actions.handover.worker import start_outbox_worker
from tests.handover.conftest import make_request
from tests.handover.fakes import FakeZendesk

REFERENCE = re.compile(r"\bH-[0-9A-F]{8}\b")


def _wait_for(condition, timeout: float) -> float:
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < timeout, "not reached in time"
        time.sleep(0.02)
    return time.monotonic() - started


def _assert_each_handover_has_one_ticket(service, zendesk: FakeZendesk, conversations: list[str]) -> None:
    external_ids = [t["external_id"] for t in zendesk.tickets.values()]
    assert len(external_ids) == len(set(external_ids)) == len(conversations)  # none duplicated
    for conversation in conversations:
        assert service.active_handover(conversation).ticket_id in zendesk.tickets


def test_backoff_is_capped_at_30_seconds_by_default() -> None:
    config = HandoverConfig.from_env({})
    assert config.retry_max_seconds == 30
    policy = RetryPolicy.from_config(config)
    assert max(policy.delay(attempts) for attempts in (10, 20, 100, 10_000)) <= 30


def test_customers_who_hand_over_during_an_outage_get_a_reference(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.stop()
    outcomes = [service.request_handover(make_request(f"outage-{i}")) for i in range(3)]
    references = []
    for outcome in outcomes:
        assert outcome.status == "queued" and outcome.ticket_number_for_user is None
        [shown] = REFERENCE.findall(outcome.message_for_user)
        assert shown == outcome.reference
        references.append(shown)
    assert len(set(references)) == 3
    again = service.request_handover(make_request("outage-0"))  # asks again while still queued
    assert again.status == "already_open" and references[0] in again.message_for_user

    zendesk.restart()
    time.sleep(0.06)
    service.drain()
    for reference in references:  # agents can find the conversation by what the customer quotes
        [ticket] = [t for t in zendesk.tickets.values() if f"Chat reference: {reference}" in t["description"]]
        assert "ref_" + reference.replace("-", "_").lower() in ticket["tags"]


def test_all_queued_tickets_arrive_within_seconds_of_recovery(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk, retry_base_seconds=0.25, retry_max_seconds=1.0,
                           worker_interval_seconds=0.1, attempts_per_drain=1)
    zendesk.stop()
    worker = start_outbox_worker(service)
    try:
        conversations = []
        for i in range(6):
            conversations.append(f"down-{i}")
            assert service.request_handover(make_request(conversations[-1])).status == "queued"
            time.sleep(0.5)
        time.sleep(2.0)  # the outage goes on; the worker keeps probing
        assert zendesk.tickets == {}
        zendesk.restart()
        elapsed = _wait_for(lambda: len(zendesk.tickets) == len(conversations), timeout=10)
    finally:
        worker.stop()
    print(f"\n{len(conversations)} queued tickets arrived {elapsed:.2f}s after Zendesk came back")
    assert elapsed < 2.5
    _assert_each_handover_has_one_ticket(service, zendesk, conversations)


def test_one_success_releases_every_backed_off_ticket_at_once(make_service, zendesk: FakeZendesk) -> None:
    slow = dict(retry_base_seconds=20, retry_max_seconds=30)  # long back-offs, as after a long outage
    before = make_service(zendesk, **slow)
    zendesk.stop()
    conversations = [f"held-{i}" for i in range(4)]
    for conversation in conversations:
        assert before.request_handover(make_request(conversation)).status == "queued"
    waiting = [r for r in before.outbox.rows() if r.attempts > 0]
    assert waiting  # at least the first one tried, failed and now waits 10-30 s

    after = make_service(zendesk, **slow)  # e.g. the action server restarted meanwhile
    zendesk.restart()
    started = time.monotonic()
    report = after.drain()
    elapsed = time.monotonic() - started
    print(f"\nbacklog of {len(conversations)} drained in {elapsed:.2f}s after recovery "
          f"({report.released} released from their back-off)")
    assert report.sent == len(conversations) and elapsed < 2.0
    _assert_each_handover_has_one_ticket(after, zendesk, conversations)

"""The background worker and outbox claims: start/stop, wake-up, resilience, lease takeover."""

from __future__ import annotations

import logging
import time

from actions.handover.worker import start_outbox_worker
from tests.handover.conftest import make_request
from tests.handover.fakes import FakeZendesk


def _wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.01)


def test_start_returns_a_stop_handle(make_service) -> None:
    service = make_service()
    handle = start_outbox_worker(service)
    assert handle.running
    _wait_until(lambda: handle.drains >= 1)
    assert handle.stop(timeout=5) and not handle.running
    other = start_outbox_worker(service)
    assert other() is True  # the handle itself is callable


def test_new_messages_wake_the_worker(make_service) -> None:
    service = make_service()
    handle = start_outbox_worker(service, interval=30)
    try:
        _wait_until(lambda: handle.drains >= 1)
        before = handle.drains
        service.request_handover(make_request())  # notifies the worker
        _wait_until(lambda: handle.drains > before, timeout=2)
    finally:
        handle.stop()


def test_worker_survives_a_failing_pass(make_service, caplog) -> None:
    service = make_service()
    real_drain, calls = service.drain, []

    def flaky(**kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database is locked")
        return real_drain(**kwargs)

    service.drain = flaky
    with caplog.at_level(logging.ERROR):
        handle = start_outbox_worker(service)
        try:
            _wait_until(lambda: len(calls) >= 3)
        finally:
            handle.stop()
    assert any("outbox drain failed" in r.getMessage() for r in caplog.records)


def test_a_dead_drainers_claim_is_taken_over_after_the_lease(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk, claim_lease_seconds=1)
    zendesk.always("500")
    outcome = service.request_handover(make_request())
    zendesk.recover()
    time.sleep(0.07)
    [row] = service.outbox.rows()
    assert service.outbox.claim(row.id) is not None  # a drainer claims it, then dies

    assert service.drain().sent == 0  # still leased to the dead drainer
    time.sleep(1.1)
    assert service.drain().sent == 1
    assert len(zendesk.tickets) == 1
    assert service.active_handover("conv-1").ticket_id == next(iter(zendesk.tickets))
    assert outcome.handover_id == service.active_handover("conv-1").handover_id


def test_a_message_is_claimed_only_once(make_service) -> None:
    service = make_service()
    service.request_handover(make_request())
    service.add_customer_message("conv-1", "hello")
    [comment, _create] = service.outbox.rows()
    service.outbox.requeue()  # nothing dead: no-op
    assert service.outbox.counts() == {"sent": 2}
    assert service.outbox.claim(comment.id) is None  # already sent


def test_purge_removes_delivered_messages_only(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    service.request_handover(make_request("conv-1"))
    zendesk.fail_next("422")
    service.request_handover(make_request("conv-2"))
    assert service.outbox.counts() == {"sent": 1, "dead": 1}
    assert service.outbox.purge_sent(older_than_days=1) == 0  # too recent
    assert service.outbox.purge_sent(older_than_days=0) == 1
    assert service.outbox.counts() == {"dead": 1}
    assert service.active_handover("conv-1").ticket_id is not None  # the handover record stays

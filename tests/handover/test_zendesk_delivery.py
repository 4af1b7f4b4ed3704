"""Handover to a (fake, real-HTTP) Zendesk: content, retries, idempotency, outages, credentials."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import sessionmaker

from actions.handover.models import HandoverRow, OutboxRow
from actions.handover.worker import start_outbox_worker
from tests.handover.conftest import CARD, CARD_DIGITS, CVV, PASSWORD, make_request
from tests.handover.fakes import FakeZendesk

SECRETS = (CARD, CARD_DIGITS, PASSWORD, f"cvv {CVV}", "08/27", "5555555555554444", "hunter2")


def _db_bytes(db_path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in db_path.parent.glob(db_path.name + "*"))


def _operator_errors(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records
            if r.name == "actions.handover.operator" and r.levelno >= logging.ERROR]


def _wait_until(condition, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)


def test_ticket_is_created_with_auth_payload_and_idempotency_key(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    outcome = service.request_handover(make_request())

    assert outcome.status == "created" and not outcome.queued
    assert outcome.ticket_id == 2048800 and outcome.ticket_number_for_user == "CS-2048800"
    assert "CS-2048800" in outcome.message_for_user
    assert "within 1 business day" in outcome.message_for_user
    assert "alex.morgan@example.com" in outcome.message_for_user

    [create] = zendesk.creates()
    assert create.headers["authorization"] == zendesk.expected_auth
    assert create.headers["idempotency-key"] == f"handover-{outcome.handover_id}"
    ticket = create.json["ticket"]
    assert ticket["subject"] == "Chat handover: Payment issue (NW-482913)"
    assert ticket["priority"] == "high"
    assert ticket["tags"] == ["chatbot", "socketio", "report_double_charge", "payment_issue",
                              "ref_" + outcome.reference.replace("-", "_").lower()]
    assert ticket["requester"] == {"name": "Alex Morgan", "email": "alex.morgan@example.com"}
    assert ticket["comment"]["public"] is False  # the summary is for agents
    assert "Order number: NW-482913" in ticket["comment"]["body"]
    assert ticket["external_id"] == f"chat-handover-{outcome.handover_id}"
    assert zendesk.problems == []
    assert service.active_handover("conv-1").ticket_number == "CS-2048800"


def test_card_numbers_and_passwords_never_reach_zendesk_or_the_database(
        make_service, zendesk: FakeZendesk, db_path: Path) -> None:
    service = make_service(zendesk)
    service.request_handover(make_request())
    assert service.add_customer_message("conv-1", "new card 5555 5555 5555 4444 cvv 123, pw: hunter2")

    sent = zendesk.all_raw_bytes().decode()
    stored = _db_bytes(db_path)
    assert "[REDACTED: card ending 4444]" in sent
    for secret in SECRETS:
        assert secret not in sent, secret
        assert secret.encode() not in stored, secret


def test_server_error_is_retried_without_duplicate(make_service, zendesk: FakeZendesk) -> None:
    # A back-off long enough that a loaded machine reaches the first drain before it passes.
    service = make_service(zendesk, retry_base_seconds=1.5, retry_max_seconds=1.5)
    zendesk.fail_next("500", times=2)
    outcome = service.request_handover(make_request())
    assert outcome.queued and outcome.ticket_id is None and outcome.status == "queued"
    assert "saved and will reach our team" in outcome.message_for_user
    assert "within 1 business day" in outcome.message_for_user

    service.drain()  # the back-off after the first failure has not passed: nothing is sent
    assert len(zendesk.creates()) == 1
    time.sleep(1.6)
    report = service.drain()  # 500 once more, then success after a short inline back-off
    assert report.sent == 1
    assert len(zendesk.tickets) == 1 and len(zendesk.creates()) == 3
    assert service.active_handover("conv-1").ticket_id == 2048800


def test_lost_response_after_create_does_not_duplicate(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.fail_next("drop_after")  # Zendesk creates the ticket, the answer never arrives
    outcome = service.request_handover(make_request())
    assert outcome.queued
    assert len(zendesk.tickets) == 1

    time.sleep(0.07)  # past the test-sized back-off
    service.drain()
    assert len(zendesk.tickets) == 1  # same Idempotency-Key: Zendesk replays the first answer
    key = f"handover-{outcome.handover_id}"
    assert zendesk.create_posts_by_key[key] == 2
    assert service.active_handover("conv-1").ticket_id == next(iter(zendesk.tickets))


def test_key_expired_at_zendesk_is_covered_by_external_id_lookup(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk, idempotency_window_seconds=0)
    zendesk.fail_next("drop_after")
    outcome = service.request_handover(make_request())
    zendesk.idempotency.clear()  # as if the 2-hour key window had passed

    time.sleep(0.07)
    service.drain()
    assert len(zendesk.tickets) == 1
    lookups = [r for r in zendesk.requests if r.method == "GET" and r.path == "/api/v2/tickets.json"]
    assert lookups and lookups[0].query["external_id"] == [f"chat-handover-{outcome.handover_id}"]


def test_rate_limit_honours_retry_after(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.fail_next("429", retry_after=1)
    outcome = service.request_handover(make_request())
    assert outcome.queued

    service.drain()  # still inside Retry-After: no request at all
    assert len(zendesk.requests) == 1
    time.sleep(1.05)
    assert service.drain().sent == 1
    first, second = zendesk.creates()
    assert second.at - first.at >= 1.0


def test_rate_limit_inside_a_drain_waits_retry_after(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.always("500")
    service.request_handover(make_request())
    zendesk.recover()
    time.sleep(0.07)  # past the back-off
    zendesk.fail_next("429", retry_after=1)
    assert service.drain().sent == 1
    *_, limited, ok = zendesk.creates()
    assert limited.status == 429 and ok.status == 201
    assert ok.at - limited.at >= 1.0


def test_slow_zendesk_does_not_keep_the_user_waiting(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)  # budget 2 s, HTTP timeout 1 s
    zendesk.fail_next("slow", seconds=2.5)
    started = time.monotonic()
    outcome = service.request_handover(make_request())
    assert time.monotonic() - started < 2.5
    assert outcome.queued

    _wait_until(lambda: len(zendesk.tickets) == 1)  # the slow request finishes at Zendesk
    service.drain()
    assert len(zendesk.tickets) == 1
    assert service.active_handover("conv-1").ticket_id is not None


@pytest.mark.parametrize("outage", ["500", "refused"])
def test_outage_then_recovery_delivers_every_handover_exactly_once(
        make_service, zendesk: FakeZendesk, sessions: sessionmaker, outage: str) -> None:
    service = make_service(zendesk)
    if outage == "500":
        zendesk.always("500")
    else:
        zendesk.stop()
    outcomes = [service.request_handover(make_request(f"conv-{i}")) for i in range(20)]
    assert all(o.queued and o.ticket_id is None for o in outcomes)
    assert all("saved" in o.message_for_user for o in outcomes)
    assert zendesk.tickets == {}

    if outage == "500":
        zendesk.recover()
    else:
        zendesk.restart()
    worker = start_outbox_worker(service)
    try:
        _wait_until(lambda: service.outbox.counts() == {"sent": 20})
    finally:
        assert worker.stop()
    assert len(zendesk.tickets) == 20
    external_ids = {t["external_id"] for t in zendesk.tickets.values()}
    assert external_ids == {f"chat-handover-{o.handover_id}" for o in outcomes}
    with sessions() as session:
        assert all(h.ticket_id for h in session.scalars(select(HandoverRow)))


def test_two_drainers_racing_send_each_handover_once(make_service, zendesk: FakeZendesk) -> None:
    first, second = make_service(zendesk), make_service(zendesk)  # like two processes
    zendesk.always("500")
    for i in range(12):
        first.request_handover(make_request(f"conv-{i}"))
    zendesk.always("slow", seconds=0.05)
    time.sleep(0.07)
    threads = [threading.Thread(target=s.drain) for s in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(zendesk.tickets) == 12
    assert sorted(zendesk.create_posts_by_key.values()) == [1] * 12  # claims never overlapped


def test_bad_credentials_are_not_retried_and_reported_to_the_operator(
        make_service, zendesk: FakeZendesk, logs, sessions: sessionmaker) -> None:
    wrong = "wrong-token-value-987"
    service = make_service(zendesk, token=wrong)
    outcome = service.request_handover(make_request())

    assert outcome.queued and outcome.status == "queued"
    assert "saved and will reach our team" in outcome.message_for_user
    assert [r.status for r in zendesk.requests] == [401]
    errors = _operator_errors(logs.records)
    assert errors and "401" in errors[0] and "ZENDESK_API_TOKEN" in errors[0]
    everything_logged = "\n".join(r.getMessage() for r in logs.records)
    assert wrong not in everything_logged and "Basic " not in everything_logged

    assert service.add_customer_message("conv-1", "any news?")
    for _ in range(3):
        service.drain()
    assert len(zendesk.requests) == 1  # never retried with the same credentials
    with sessions() as session:
        rows = session.scalars(select(OutboxRow)).all()
        assert {r.state for r in rows} == {"pending"}  # kept, not lost
        assert all(wrong not in (r.last_error or "") for r in rows)

    fixed = make_service(zendesk)  # operator fixed ZENDESK_API_TOKEN and restarted
    assert fixed.drain().sent == 2
    assert len(zendesk.tickets) == 1
    ticket_id = next(iter(zendesk.tickets))
    assert [c["body"] for c in zendesk.comments[ticket_id]][1:] == ["any news?"]


def test_rejected_ticket_is_not_retried_and_the_user_is_told_to_email(
        make_service, zendesk: FakeZendesk, logs) -> None:
    service = make_service(zendesk)
    zendesk.fail_next("422", why="Requester: Email is invalid")
    outcome = service.request_handover(make_request())

    assert outcome.status == "failed" and not outcome.queued
    assert "support@northwindoutfitters.com" in outcome.message_for_user
    assert "NW-482913" in outcome.message_for_user
    assert any("422" in e and "Email is invalid" in e and "outbox retry" in e
               for e in _operator_errors(logs.records))
    service.drain()
    assert len(zendesk.requests) == 1
    assert service.outbox.counts() == {"dead": 1}
    assert service.active_handover("conv-1") is None


def test_a_mistyped_email_does_not_block_the_ticket(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    outcome = service.request_handover(make_request(requester_email="alex at example"))
    assert outcome.status == "created"
    ticket = zendesk.creates()[0].json["ticket"]
    assert "requester" not in ticket
    assert "typed an invalid email address: 'alex at example'" in ticket["comment"]["body"]
    assert "by email" not in outcome.message_for_user  # we can't promise an email


def test_wrong_zendesk_url_is_an_operator_problem_not_a_lost_ticket(
        make_service, zendesk: FakeZendesk, logs) -> None:
    service = make_service(zendesk)
    zendesk.fail_next("301")
    outcome = service.request_handover(make_request())
    assert outcome.queued
    assert any("ZENDESK_URL" in e for e in _operator_errors(logs.records))
    service.drain()
    assert len(zendesk.requests) == 1 and service.outbox.counts() == {"pending": 1}


def test_database_failure_still_gives_an_honest_answer(make_service, zendesk: FakeZendesk, logs) -> None:
    from sqlalchemy.exc import OperationalError

    service = make_service(zendesk)

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("disk I/O error"))

    service.sessions.begin = broken
    outcome = service.request_handover(make_request())
    assert outcome.status == "failed" and "support@northwindoutfitters.com" in outcome.message_for_user
    assert _operator_errors(logs.records)


def test_customer_messages_become_comments_in_order(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    outcome = service.request_handover(make_request())
    assert service.add_customer_message("conv-1", "first: it was order NW-482913")
    assert service.add_customer_message("conv-1", "second: my password is hunter2")

    comments = zendesk.comments[outcome.ticket_id][1:]
    assert [c["body"] for c in comments] == ["first: it was order NW-482913",
                                             "second: my password is [REDACTED: password]"]
    requester = zendesk.tickets[outcome.ticket_id]["requester_id"]
    assert all(c["public"] is True and c["author_id"] == requester for c in comments)
    puts = [r for r in zendesk.requests if r.method == "PUT"]
    assert len({r.headers["idempotency-key"] for r in puts}) == 2


def test_messages_written_while_queued_follow_the_ticket(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.always("500")
    service.request_handover(make_request())
    assert service.add_customer_message("conv-1", "one")
    assert service.add_customer_message("conv-1", "two")
    zendesk.recover()
    time.sleep(0.07)
    assert service.drain().sent == 3
    ok = [r for r in zendesk.requests if r.status in (200, 201)]
    assert [r.method for r in ok] == ["POST", "PUT", "PUT"]
    assert [r.json["ticket"]["comment"]["body"] for r in ok[1:]] == ["one", "two"]


def test_a_later_message_never_overtakes_one_waiting_for_a_retry(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    service.request_handover(make_request())
    zendesk.always("500")
    assert service.add_customer_message("conv-1", "one")  # fails, waits for its back-off
    zendesk.recover()
    time.sleep(0.07)
    assert service.add_customer_message("conv-1", "two")  # must not go before "one"
    time.sleep(0.07)
    service.drain()
    ticket_id = next(iter(zendesk.tickets))
    assert [c["body"] for c in zendesk.comments[ticket_id]][1:] == ["one", "two"]


def test_a_second_drainer_waits_for_the_ticket_before_its_comments(make_service, zendesk: FakeZendesk) -> None:
    first, second = make_service(zendesk), make_service(zendesk)
    zendesk.always("500")
    first.request_handover(make_request())
    first.add_customer_message("conv-1", "one")
    first.add_customer_message("conv-1", "two")
    zendesk.always("slow", seconds=0.3)
    time.sleep(0.07)
    threads = [threading.Thread(target=s.drain) for s in (first, second)]
    for thread in threads:
        thread.start()
        time.sleep(0.05)  # the second starts while the first is creating the ticket
    for thread in threads:
        thread.join()
    first.drain()
    assert first.outbox.counts() == {"sent": 3}  # no comment was tried before its ticket existed
    ticket_id = next(iter(zendesk.tickets))
    assert [c["body"] for c in zendesk.comments[ticket_id]][1:] == ["one", "two"]


def test_a_comment_whose_answer_was_lost_is_not_added_twice(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    zendesk.always("500")
    service.request_handover(make_request())
    service.add_customer_message("conv-1", "my tent pole snapped")
    zendesk.recover()
    zendesk.fail_next("ok")  # the ticket
    zendesk.fail_next("drop_after")  # the comment is saved, its answer lost; retried in this drain
    time.sleep(0.07)
    assert service.drain().sent == 2
    ticket_id = next(iter(zendesk.tickets))
    assert [c["body"] for c in zendesk.comments[ticket_id]][1:] == ["my tent pole snapped"]
    assert len([r for r in zendesk.requests if r.method == "PUT"]) == 1  # checked, not re-sent


def test_no_handover_means_the_bot_answers(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    assert service.add_customer_message("nobody", "hello") is False
    assert zendesk.requests == []


def test_asking_again_does_not_open_a_second_ticket(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    first = service.request_handover(make_request())
    again = service.request_handover(make_request(reason="user_request"))
    assert again.status == "already_open" and again.ticket_number_for_user == first.ticket_number_for_user
    assert first.ticket_number_for_user in again.message_for_user
    assert len(zendesk.tickets) == 1


def test_retry_after_forms() -> None:
    from email.utils import formatdate

    from actions.handover.zendesk import parse_retry_after

    assert parse_retry_after("7") == 7.0
    assert parse_retry_after(None) == 60.0 and parse_retry_after("soon") == 60.0
    in_ten = parse_retry_after(formatdate(time.time() + 10, usegmt=True))
    assert 8.0 <= in_ten <= 10.0

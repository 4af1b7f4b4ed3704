"""F6: one broken character must not lose a handover; a message that can never be sent goes dead.

Lone UTF-16 surrogates (what a JSON "\\ud83d" escape or undecodable argv bytes turn into) are
cleaned where text enters the handover: the transcript, relayed customer messages, agent
replies from the webhook and the CLI.
"""


from __future__ import annotations

import json
import re
import time

from sqlalchemy import text

from actions.handover.cli import main as cli
from actions.handover.webhook import handle_zendesk_webhook, sign
from tests.handover.conftest import FAST, make_request
from tests.handover.fakes import FakeRasa, FakeZendesk

LONE = re.compile("[\ud800-\udfff]")
BROKEN = "my parcel \ud83d never came"  # a lone high surrogate, as a fuzzer or a bad client sends


def _strict_json(raw: bytes) -> object:
    """The body as the receiver sees it: valid UTF-8 and no lone surrogates in any string."""
    decoded = json.loads(raw.decode("utf-8", "strict"))
    assert not LONE.search(_all_strings(decoded))
    return decoded


def _all_strings(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        return "".join(_all_strings(k) + _all_strings(v) for k, v in value.items())
    if isinstance(value, list):
        return "".join(_all_strings(v) for v in value)
    return ""


def _signed(payload: dict) -> tuple[dict[str, str], bytes]:
    raw = json.dumps(payload).encode()  # json.dumps writes a lone surrogate as "\ud83d"
    stamp = str(int(time.time()))
    return ({"X-Zendesk-Webhook-Signature": sign(FAST.webhook_secret, stamp, raw),
             "X-Zendesk-Webhook-Signature-Timestamp": stamp}, raw)


def test_surrogates_in_the_transcript_still_make_a_zendesk_ticket(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    request = make_request(transcript=[("user", BROKEN), ("bot", "Sorry to hear that."),
                                       ("user", "thanks \ud83d\ude00 and \udcff")],
                           requester_name="Alex \udc80 Morgan")
    outcome = service.request_handover(request)

    assert outcome.status == "created" and outcome.ticket_number_for_user
    [create] = zendesk.creates()
    body = _strict_json(create.raw_body)
    description = body["ticket"]["comment"]["body"]
    assert "my parcel \ufffd never came" in description
    assert "thanks \U0001f600 and \ufffd" in description  # a valid pair survives as the emoji
    assert service.outbox.counts() == {"sent": 1}


def test_surrogates_in_the_transcript_still_make_a_local_ticket(make_service) -> None:
    service = make_service()  # local ticket table: SQLite itself refuses lone surrogates
    outcome = service.request_handover(make_request(transcript=[("user", BROKEN)]))
    assert outcome.status == "created"
    ticket = service.backend.ticket(outcome.ticket_id)
    assert "my parcel \ufffd never came" in ticket.description


def test_relayed_customer_messages_are_cleaned(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    ticket_id = service.request_handover(make_request()).ticket_id
    assert service.add_customer_message("conv-1", "still waiting \ud83d\x00!")
    update = [r for r in zendesk.requests if r.method == "PUT"][-1]
    assert _strict_json(update.raw_body)["ticket"]["comment"]["body"] == "still waiting \ufffd!"
    assert service.outbox.counts() == {"sent": 2}
    assert zendesk.comments[ticket_id][-1]["body"] == "still waiting \ufffd!"


def test_agent_replies_from_the_webhook_are_cleaned(make_service, zendesk: FakeZendesk,
                                                    rasa: FakeRasa) -> None:
    service = make_service(zendesk)
    ticket_id = service.request_handover(make_request()).ticket_id
    payload = {"ticket_id": ticket_id, "event": "comment", "status": "open",
               "comment": {"id": 77, "body": "Refund sent \ud83d", "public": True, "author_role": "agent"}}
    status, _ = handle_zendesk_webhook(*_signed(payload), service=service)
    assert status == 200
    slot_event = next(r for r in rasa.requests if r.path.endswith("/tracker/events"))
    assert _strict_json(slot_event.raw_body)[0]["value"] == "Refund sent \ufffd"


def test_cli_replies_are_cleaned(make_service, rasa: FakeRasa, capsys) -> None:
    service = make_service()
    number = service.request_handover(make_request()).ticket_number_for_user
    # Python turns undecodable argv bytes into lone surrogates (surrogateescape).
    assert cli(["tickets", "reply", number, "Hello \udcff there"], service=service) == 0
    assert "delivered to the conversation" in capsys.readouterr().out
    assert rasa.executed[-1] == ("conv-1", "action_deliver_agent_message", "Hello \ufffd there")


# --- rows that can never be sent -------------------------------------------------------------


def test_a_rejected_ticket_goes_dead_after_one_try_and_the_operator_can_requeue_it(
        make_service, zendesk: FakeZendesk, logs, capsys) -> None:
    service = make_service(zendesk)
    zendesk.always("422", why="requester email is invalid")
    outcome = service.request_handover(make_request())
    assert outcome.status == "failed"
    [row] = service.outbox.rows()
    assert (row.state, row.attempts) == ("dead", 1)
    for _ in range(3):
        time.sleep(0.06)
        service.drain()
    assert len(zendesk.creates()) == 1  # never retried by itself
    operator = [r.getMessage() for r in logs.records if r.name == "actions.handover.operator"]
    assert any(f"Outbox message {row.id}" in m and "is dead" in m for m in operator)
    assert any("1 outbox message(s) are dead" in m for m in operator)  # reminded while it waits

    assert cli(["outbox", "list"], service=service) == 0
    listing = capsys.readouterr().out
    assert "1 dead message(s)" in listing and f"outbox retry {row.id}" in listing
    assert re.search(rf"^\s*{row.id}\s+dead\s+create_ticket .*last error: .*422", listing, re.M)

    zendesk.recover()  # the operator fixed the cause
    assert cli(["outbox", "retry", str(row.id)], service=service) == 0
    assert "requeued 1 dead message(s)" in capsys.readouterr().out
    service.drain()
    assert service.outbox.counts() == {"sent": 1}
    assert len(zendesk.tickets) == 1
    assert service.active_handover("conv-1").ticket_id == next(iter(zendesk.tickets))


def test_an_unexpected_error_that_repeats_makes_the_row_dead(make_service, zendesk: FakeZendesk,
                                                            sessions, logs) -> None:
    service = make_service(zendesk)
    zendesk.stop()
    service.request_handover(make_request())
    [row] = service.outbox.rows()
    with sessions.begin() as session:  # a row no code can send (e.g. written by an old version)
        session.execute(text("UPDATE handover_outbox SET payload = :p WHERE id = :id"),
                        {"p": json.dumps({"subject": "half a ticket"}), "id": row.id})
    zendesk.restart()
    time.sleep(0.06)
    service.drain()
    [row] = service.outbox.rows()
    assert row.state == "pending" and row.last_error.startswith("unexpected TypeError")
    for _ in range(4):
        time.sleep(0.06)
        service.drain()
    [row] = service.outbox.rows()
    assert row.state == "dead" and row.attempts == 3  # the failed send, then two TypeErrors
    assert zendesk.creates() == []
    assert any("is dead" in r.getMessage() for r in logs.records if r.name == "actions.handover.operator")

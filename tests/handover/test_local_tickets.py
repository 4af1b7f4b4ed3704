"""Without Zendesk: local tickets, and the `tickets` command acting as the agent."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from actions.handover.cli import main
from actions.handover.config import HandoverConfig
from actions.handover.local_tickets import LocalTicketBackend
from actions.handover.service import HandoverService
from tests.handover.conftest import CARD, PASSWORD, make_request
from tests.handover.fakes import FakeRasa

ROOT = Path(__file__).resolve().parents[2]


def test_local_tickets_are_the_default_without_zendesk(sessions) -> None:
    service = HandoverService(HandoverConfig.from_env({}), sessions=sessions)
    assert isinstance(service.backend, LocalTicketBackend)
    outcome = service.request_handover(make_request())
    assert outcome.status == "created" and outcome.ticket_number_for_user == "CS-0000001"
    assert "CS-0000001" in outcome.message_for_user and "1 business day" in outcome.message_for_user
    ticket = service.backend.ticket(1)
    assert ticket.priority == "high" and "chatbot" in ticket.tags
    assert CARD not in ticket.description and PASSWORD not in ticket.description


def test_same_idempotency_key_gives_the_same_local_ticket(sessions) -> None:
    from actions.handover.tickets import TicketDraft

    backend = LocalTicketBackend(sessions)
    draft = TicketDraft("s", "d", "normal", ("chatbot",), None, "a@b.co", "chat-handover-x")
    first = backend.create_ticket(draft, idempotency_key="k1")
    assert backend.create_ticket(draft, idempotency_key="k1") == first
    assert len(backend.list_tickets()) == 1


def test_tickets_command_round_trip(make_service, rasa: FakeRasa, capsys) -> None:
    service = make_service()
    number = service.request_handover(make_request()).ticket_number_for_user
    assert service.add_customer_message("conv-1", f"also my pw: {PASSWORD}")

    assert main(["tickets", "list"], service=service) == 0
    listed = capsys.readouterr().out
    assert number in listed and "alex.morgan@example.com" in listed and "high" in listed

    assert main(["tickets", "show", number], service=service) == 0
    shown = capsys.readouterr().out
    assert "Order number: NW-482913" in shown and "[REDACTED: password]" in shown
    assert PASSWORD not in shown and CARD not in shown

    assert main(["tickets", "reply", number, "Hi Alex, Dana here. Refund is on its way."],
                service=service) == 0
    assert "delivered to the conversation" in capsys.readouterr().out
    assert rasa.executed == [("conv-1", "action_deliver_agent_message",
                              "Hi Alex, Dana here. Refund is on its way.")]
    assert service.backend.ticket(1).status == "open"

    assert main(["tickets", "reply", number, "internal: check with finance", "--internal"],
                service=service) == 0
    assert "nothing sent (internal note)" in capsys.readouterr().out
    assert len(rasa.executed) == 1

    assert main(["tickets", "solve", number], service=service) == 0
    capsys.readouterr()
    assert rasa.executed[-1] == ("conv-1", "action_handover_ended", None)
    assert service.active_handover("conv-1") is None
    assert service.backend.ticket(1).status == "solved"


def test_tickets_command_reply_is_queued_while_rasa_is_down(make_service, rasa: FakeRasa, capsys) -> None:
    service = make_service()
    number = service.request_handover(make_request()).ticket_number_for_user
    rasa.stop()
    assert main(["tickets", "reply", number, "Are you still there?"], service=service) == 0
    assert "queued" in capsys.readouterr().out
    assert rasa.executed == []

    rasa.restart()
    time.sleep(0.07)  # past the (test-sized) back-off
    assert main(["drain"], service=service) == 0
    assert "sent 1" in capsys.readouterr().out
    assert rasa.executed == [("conv-1", "action_deliver_agent_message", "Are you still there?")]


def test_tickets_command_errors(make_service, zendesk, capsys) -> None:
    local = make_service()
    assert main(["tickets", "show", "CS-0000042"], service=local) == 1
    assert main(["tickets", "show", "hello"], service=local) == 2
    assert main(["tickets", "reply", "CS-0000042"], service=local) == 1
    with_zendesk = make_service(zendesk)
    assert main(["tickets", "list"], service=with_zendesk) == 2
    assert "Zendesk is configured" in capsys.readouterr().err


def test_outbox_commands(make_service, zendesk, capsys) -> None:
    service = make_service(zendesk)
    zendesk.fail_next("422", times=2)  # rejected for good, also after the operator's retry
    service.request_handover(make_request())
    assert main(["outbox", "status"], service=service) == 0
    assert '"dead": 1' in capsys.readouterr().out
    assert main(["outbox", "list", "--state", "dead"], service=service) == 0
    assert "create_ticket" in capsys.readouterr().out
    assert main(["outbox", "retry"], service=service) == 0
    assert "requeued 1" in capsys.readouterr().out
    assert main(["drain"], service=service) == 1  # rejected again: exit code says so
    assert "dead 1" in capsys.readouterr().out
    assert main(["drain"], service=service) == 0  # nothing left to send
    capsys.readouterr()
    assert main(["outbox", "purge", "--days", "0"], service=service) == 0
    assert "deleted 0 sent" in capsys.readouterr().out  # dead messages are kept for operators


def test_python_dash_m_entry_point(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ZENDESK_", "HANDOVER_"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'cli.sqlite'}", PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "actions.handover", "tickets", "list"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "no local tickets" in result.stdout
    bad = subprocess.run([sys.executable, "-m", "actions.handover", "config"], cwd=ROOT,
                         env={**env, "ZENDESK_SUBDOMAIN": "northwind"}, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and "ZENDESK_EMAIL" in bad.stderr


@pytest.mark.parametrize("argv", [["tickets", "reply", "CS-0000001"]])
def test_reply_needs_text(make_service, argv: list[str], capsys) -> None:
    service = make_service()
    service.request_handover(make_request())
    assert main(argv, service=service) == 2

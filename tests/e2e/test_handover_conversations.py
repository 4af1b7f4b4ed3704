"""A person takes over: ticket number, messages relayed, agent reply in the chat, hand back."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.servers import ROOT


def tickets_command(assistant, *args: str) -> str:
    result = subprocess.run([sys.executable, "-m", "actions.handover", "tickets", *args], cwd=ROOT,
                            env=assistant.env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout


def bot_texts(assistant, user: str) -> list[str]:
    return [e.get("text") or "" for e in assistant.tracker(user)["events"] if e["event"] == "bot"]


def test_handover_round_trip_with_the_local_ticket_command(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "I don't want to talk to a bot, get me a person please")
    assert "email" in reply.lower()
    reply = assistant.chat(user, "sam.rivera@example.com")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    assert "1 business day" in reply

    reply = assistant.chat(user, "it's about a warranty claim for my tent, the pole snapped")
    assert "Passed on to our support team" in reply
    shown = tickets_command(assistant, "show", ticket)
    assert "warranty claim for my tent" in shown
    assert "sam.rivera@example.com" in shown

    tickets_command(assistant, "reply", ticket, "Hi Sam, I'm Dana from support. Could you send a photo?")
    assert any("Dana from support" in text for text in bot_texts(assistant, user))

    tickets_command(assistant, "solve", ticket)
    assert any("marked your request as solved" in text for text in bot_texts(assistant, user))
    reply = assistant.chat(user, "how long do refunds take to paypal?")
    assert "3-5 business days" in reply


def test_payment_issue_ticket_is_redacted(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "You charged my card twice for the same order, this is ridiculous")
    assert "authorization holds" in reply
    reply = assistant.chat(user, "both posted, card 4111 1111 1111 1111 cvv 123, order NW-204417")
    assert "email" in reply.lower()
    reply = assistant.chat(user, "alex.morgan@example.com")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    shown = tickets_command(assistant, "show", ticket)
    assert "4111 1111 1111 1111" not in shown and "4111111111111111" not in shown
    assert "cvv 123" not in shown.lower()
    assert "NW-204417" in shown
    listed = tickets_command(assistant, "list")
    assert ticket in listed


def test_complaint_offer_accepted_records_the_reason(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "This is the worst company ever. My order is two weeks late and nobody cares.")
    assert "sorry" in reply.lower() and "person" in reply.lower()
    assistant.chat(user, "yes")
    reply = assistant.chat(user, "priya.shah@example.co.uk")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    shown = tickets_command(assistant, "show", ticket)
    assert "complaint" in shown.lower()


def test_ticket_status_only_for_its_owner(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "agent please")
    reply = assistant.chat(user, "owner@example.com")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    assistant.chat(user, "stop")

    stranger = assistant.new_sender()
    assistant.chat(stranger, f"what's the status of ticket {ticket}?")
    reply = assistant.chat(stranger, "someone.else@example.com")
    assert "couldn't find ticket" in reply

    owner = assistant.new_sender()
    assistant.chat(owner, f"any update on my ticket {ticket}")
    reply = assistant.chat(owner, "owner@example.com")
    assert ticket in reply and "couldn't find" not in reply


def test_person_without_giving_an_email(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "agent")
    assert "email" in reply.lower()
    reply = assistant.chat(user, "I don't want to talk to a bot, just get me a person please")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    assert "don't have your email" in reply
    assert "(no email given)" not in tickets_command(assistant, "show", ticket)


def test_payment_case_goes_to_the_team_even_without_an_email(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "You charged my card twice for the same order, this is ridiculous")
    reply = assistant.chat(user, "one says pending and one is posted. order NW-204417")
    assert "email" in reply.lower()
    reply = assistant.chat(user, "its been 12 days and the pending one is still there")
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    reply = assistant.chat(user, "card ends in 0926")
    assert "Passed on to our support team" in reply
    shown = tickets_command(assistant, "show", ticket)
    assert "NW-204417" in shown and "0926" in shown

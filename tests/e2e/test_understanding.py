"""What customers write that the assistant must understand: overviews, answers inside forms."""

from __future__ import annotations

ALEX = "alex.morgan@example.com"


def test_what_can_you_do_gets_an_overview_with_buttons(assistant):
    user = assistant.new_sender()
    for text in ("hi, what can you help me with?", "help", "what do you do"):
        replies = assistant.say(user, text)
        said = " ".join(r.get("text", "") for r in replies)
        buttons = [b["title"] for r in replies for b in r.get("buttons") or []]
        assert "track an order" in said.lower() and "person" in said, (text, said)
        assert "Track an order" in buttons and "Talk to a person" in buttons, (text, buttons)


def test_greeting_offers_the_main_topics(assistant):
    replies = assistant.say(assistant.new_sender(), "hello")
    assert "virtual assistant" in replies[0]["text"]
    assert [b["title"] for b in replies[0]["buttons"]][:2] == ["Track an order", "Return or refund"]


def test_a_short_return_reason_is_taken_as_the_reason(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to return my boots")
    reply = assistant.chat(user, "NW-482913")
    assert "reason" in reply.lower()
    reply = assistant.chat(user, "not my style")
    assert "stopped" not in reply.lower()
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    assert "NW-482913" in reply and "30-day return window" in reply


def test_insisting_on_a_person_inside_a_form_is_honoured(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to return my boots")
    assistant.chat(user, "NW-482913")
    reply = assistant.chat(user, "this bot is useless, get me someone real")
    assert "person" in reply.lower() and "email" in reply.lower()
    assert "reason" not in reply.lower()

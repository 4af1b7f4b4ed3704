"""Order conversations through the REST channel, with the action server really running."""

from __future__ import annotations

from sqlalchemy import create_engine, text

ALEX = "alex.morgan@example.com"


def test_refund_request_checks_the_order_and_explains_eligibility(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "Hi, I want to return some hiking boots and get my money back.")
    assert "NW-" in reply and "order number" in reply.lower()
    reply = assistant.chat(user, "NW-482913")
    assert "return" in reply.lower() and "reason" in reply.lower()
    reply = assistant.chat(user, "they are too small, only tried them on inside")
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    assert "NW-482913" in reply
    assert "30-day return window" in reply
    assert "$6.95" in reply
    assert "Return items" in reply


def test_invalid_order_numbers_get_clear_reasks_and_loose_forms_are_confirmed(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "can you check order 48291?")
    assert "48291" in reply and "NW-" in reply and "6 digits" in reply
    reply = assistant.chat(user, "NW-4829133")
    assert "NW-4829133" in reply and "exactly 6 digits" in reply
    reply = assistant.chat(user, "ORD-482913 is what the email says")
    assert "isn't a Northwind order number" in reply
    reply = assistant.chat(user, "oh wait. nw482913")
    assert "do you mean order NW-482913" in reply
    reply = assistant.chat(user, "yes thats it")
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    assert "NW-482913 is Delivered" in reply


def test_someone_elses_order_is_not_disclosed(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "where is my order")
    assistant.chat(user, "NW-391877")
    reply = assistant.chat(user, ALEX)
    assert f"couldn't find order NW-391877 under {ALEX}" in reply
    assert "Royal Mail" not in reply and "Storm Peak" not in reply


def test_an_unknown_order_gets_the_same_answer_as_someone_elses(assistant):
    """Nothing tells whether an order number exists: both are checked together with the email."""
    user = assistant.new_sender()
    assistant.chat(user, "track my package please")
    reply = assistant.chat(user, "NW-000001")
    assert "email" in reply.lower() and "couldn't find" not in reply
    reply = assistant.chat(user, ALEX)
    assert f"couldn't find order NW-000001 under {ALEX}" in reply


def test_order_lookups_stop_after_three_wrong_pairs_and_offer_a_person(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "where is my order NW-391877")
    for guess in ("alex.morgan@example.com", "priya@example.com"):
        reply = assistant.chat(user, guess)
        assert "couldn't find order NW-391877" in reply
    reply = assistant.chat(user, "priya.shah@example.com.uk")
    assert "stopped looking them up" in reply and "Shall I connect you?" in reply
    assert "Royal Mail" not in reply
    reply = assistant.chat(user, "no thanks")
    reply = assistant.chat(user, "where is order NW-391877")  # the right email now: still stopped
    reply += assistant.chat(user, "priya.shah@example.co.uk")
    assert "Royal Mail" not in reply and "In transit" not in reply


def test_cancellation_inside_the_window_cancels_only_after_confirmation(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I need to cancel an order I placed a few minutes ago")
    assistant.chat(user, "NW-310442")
    reply = assistant.chat(user, ALEX)
    assert "60-minute cancellation window" in reply and "Shall I cancel" in reply
    engine = create_engine(assistant.env["DATABASE_URL"])
    with engine.connect() as db:
        status = db.execute(text("select status from orders where order_number='NW-310442'")).scalar()
    assert status == "processing"
    reply = assistant.chat(user, "yes please cancel it")
    assert "NW-310442 is cancelled" in reply
    with engine.connect() as db:
        status = db.execute(text("select status from orders where order_number='NW-310442'")).scalar()
    assert status == "cancelled"


def test_shipped_order_cannot_be_cancelled(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "I want to cancel NW-118820 too")
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    assert "can't be cancelled" in reply and "refuse the delivery" in reply
    assert "cancelled." not in reply.split("can't be cancelled")[0]


def test_side_question_inside_a_form_then_resume_without_asking_again(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to start a return")
    reply = assistant.chat(user, "NW-650321")
    assert "reason" in reply.lower()
    reply = assistant.chat(user, "actually wait, am I talking to a bot?")
    assert "virtual assistant" in reply and "reason" in reply.lower()
    reply = assistant.chat(user, "its the red fleece, size M, too small")
    assert "email" in reply.lower() and "order number" not in reply.lower()
    reply = assistant.chat(user, "priya.shah@example.co.uk")
    assert "NW-650321" in reply and "£3.95" in reply


def test_user_can_stop_a_form(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "where is my order?")
    reply = assistant.chat(user, "never mind, forget it")
    assert "stopped" in reply.lower()
    reply = assistant.chat(user, "hi")
    assert "virtual assistant" in reply


def test_address_change_inside_the_window_is_applied(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I need to change the delivery address on my order")
    assistant.chat(user, "NW-562004")
    reply = assistant.chat(user, "48 Alder Lane, Apt 3, Boise, ID 83702")
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    assert "past the 60-minute self-service window" in reply
    assert "team" in reply


def test_refund_status_and_tracking_report_only_recorded_facts(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "where is my refund??")
    assistant.chat(user, "NW-220987")
    reply = assistant.chat(user, ALEX)
    assert "$91.05" in reply and "Visa" in reply
    user = assistant.new_sender()
    assistant.chat(user, "wheres my package, order NW-730155")
    reply = assistant.chat(user, "luc.tremblay@example.ca")
    assert "Canada Post" in reply and "Label created" in reply and "24 hours" in reply


def test_login_help_is_specific_to_the_problem(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "I can't log in to my account")
    assert "What happens when you try to sign in" in reply
    reply = assistant.chat(user, "it says my account is locked")
    assert "15 minutes" in reply
    reply = assistant.chat(user, "I clicked the reset link but it says the link expired")
    assert "30 minutes" in reply


def test_ticket_number_confusion_is_explained(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "whats happening with my support ticket?")
    assert "CS-" in reply
    reply = assistant.chat(user, "NW-482913")
    assert "NW-482913 is an order number" in reply


def test_question_instead_of_the_return_reason_is_answered_not_stored(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "I want to return my boots")
    reply = assistant.chat(user, "NW-482913")
    assert "reason" in reply.lower()
    reply = assistant.chat(user, "how long till i see the money? paid with paypal")
    assert "3-5 business days" in reply
    assert "reason" in reply.lower()

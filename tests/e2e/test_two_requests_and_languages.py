"""Customers' own patterns, through REST with the action server: two requests in one message,
short follow-ups, details given early, and messages not in English."""

from __future__ import annotations

import re

from tests.e2e.test_handover_conversations import tickets_command

ALEX = "alex.morgan@example.com"


def texts(replies: list[dict]) -> list[str]:
    return [r.get("text") or "" for r in replies]


def test_a_question_and_a_request_in_one_message_are_both_handled_question_first(assistant):
    user = assistant.new_sender()
    said = texts(assistant.say(user, "Where is my order NW-118820? Also, do you accept PayPal?"))
    joined = " ".join(said)
    assert "PayPal" in joined  # the question is answered...
    assert "email" in said[-1].lower()  # ...then the order lookup asks for the email
    reply = assistant.chat(user, ALEX)
    assert "NW-118820" in reply and "shipped" in reply.lower()


def test_a_request_first_then_a_question_keeps_both(assistant):
    user = assistant.new_sender()
    said = texts(assistant.say(user, "i cant log in, the reset link says expired. btw how long do "
                                     "refunds to paypal take?"))
    joined = " ".join(said)
    assert "3-5 business days" in joined
    assert "link" in joined.lower() and ("expire" in joined.lower() or "new" in joined.lower())


def test_a_second_request_waits_for_the_first_then_runs(assistant):
    user = assistant.new_sender()
    said = texts(assistant.say(user, "I need to delete my account. Also my card was charged twice "
                                     "for the same order"))
    joined = " ".join(said)
    assert "delet" in joined.lower()
    assert "two things" in joined  # the customer is told the other request is not forgotten
    said = texts(assistant.say(user, "no thanks"))  # declines the deletion request
    joined = " ".join(said)
    assert "the other thing you asked about" in joined
    assert "authorization hold" in joined.lower()  # the payment guidance runs now


def test_one_request_with_two_objects_is_not_split(assistant):
    user = assistant.new_sender()
    said = texts(assistant.say(user, "please cancel the tent and the sleeping bag on NW-310442"))
    joined = " ".join(said)
    assert "two things" not in joined
    assert "email" in said[-1].lower()


def test_a_short_follow_up_is_read_against_the_topic_before(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "how long do refunds take to paypal?")
    reply = assistant.chat(user, "and the order?")
    assert "order number" in reply.lower()
    assert "welcome" not in reply.lower()


def test_a_second_ticket_number_is_checked_too(assistant):
    first, second = [], []
    for bucket in (first, second):
        user = assistant.new_sender()
        assistant.chat(user, "agent please")
        reply = assistant.chat(user, ALEX)
        bucket.append(re.search(r"CS-\d{7}", reply).group(0))
        assistant.chat(user, "stop")
    user = assistant.new_sender()
    assistant.chat(user, f"any update on my ticket {first[0]}?")
    reply = assistant.chat(user, ALEX)
    assert first[0] in reply
    reply = assistant.chat(user, second[0])
    assert second[0] in reply and "couldn't find" not in reply
    assert "what would you like" not in reply.lower()


def test_details_in_the_first_message_are_confirmed_not_asked_again(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, f"where is my parcel nw118820, my email is {ALEX}")
    assert "NW-118820" in reply and "?" in reply  # the loose number is confirmed
    reply = assistant.chat(user, "yes")
    assert "shipped" in reply.lower()
    assert "email" not in reply.lower().replace(ALEX, "")


def test_an_email_given_earlier_is_not_asked_for_again(assistant):
    user = assistant.new_sender()
    assistant.chat(user, "how do I reset my password?")
    assistant.chat(user, f"ok. my email is {ALEX} by the way")
    reply = assistant.chat(user, "where is order NW-118820")
    assert "shipped" in reply.lower()
    assert "what's the email" not in reply.lower()


def test_a_message_in_spanish_gets_the_english_only_note_in_spanish_and_a_person(assistant):
    user = assistant.new_sender()
    replies = assistant.say(user, "Hola, quiero cancelar mi pedido NW-310442 por favor")
    said = " ".join(texts(replies))
    assert "only help in English" in said and "solo puedo ayudar en inglés" in said
    assert "cancel" not in said.lower().replace("cancelar", "")  # no order action in English
    buttons = [b["title"] for r in replies for b in r.get("buttons") or []]
    assert "Yes, connect me" in buttons
    reply = assistant.chat(user, "/affirm")
    assert "email" in reply.lower()
    reply = assistant.chat(user, ALEX)
    ticket = re.search(r"CS-\d{7}", reply).group(0)
    shown = tickets_command(assistant, "show", ticket)
    assert "Language: es" in shown and "language_es" in shown


def test_a_message_in_german_gets_the_german_sentence(assistant):
    said = assistant.chat(assistant.new_sender(), "Wo ist mein Paket? Ich warte seit zwei Wochen.")
    assert "nur auf Englisch helfen" in said


def test_a_language_we_have_no_sentence_for_still_gets_the_english_note(assistant):
    said = assistant.chat(assistant.new_sender(), "Gdzie jest moja paczka? Czekam już dwa tygodnie.")
    assert "only help in English" in said


def test_english_with_foreign_names_is_not_mistaken_for_another_language(assistant):
    for text in ("my order to München still hasn't arrived", "thanks, merci!",
                 "order for José García, where is it?"):
        said = assistant.chat(assistant.new_sender(), text)
        assert "only help in English" not in said, text


def test_an_address_abroad_inside_the_address_form_is_the_answer(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, "I need to change the delivery address of NW-310442")
    assert "address" in reply.lower()
    reply = assistant.chat(user, "Hauptstraße 23, 10827 Berlin, Deutschland")
    assert "only help in English" not in reply
    assert "email" in reply.lower()


def test_a_price_match_question_is_answered_not_sent_into_the_return_form(assistant):
    user = assistant.new_sender()
    said = assistant.chat(user, "I saw the same boots cheaper on another site last week, do you price match?")
    assert "order number" not in said.lower()
    assert "price" in said.lower()
    assert assistant.tracker(user).get("active_loop", {}).get("name") in (None, "")

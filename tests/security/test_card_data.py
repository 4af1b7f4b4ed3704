"""F7: card data typed into the chat is never stored, echoed or logged, on any path."""

from __future__ import annotations

from tests.security.conftest import fresh_order, order_store, stored_tracker_rows

ALEX = "alex.morgan@example.com"
CARD = "4111 1111 1111 1111"
SECRETS = (CARD, "4111111111111111", "cvv 123", "CVV 123")


def _assert_clean(text: str, where: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} found in {where}"


def test_card_in_a_new_address_is_not_stored_or_echoed(assistant):
    fresh_order(assistant, "NW-900201", ALEX)
    user = assistant.new_sender()
    assistant.chat(user, "change the address of NW-900201")
    reply = assistant.chat(user, f"12 Main Street, Springfield, IL 62701 card {CARD} cvv 123")
    _assert_clean(reply, "the reply")
    assert "don't share full card numbers" in reply or "only the new shipping address" in reply
    reply = assistant.chat(user, ALEX)
    _assert_clean(reply, "the reply")
    _assert_clean(order_store(assistant).get("NW-900201").shipping_address, "the order store")
    events = assistant.tracker(user)["events"]
    _assert_clean(repr(events), "the tracker")
    _assert_clean("\n".join(stored_tracker_rows(assistant, f"rest:{user}")), "the tracker store rows")
    _assert_clean((assistant.workdir / "rasa.log").read_text(), "rasa.log")
    _assert_clean((assistant.workdir / "actions.log").read_text(), "actions.log")


def test_card_in_any_message_is_redacted_in_the_stored_conversation(assistant):
    user = assistant.new_sender()
    reply = assistant.chat(user, f"you charged my card {CARD} cvv 123 twice!!")
    _assert_clean(reply, "the reply")
    assert "don't share full card numbers" in reply
    rows = "\n".join(stored_tracker_rows(assistant, f"rest:{user}"))
    assert rows, "the conversation was not stored"
    _assert_clean(rows, "the tracker store rows")
    assert "1111" in rows  # the last four digits stay, so an agent can match a statement

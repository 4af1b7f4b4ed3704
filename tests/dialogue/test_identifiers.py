from actions.orders.identifiers import parse_email, parse_order_number, parse_ticket_number


def test_order_number_found_in_a_sentence():
    assert parse_order_number("it's NW-482913 i think").value == "NW-482913"


def test_loose_order_number_is_normalised_and_flagged_for_confirmation():
    parsed = parse_order_number("oh wait. nw482913")
    assert parsed.value == "NW-482913"
    assert parsed.normalised


def test_lowercase_with_hyphen_needs_no_confirmation():
    parsed = parse_order_number("nw-482913")
    assert parsed.value == "NW-482913" and not parsed.normalised


def test_invalid_order_numbers_name_the_problem():
    assert parse_order_number("can you check order 48291?").problem == "digits_only"
    assert parse_order_number("NW-4829133").problem == "wrong_length"
    assert parse_order_number("ORD-482913 is what the email says").problem == "wrong_prefix"
    assert parse_order_number("CS-3371902").problem == "ticket_not_order"
    assert parse_order_number("I placed it 20 minutes ago").problem == "missing"


def test_ticket_numbers():
    assert parse_ticket_number("oh sorry, CS-3371902").value == "CS-3371902"
    assert parse_ticket_number("NW-482913").problem == "order_not_ticket"
    assert parse_ticket_number("CS-123").problem == "wrong_length"


def test_email():
    assert parse_email("sure, Jane.Doe+shop@Example.co.uk thanks").value == "jane.doe+shop@example.co.uk"
    assert parse_email("jane at example").problem == "missing"
    assert parse_email("jane@").problem == "malformed"

"""get_ticket_status: only the requester who owns a ticket sees it, with one answer for all else."""

from __future__ import annotations

import pytest

from actions.handover.tickets import TicketLookupUnavailable
from tests.handover.conftest import make_request
from tests.handover.fakes import FakeZendesk


@pytest.fixture(params=["zendesk", "local"])
def service_with_ticket(request, make_service, zendesk: FakeZendesk):
    service = make_service(zendesk if request.param == "zendesk" else None)
    outcome = service.request_handover(make_request())
    assert outcome.status == "created"
    return service, outcome.ticket_number_for_user


def test_the_owner_sees_the_status_in_help_center_words(service_with_ticket) -> None:
    service, number = service_with_ticket
    status = service.get_ticket_status(number, "  Alex.Morgan@Example.com ")
    assert status is not None
    assert status.ticket_number == number
    assert status.status == "new" and status.status_label == "Open"
    assert "waiting for an agent" in status.explanation
    assert status.subject == "Chat handover: Payment issue (NW-482913)"


@pytest.mark.parametrize("number, email", [
    (None, "eve@example.com"),  # someone else's ticket
    ("CS-9999999", "alex.morgan@example.com"),  # no such ticket
    ("NW-482913", "alex.morgan@example.com"),  # not a ticket number
    (None, ""),  # no email
])
def test_not_found_and_not_yours_look_the_same(service_with_ticket, number, email) -> None:
    service, own_number = service_with_ticket
    assert service.get_ticket_status(number or own_number, email) is None


def test_loose_ticket_number_forms_are_understood(service_with_ticket) -> None:
    service, number = service_with_ticket
    digits = number.removeprefix("CS-")
    for form in (f"cs{digits}", f"CS {digits}", digits.lstrip("0")):
        assert service.get_ticket_status(form, "alex.morgan@example.com") is not None


def test_zendesk_statuses_map_to_help_center_labels(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    outcome = service.request_handover(make_request())
    expected = {"open": "In progress", "pending": "Awaiting your reply", "hold": "In progress",
                "solved": "Solved", "closed": "Closed"}
    for raw, label in expected.items():
        zendesk.set_status(outcome.ticket_id, raw)
        status = service.get_ticket_status(outcome.ticket_number_for_user, "alex.morgan@example.com")
        assert status.status_label == label
    lookups = [r for r in zendesk.requests if r.method == "GET"]
    assert all(r.query.get("include") == ["users"] for r in lookups)


def test_zendesk_unreachable_is_not_reported_as_not_found(make_service, zendesk: FakeZendesk) -> None:
    service = make_service(zendesk)
    outcome = service.request_handover(make_request())
    zendesk.always("500")
    with pytest.raises(TicketLookupUnavailable):
        service.get_ticket_status(outcome.ticket_number_for_user, "alex.morgan@example.com")
    zendesk.stop()
    with pytest.raises(TicketLookupUnavailable):
        service.get_ticket_status(outcome.ticket_number_for_user, "alex.morgan@example.com")

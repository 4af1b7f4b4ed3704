import pytest

from tests.conftest import NOW


def test_sample_orders_are_seeded_and_read_back(order_store):
    order = order_store.get("NW-482913")
    assert order.email == "alex.morgan@example.com"
    assert order.items[0].name == "Summit Trail Hiking Boots"
    assert order.delivered_at < NOW
    assert order_store.get("NW-000000") is None


def test_ownership_check_ignores_case_and_spaces(order_store):
    order = order_store.get("NW-482913")
    assert order.belongs_to(" Alex.Morgan@Example.com ")
    assert not order.belongs_to("priya.shah@example.co.uk")


def test_cancel_changes_status_once(order_store):
    assert order_store.cancel("NW-310442").status == "cancelled"
    assert order_store.get("NW-310442").status == "cancelled"
    with pytest.raises(ValueError):
        order_store.cancel("NW-310442")


def test_address_change_only_while_processing(order_store):
    new = "48 Alder Lane, Apt 3, Boise, ID 83702"
    assert order_store.change_address("NW-562004", new).shipping_address == new
    with pytest.raises(ValueError):
        order_store.change_address("NW-118820", new)


def test_reseeding_replaces_sample_orders_without_duplicates(order_store):
    from actions.store.sample_orders import seed

    before = order_store.count()
    seed(order_store, now=NOW)
    assert order_store.count() == before

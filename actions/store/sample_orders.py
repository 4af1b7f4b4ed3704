"""Sample Northwind orders for demos and tests, dated relative to now so every path stays reachable.

Run `python -m actions.store.sample_orders` to (re)write them; other orders are left alone.
"""

from __future__ import annotations

import argparse
from datetime import datetime, timedelta
from decimal import Decimal

from actions.store.orders import Order, OrderItem, SqlOrderStore

ALEX = "alex.morgan@example.com"
PRIYA = "priya.shah@example.co.uk"
LUC = "luc.tremblay@example.ca"
EMMA = "emma.schulz@example.de"

US_ADDRESS = "1420 NW Lovejoy St, Portland, OR 97209, USA"


def sample_orders(now: datetime | None = None) -> list[Order]:
    """The sample orders, with dates relative to `now` (UTC, naive)."""
    now = now or datetime.utcnow()

    def ago(**kw: float) -> datetime:
        return now - timedelta(**kw)

    d = Decimal
    return [
        Order("NW-482913", ALEX, "Alex Morgan", "US", "USD", "delivered", ago(days=14), US_ADDRESS,
              "PayPal", d("149.00"), (OrderItem("Summit Trail Hiking Boots", 1, d("149.00")),),
              shipped_at=ago(days=13), delivered_at=ago(days=10), carrier="USPS",
              tracking_number="9400111899223344556677", last_tracking_event="Delivered",
              last_tracking_at=ago(days=10)),
        Order("NW-730155", LUC, "Luc Tremblay", "CA", "CAD", "shipped", ago(days=2),
              "220 Robson St, Vancouver, BC V6B 0E7, Canada", "Visa", d("212.50"),
              (OrderItem("Cascade Rain Shell Jacket", 1, d("189.00")),
               OrderItem("Merino Hiking Socks (3-pack)", 1, d("23.50"))),
              shipped_at=ago(days=1), carrier="Canada Post", tracking_number="7023456789012345",
              last_tracking_event="Label created", last_tracking_at=ago(days=1)),
        Order("NW-118820", ALEX, "Alex Morgan", "US", "USD", "shipped", ago(days=1), US_ADDRESS,
              "Visa", d("89.95"), (OrderItem("Ridgeline Fleece Pullover", 1, d("89.95")),),
              shipped_at=ago(hours=6), carrier="UPS", tracking_number="1Z999AA10123456784",
              last_tracking_event="Picked up by carrier", last_tracking_at=ago(hours=5)),
        Order("NW-562004", ALEX, "Alex Morgan", "US", "USD", "processing", ago(hours=5), US_ADDRESS,
              "Mastercard", d("64.00"), (OrderItem("Trail Running Cap", 2, d("32.00")),)),
        Order("NW-310442", ALEX, "Alex Morgan", "US", "USD", "processing", ago(minutes=20),
              US_ADDRESS, "Visa", d("239.00"), (OrderItem("Alpine 2-Person Tent", 1, d("239.00")),)),
        Order("NW-204417", ALEX, "Alex Morgan", "US", "USD", "shipped", ago(days=12), US_ADDRESS,
              "Visa", d("129.00"), (OrderItem("Basecamp 30L Daypack", 1, d("129.00")),),
              shipped_at=ago(days=11), carrier="UPS", tracking_number="1Z999AA10123456785",
              last_tracking_event="In transit", last_tracking_at=ago(days=2)),
        Order("NW-391877", PRIYA, "Priya Shah", "UK", "GBP", "shipped", ago(days=16),
              "12 Tib Street, Manchester M4 1LA, UK", "Mastercard", d("175.00"),
              (OrderItem("Storm Peak Insulated Jacket", 1, d("175.00")),), shipped_at=ago(days=14),
              carrier="Royal Mail", tracking_number="RM123456789GB",
              last_tracking_event="In transit", last_tracking_at=ago(days=9)),
        Order("NW-650321", PRIYA, "Priya Shah", "UK", "GBP", "delivered", ago(days=9),
              "12 Tib Street, Manchester M4 1LA, UK", "Visa", d("65.00"),
              (OrderItem("Ridgeline Fleece Pullover, Red, M", 1, d("65.00")),),
              shipped_at=ago(days=8), delivered_at=ago(days=6), carrier="Royal Mail",
              tracking_number="RM987654321GB", last_tracking_event="Delivered",
              last_tracking_at=ago(days=6)),
        Order("NW-845120", ALEX, "Alex Morgan", "US", "USD", "delivered", ago(days=50), US_ADDRESS,
              "Visa", d("59.00"), (OrderItem("Packable Down Vest", 1, d("59.00")),),
              shipped_at=ago(days=49), delivered_at=ago(days=45), carrier="USPS",
              tracking_number="9400111899223344550001", last_tracking_event="Delivered",
              last_tracking_at=ago(days=45)),
        Order("NW-845121", EMMA, "Emma Schulz", "EU", "EUR", "delivered", ago(days=50),
              "Oranienstrasse 25, 10999 Berlin, Germany", "Klarna", d("119.00"),
              (OrderItem("Trekking Pants, Short inseam", 1, d("119.00")),), shipped_at=ago(days=49),
              delivered_at=ago(days=45), carrier="DHL", tracking_number="JD014600003828",
              last_tracking_event="Delivered", last_tracking_at=ago(days=45), plus_member=True),
        Order("NW-557301", ALEX, "Alex Morgan", "US", "USD", "delivered", ago(days=8), US_ADDRESS,
              "Visa", d("45.00"), (OrderItem("Camp Mug Set (Final Sale)", 1, d("45.00"), True),),
              shipped_at=ago(days=7), delivered_at=ago(days=5), carrier="USPS",
              tracking_number="9400111899223344550002", last_tracking_event="Delivered",
              last_tracking_at=ago(days=5)),
        Order("NW-220987", ALEX, "Alex Morgan", "US", "USD", "delivered", ago(days=30), US_ADDRESS,
              "Visa", d("98.00"), (OrderItem("Lightweight Sleeping Bag", 1, d("98.00")),),
              shipped_at=ago(days=29), delivered_at=ago(days=26), refund_status="issued",
              refund_amount=d("91.05"), refund_updated_at=ago(days=2)),
        Order("NW-220988", LUC, "Luc Tremblay", "CA", "CAD", "delivered", ago(days=20),
              "220 Robson St, Vancouver, BC V6B 0E7, Canada", "PayPal", d("75.00"),
              (OrderItem("Camp Stove", 1, d("75.00")),), shipped_at=ago(days=19),
              delivered_at=ago(days=15), refund_status="requested", refund_updated_at=ago(days=3)),
        Order("NW-220989", PRIYA, "Priya Shah", "UK", "GBP", "delivered", ago(days=25),
              "12 Tib Street, Manchester M4 1LA, UK", "Visa", d("49.00"),
              (OrderItem("Waterproof Gloves", 1, d("49.00")),), shipped_at=ago(days=24),
              delivered_at=ago(days=21), refund_status="received", refund_updated_at=ago(days=1)),
        Order("NW-640022", EMMA, "Emma Schulz", "EU", "EUR", "packed", ago(hours=20),
              "Oranienstrasse 25, 10999 Berlin, Germany", "Visa", d("79.00"),
              (OrderItem("Insulated Water Bottle", 2, d("39.50")),)),
        Order("NW-901234", ALEX, "Alex Morgan", "US", "USD", "cancelled", ago(days=3), US_ADDRESS,
              "Visa", d("35.00"), (OrderItem("Headlamp", 1, d("35.00")),)),
    ]


def seed(store: SqlOrderStore | None = None, now: datetime | None = None) -> int:
    """Write the sample orders (replacing earlier copies of them); returns how many."""
    store = store or SqlOrderStore()
    orders = sample_orders(now)
    for order in orders:
        store.add(order)
    return len(orders)


def main() -> None:
    argparse.ArgumentParser(description=__doc__).parse_args()
    print(f"sample orders written: {seed()}")


if __name__ == "__main__":
    main()

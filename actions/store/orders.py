"""The order store: SQLAlchemy tables, plain records, and the interface a real order API could replace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Protocol

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, Numeric, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship, sessionmaker

from actions.store.database import Base, get_sessionmaker

ORDER_STATUSES = ("processing", "packed", "shipped", "delivered", "cancelled")


class OrderRow(Base):
    __tablename__ = "orders"

    order_number: Mapped[str] = mapped_column(String(16), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), index=True)
    customer_name: Mapped[str] = mapped_column(String(120))
    region: Mapped[str] = mapped_column(String(2))  # US, CA, UK, EU
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[datetime] = mapped_column(DateTime)
    shipped_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    shipping_method: Mapped[str] = mapped_column(String(16), default="standard")
    carrier: Mapped[str | None] = mapped_column(String(40), nullable=True)
    tracking_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    last_tracking_event: Mapped[str | None] = mapped_column(String(120), nullable=True)
    last_tracking_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    shipping_address: Mapped[str] = mapped_column(String(300))
    payment_method: Mapped[str] = mapped_column(String(40))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    plus_member: Mapped[bool] = mapped_column(Boolean, default=False)
    refund_status: Mapped[str] = mapped_column(String(16), default="none")
    refund_amount: Mapped[Decimal | None] = mapped_column(Numeric(10, 2), nullable=True)
    refund_updated_at: Mapped[datetime | None] = mapped_column(DateTime, nullable=True)
    items: Mapped[list[OrderItemRow]] = relationship(
        back_populates="order", cascade="all, delete-orphan", order_by="OrderItemRow.id"
    )


class OrderItemRow(Base):
    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_number: Mapped[str] = mapped_column(ForeignKey("orders.order_number", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    final_sale: Mapped[bool] = mapped_column(Boolean, default=False)
    order: Mapped[OrderRow] = relationship(back_populates="items")


@dataclass(frozen=True)
class OrderItem:
    name: str
    quantity: int
    unit_price: Decimal
    final_sale: bool = False


@dataclass(frozen=True)
class Order:
    """An order as the dialogue sees it; nothing here is ever invented by the bot."""

    order_number: str
    email: str
    customer_name: str
    region: str
    currency: str
    status: str
    placed_at: datetime
    shipping_address: str
    payment_method: str
    total: Decimal
    items: tuple[OrderItem, ...] = ()
    shipped_at: datetime | None = None
    delivered_at: datetime | None = None
    shipping_method: str = "standard"
    carrier: str | None = None
    tracking_number: str | None = None
    last_tracking_event: str | None = None
    last_tracking_at: datetime | None = None
    plus_member: bool = False
    refund_status: str = "none"  # none, requested, received, issued
    refund_amount: Decimal | None = None
    refund_updated_at: datetime | None = None

    def belongs_to(self, email: str) -> bool:
        return self.email.strip().lower() == email.strip().lower()


class OrderStore(Protocol):
    """What the dialogue needs from an order system."""

    def get(self, order_number: str) -> Order | None: ...

    def cancel(self, order_number: str) -> Order: ...

    def change_address(self, order_number: str, new_address: str) -> Order: ...


def _to_record(row: OrderRow) -> Order:
    return Order(
        order_number=row.order_number,
        email=row.email,
        customer_name=row.customer_name,
        region=row.region,
        currency=row.currency,
        status=row.status,
        placed_at=row.placed_at,
        shipping_address=row.shipping_address,
        payment_method=row.payment_method,
        total=row.total,
        items=tuple(
            OrderItem(i.name, i.quantity, i.unit_price, i.final_sale) for i in row.items
        ),
        shipped_at=row.shipped_at,
        delivered_at=row.delivered_at,
        shipping_method=row.shipping_method,
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        last_tracking_event=row.last_tracking_event,
        last_tracking_at=row.last_tracking_at,
        plus_member=row.plus_member,
        refund_status=row.refund_status,
        refund_amount=row.refund_amount,
        refund_updated_at=row.refund_updated_at,
    )


class SqlOrderStore:
    """The embedded order store (SQLite by default, any SQL database by `DATABASE_URL`)."""

    def __init__(self, sessions: sessionmaker | None = None) -> None:
        self._sessions = sessions or get_sessionmaker()

    def get(self, order_number: str) -> Order | None:
        with self._sessions() as session:
            row = session.get(OrderRow, order_number)
            return _to_record(row) if row else None

    def cancel(self, order_number: str) -> Order:
        with self._sessions.begin() as session:
            row = session.get(OrderRow, order_number, with_for_update=True)
            if row is None:
                raise KeyError(order_number)
            if row.status != "processing":
                raise ValueError(f"order {order_number} is {row.status}, not processing")
            row.status = "cancelled"
            return _to_record(row)

    def change_address(self, order_number: str, new_address: str) -> Order:
        with self._sessions.begin() as session:
            row = session.get(OrderRow, order_number, with_for_update=True)
            if row is None:
                raise KeyError(order_number)
            if row.status != "processing":
                raise ValueError(f"order {order_number} is {row.status}, not processing")
            row.shipping_address = new_address
            return _to_record(row)

    def add(self, order: Order) -> None:
        """Insert or replace an order (used by the sample seed and tests)."""
        with self._sessions.begin() as session:
            existing = session.get(OrderRow, order.order_number)
            if existing is not None:
                session.delete(existing)
                session.flush()
            fields = {k: v for k, v in order.__dict__.items() if k != "items"}
            row = OrderRow(**fields)
            row.items = [
                OrderItemRow(
                    name=i.name, quantity=i.quantity, unit_price=i.unit_price, final_sale=i.final_sale
                )
                for i in order.items
            ]
            session.add(row)

    def count(self) -> int:
        with self._sessions() as session:
            return len(session.scalars(select(OrderRow.order_number)).all())

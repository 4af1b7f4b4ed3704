"""Fixtures: a SQLite file per test, fake Zendesk and Rasa servers, and fast retry settings."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from actions.handover.config import HandoverConfig
from actions.handover.service import HandoverService
from actions.handover.tickets import HandoverRequest
from actions.store.database import get_sessionmaker, make_engine
from tests.handover.fakes import FakeRasa, FakeZendesk

# Real behaviour, test-sized timings: milliseconds of back-off instead of seconds.
FAST = HandoverConfig(
    sync_budget_seconds=2.0,
    summary_timeout_seconds=0.5,
    http_timeout_seconds=1.0,
    attempts_per_drain=3,
    retry_base_seconds=0.01,
    retry_max_seconds=0.05,
    max_inline_wait_seconds=1.5,
    worker_interval_seconds=0.05,
    claim_lease_seconds=30,
    webhook_secret="whsec-test-secret",
)

CARD = "4111 1111 1111 1111"
CARD_DIGITS = "4111111111111111"
CVV = "737"
PASSWORD = "Tr0ub4dor&3"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "handover.sqlite"


@pytest.fixture
def sessions(db_path: Path) -> sessionmaker:
    engine = make_engine(f"sqlite:///{db_path}")
    yield get_sessionmaker(engine)
    engine.dispose()


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    fake = FakeZendesk().start()
    yield fake
    fake.stop()


@pytest.fixture
def rasa() -> Iterator[FakeRasa]:
    fake = FakeRasa(token="rasa-secret-token").start()
    yield fake
    fake.stop()


@pytest.fixture
def make_service(sessions: sessionmaker, rasa: FakeRasa) -> Callable[..., HandoverService]:
    """Build a service on the test database; `zendesk=fake` switches from local tickets."""

    def build(zendesk: FakeZendesk | None = None, *, token: str | None = None,
              summarizer: Any = None, **overrides: Any) -> HandoverService:
        config = replace(FAST, rasa_url=rasa.url, rasa_token=rasa.token, **overrides)
        if zendesk is not None:
            config = replace(config, zendesk_base_url=zendesk.url, zendesk_email=zendesk.email,
                             zendesk_api_token=token or zendesk.token)
        return HandoverService(config, sessions=sessions, summarizer=summarizer)

    return build


def make_request(conversation_id: str = "conv-1", **overrides: Any) -> HandoverRequest:
    fields: dict[str, Any] = dict(
        conversation_id=conversation_id,
        channel="socketio",
        reason="payment_issue",
        intent="report_double_charge",
        order_number="NW-482913",
        requester_name="Alex Morgan",
        requester_email="alex.morgan@example.com",
        transcript=[
            ("user", "I was charged twice for order NW-482913"),
            ("bot", "I'm sorry about that. Could you tell me more?"),
            ("user", f"my card is {CARD} exp 08/27 cvv {CVV} and my password is {PASSWORD}"),
            ("bot", "Please don't share card details here. Let me get you to a person."),
        ],
        facts={"order_status": "shipped", "note": f"customer typed pw: {PASSWORD}"},
    )
    fields.update(overrides)
    return HandoverRequest(**fields)


@pytest.fixture
def logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Captured log records at INFO and above (read `logs.records` after acting)."""
    caplog.set_level(logging.INFO)
    return caplog

"""The running assistant for the attack tests, and ways to look behind it (databases, logs)."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

# The handover's fixtures (fake Zendesk and Rasa, a service on a fresh database), for the
# handover attacks here; pytest finds fixtures a conftest imports.
from tests.handover.conftest import db_path, logs, make_service, rasa, sessions, zendesk  # noqa: F401
from tests.servers import Assistant, running_assistant

VICTIM = "victim@example.com"


@pytest.fixture(scope="session")
def assistant(tmp_path_factory) -> Assistant:
    with running_assistant(tmp_path_factory.mktemp("security")) as bot:
        yield bot


def order_store(assistant: Assistant):
    """The order store the running action server uses."""
    from actions.store.database import get_sessionmaker, make_engine
    from actions.store.orders import SqlOrderStore

    return SqlOrderStore(get_sessionmaker(make_engine(assistant.env["DATABASE_URL"])))


def fresh_order(assistant: Assistant, order_number: str, email: str) -> None:
    """Write a copy of NW-310442 placed five minutes ago (cancellable, address changeable)."""
    store = order_store(assistant)
    template = store.get("NW-310442")
    store.add(replace(template, order_number=order_number, email=email, status="processing",
                      placed_at=datetime.utcnow() - timedelta(minutes=5)))


def stored_tracker_rows(assistant: Assistant, sender_id: str) -> list[str]:
    """The raw `data` column of Rasa's tracker store for one conversation."""
    path = assistant.env["TRACKER_STORE_URL"].removeprefix("sqlite:///")
    with sqlite3.connect(path) as db:
        return [row[0] for row in db.execute("SELECT data FROM events WHERE sender_id = ?",
                                             (sender_id,))]

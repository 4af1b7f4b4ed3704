"""Shared fixtures: a fresh SQLite database with the sample orders, per test."""

from __future__ import annotations

import os
from datetime import datetime

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

NOW = datetime(2026, 11, 21, 12, 0, 0)


@pytest.fixture
def database_url(tmp_path, monkeypatch) -> str:
    url = f"sqlite:///{tmp_path / 'helpdesk.sqlite'}"
    monkeypatch.setenv("DATABASE_URL", url)
    return url


@pytest.fixture
def order_store(database_url):
    from actions.store.database import get_sessionmaker, make_engine
    from actions.store.orders import SqlOrderStore
    from actions.store.sample_orders import seed

    store = SqlOrderStore(get_sessionmaker(make_engine(database_url)))
    seed(store, now=NOW)
    return store

"""One SQLAlchemy engine per process for every table the action server keeps.

`DATABASE_URL` picks the database (any SQLAlchemy URL, e.g. postgresql+psycopg://...);
unset, it is a SQLite file under var/.
"""

from __future__ import annotations

import os
import threading
from functools import lru_cache

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import DeclarativeBase, sessionmaker

from actions.paths import VAR_DIR

DEFAULT_SQLITE_FILE = VAR_DIR / "helpdesk.sqlite"


class Base(DeclarativeBase):
    """Declarative base shared by the order store, tickets and the handover outbox."""


def database_url() -> str:
    return os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE_FILE}"


def make_engine(url: str) -> Engine:
    """Create an engine and every table; SQLite gets WAL and a busy timeout for two processes."""
    if url.startswith("sqlite:///") and not url.startswith("sqlite:///:memory:"):
        path = url.removeprefix("sqlite:///")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    connect_args = {"timeout": 30, "check_same_thread": False} if url.startswith("sqlite") else {}
    engine = create_engine(url, connect_args=connect_args, pool_pre_ping=True)
    if url.startswith("sqlite"):

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    _import_all_models()
    Base.metadata.create_all(engine)
    return engine


_lock = threading.Lock()


@lru_cache(maxsize=4)
def _engine_for(url: str) -> Engine:
    with _lock:
        return make_engine(url)


def get_engine() -> Engine:
    """The process-wide engine for the configured `DATABASE_URL`."""
    return _engine_for(database_url())


def get_sessionmaker(engine: Engine | None = None) -> sessionmaker:
    return sessionmaker(bind=engine or get_engine(), expire_on_commit=False)


def _import_all_models() -> None:
    """Import modules that declare tables so `create_all` sees them."""
    import importlib

    for module in ("actions.store.orders", "actions.handover.models"):
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:  # a capability not installed yet
            if exc.name != module:
                raise

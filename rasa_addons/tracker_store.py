"""Rasa's SQL tracker store, with customer secrets redacted before any event is written.

Configured in endpoints.yml (`type: rasa_addons.tracker_store.RedactingSQLTrackerStore`).

| Variable | Default | Meaning |
|---|---|---|
| `TRACKER_STORE_URL` | `sqlite:///var/tracker.sqlite` | SQLAlchemy URL of the conversations database, e.g. `postgresql://user@host:5432/helpdesk` |

Conversations therefore survive a restart of the Rasa server (a form half filled, a conversation
handed to a person), and several Rasa servers can share one PostgreSQL database. The channels
already redact what users type (channels/guard.py); this store redacts again every text-bearing
field of every event (user and bot texts, parse data, slot values, metadata), so a message that
reached Rasa another way (the HTTP API, a bot reply quoting a customer) is never stored in clear.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event
from rasa.shared.core.trackers import DialogueStateTracker

from actions.handover.redaction import redact_value

logger = logging.getLogger(__name__)

VAR_DIR = Path(__file__).resolve().parent.parent / "var"
DEFAULT_URL = f"sqlite:///{VAR_DIR / 'tracker.sqlite'}"
# Fields of an event's dict that can hold what a customer typed or what we said back.
TEXT_FIELDS = ("text", "parse_data", "data", "value", "metadata")


class TrackerStoreConfigError(ValueError):
    """TRACKER_STORE_URL is malformed; the message names the variable."""


def tracker_store_url() -> str:
    """The database URL from TRACKER_STORE_URL (default: SQLite under var/)."""
    url = (os.environ.get("TRACKER_STORE_URL") or "").strip() or DEFAULT_URL
    if "://" not in url:
        raise TrackerStoreConfigError(
            "TRACKER_STORE_URL must be an SQLAlchemy URL such as sqlite:///var/tracker.sqlite "
            "or postgresql://user@127.0.0.1:5432/helpdesk")
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
    return url


def redacted_event(event: Event) -> Event:
    """A copy of `event` whose text-bearing fields went through `redact`."""
    data: dict[str, Any] = event.as_dict()
    changed = False
    for key in TEXT_FIELDS:
        if key in data and data[key] is not None:
            clean = redact_value(data[key])
            if clean != data[key]:
                data[key] = clean
                changed = True
    return Event.from_parameters(data) if changed else event


class RedactingSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore at TRACKER_STORE_URL that never writes a card number or password."""

    def __init__(self, domain: Any = None, host: str | None = None, event_broker: Any = None,
                 **kwargs: Any) -> None:
        kwargs.pop("dialect", None)
        kwargs.pop("db", None)
        url = tracker_store_url() if not (host and "://" in host) else host
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        logger.info("conversations are stored in %r", self.engine.url)  # repr hides the password

    def _additional_events(self, session: Any, tracker: DialogueStateTracker) -> Iterator:
        for event in super()._additional_events(session, tracker):
            yield redacted_event(event)

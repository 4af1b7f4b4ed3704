"""The redacting tracker store, run in the Rasa environment against SQLite and PostgreSQL.

A tracker holding a card number, a CVV and a password is saved through
`rasa_addons.tracker_store.RedactingSQLTrackerStore` by the Rasa server's own Python; the rows
are then read straight from the database by the same process. PostgreSQL is the machine's local service
(127.0.0.1:5432, database `test`), which `.ci/run` starts when it is down; a developer
without it sees the test skipped, saying so.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import uuid
from pathlib import Path

import pytest
from tests.servers import RASA_PYTHON, ROOT

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"

SAVE_AND_RELOAD = """
import asyncio, json, sys
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa_addons.tracker_store import RedactingSQLTrackerStore

sender = sys.argv[1]
domain = Domain.from_dict({"slots": {"payment_details": {
    "type": "text", "mappings": [{"type": "custom"}]}}})
store = RedactingSQLTrackerStore(domain=domain)
said = "my card is 4111 1111 1111 1111 cvv 123 and my password is hunter2!"
tracker = DialogueStateTracker.from_events(sender, slots=domain.slots, evts=[
    UserUttered(said, {"name": "payment_issue", "confidence": 0.9}),
    SlotSet("payment_details", said),
    BotUttered("You wrote: " + said),
])
asyncio.run(store.save(tracker))
again = asyncio.run(store.retrieve(sender))
with store.engine.connect() as db:  # the rows as they sit in the database
    rows = [r[0] for r in db.exec_driver_sql(
        "SELECT data FROM events WHERE sender_id = '%s'" % sender.replace("'", ""))]
print(json.dumps({"events": len(again.events), "slot": again.get_slot("payment_details"),
                  "rows": rows}))
"""


def _save(url: str, sender: str, tmp_path: Path) -> dict:
    result = subprocess.run([str(RASA_PYTHON), "-c", SAVE_AND_RELOAD, sender], cwd=ROOT,
                            env={"TRACKER_STORE_URL": url, "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
                                 "RASA_TELEMETRY_ENABLED": "false", "HOME": str(tmp_path)},
                            capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr[-3000:]
    last = result.stdout.strip().splitlines()[-1]
    return json.loads(last[last.index("{"):])  # after any terminal colour code Rasa printed


def _postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=2).close()
    except OSError:
        return False
    return True


def _check(url: str, tmp_path: Path) -> None:
    sender = f"rest:store-{uuid.uuid4().hex[:8]}"
    loaded = _save(url, sender, tmp_path)
    assert loaded["events"] == 3
    assert "4111" not in loaded["slot"].replace("ending 1111", "") and "hunter2" not in loaded["slot"]
    rows = "\n".join(loaded["rows"])
    assert rows.count('"event"') == 3
    for secret in ("4111 1111 1111 1111", "4111111111111111", "cvv 123", "hunter2"):
        assert secret not in rows
    assert "[REDACTED" in rows


def test_sqlite_rows_hold_no_secrets(tmp_path):
    _check(f"sqlite:///{tmp_path / 'tracker.sqlite'}", tmp_path)


def test_postgresql_rows_hold_no_secrets(tmp_path):
    if not _postgres_answers():  # CI (.ci/run) starts it; a developer's laptop may not have it
        (pytest.fail if os.environ.get("CI") else pytest.skip)(
            "PostgreSQL does not answer on 127.0.0.1:5432")
    _check(POSTGRES_URL, tmp_path)


def test_a_malformed_url_is_refused_naming_the_variable(tmp_path):
    result = subprocess.run([str(RASA_PYTHON), "-c", SAVE_AND_RELOAD, "rest:x"], cwd=ROOT,
                            env={"TRACKER_STORE_URL": "var/tracker.sqlite", "HOME": str(tmp_path),
                                 "RASA_TELEMETRY_ENABLED": "false"},
                            capture_output=True, text=True, timeout=180)
    assert result.returncode != 0
    assert "TRACKER_STORE_URL" in result.stderr

"""A minimal socket.io (Engine.IO 4) client over websocket-client, for driving the web chat
channel the way the widget does, and the way an attacker could.

Only what the tests need: the default namespace, `emit`, and received events collected by a
background thread (pings answered there too).
"""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import websocket


class SocketIOClient:
    """One socket.io connection to the Rasa server's `/socket.io`."""

    def __init__(self, rasa_url: str, origin: str | None = None, timeout: float = 30) -> None:
        url = rasa_url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"
        self._ws = websocket.create_connection(url, timeout=timeout, origin=origin,
                                               suppress_origin=origin is None)
        self.events: list[tuple[str, Any]] = []
        self._lock = threading.Lock()
        opening = self._ws.recv()
        if not opening.startswith("0"):
            raise ConnectionError(f"unexpected Engine.IO opening: {opening!r}")
        self._ws.send("40")
        connected = self._ws.recv()
        if not connected.startswith("40"):
            raise ConnectionError(f"socket.io connect refused: {connected!r}")
        self._ws.settimeout(None)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while True:
            try:
                packet = self._ws.recv()
            except Exception:  # noqa: BLE001 - closed
                return
            if packet == "2":
                self._ws.send("3")
            elif packet.startswith("42"):
                name, *args = json.loads(packet[2:])
                with self._lock:
                    self.events.append((name, args[0] if args else None))

    def emit(self, event: str, data: Any) -> None:
        self._ws.send("42" + json.dumps([event, data]))

    def received(self, event: str) -> list[Any]:
        with self._lock:
            return [data for name, data in self.events if name == event]

    def wait_for(self, event: str, count: int = 1, timeout: float = 90) -> list[Any]:
        """The first `count` payloads of `event`, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.received(event)
            if len(found) >= count:
                return found
            time.sleep(0.1)
        raise AssertionError(f"{count} {event!r} not received in {timeout}s; got {self.events[-5:]}")

    def start_session(self, session_id: Any = None) -> str:
        """`session_request` with `session_id`; return the token from `session_confirm`."""
        before = len(self.received("session_confirm"))
        self.emit("session_request", {"session_id": session_id})
        return self.wait_for("session_confirm", before + 1, timeout=30)[before]

    def say(self, text: str, timeout: float = 90, session_id: Any = None) -> str:
        """Send a message and return the text of the bot's first reply to it."""
        before = len(self.received("bot_uttered"))
        payload: dict[str, Any] = {"message": text}
        if session_id is not None:
            payload["session_id"] = session_id
        self.emit("user_uttered", payload)
        return self.wait_for("bot_uttered", before + 1, timeout)[before].get("text", "")

    def bot_texts(self) -> list[str]:
        return [data.get("text", "") for data in self.received("bot_uttered") if isinstance(data, dict)]

    def close(self) -> None:
        try:
            self._ws.close()
        except Exception:  # noqa: BLE001 - closing an already broken socket
            pass

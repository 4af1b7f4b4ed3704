"""Web chat channel (`/socket.io`): Rasa's socket.io channel with server-issued sessions.

On `session_request` the client presents the session token it was given before (the widget
keeps it in localStorage). Anything that is not a token we could have issued (nothing, a
Telegram chat id, a `telegram:...` or `socketio:...` conversation id) gets a fresh
`secrets.token_urlsafe(32)` token in `session_confirm`. The conversation id, and the socket.io
room the socket joins, is `socketio:` + a hash of the token (`channels.ids`), so the id that
shows in logs and tickets is not the secret, and only whoever holds a token reaches its
conversation. `user_uttered` always uses the conversation bound to the socket at
`session_request`; a `session_id` in the message is ignored. Pushes through Rasa's
`/conversations/<id>/execute?output_channel=socketio` reach every socket in that room.

Environment (of the Rasa server):
  WEBCHAT_ORIGINS  Comma-separated origins allowed to open a socket (the pages embedding the
                   widget), default `http://127.0.0.1:5055,http://localhost:5055`; `*` allows any.
                   A request from another origin is refused before any session exists. The CORS
                   headers of the polling transport come from Rasa's `--cors`, which should list
                   the same origins (`make run` does).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
import engineio
from socketio import AsyncServer

from channels.guard import IntakeGuard
from channels.ids import WEBCHAT, is_webchat_token, local_part, new_webchat_token, webchat_conversation

logger = logging.getLogger(__name__)

DEFAULT_ORIGINS = "http://127.0.0.1:5055,http://localhost:5055"


def allowed_origins() -> list[str] | str:
    """WEBCHAT_ORIGINS as engine.io wants it: a list of origins, or "*"."""
    raw = os.environ.get("WEBCHAT_ORIGINS") or DEFAULT_ORIGINS
    origins = [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
    return "*" if "*" in origins else origins


class _OriginCheckingEngineIO(engineio.AsyncServer):
    """Refuses requests from origins not allowed, and leaves the CORS headers to Rasa's `--cors`
    (Sanic-CORS adds them to every response; two Access-Control-Allow-Origin headers make a
    browser refuse the answer)."""

    def _cors_headers(self, environ: dict[str, Any]) -> list[tuple[str, str]]:
        return []


class _WebchatServer(AsyncServer):
    """socket.io server on the origin-checking engine.io server."""

    def _engineio_server_class(self) -> type[engineio.AsyncServer]:
        return _OriginCheckingEngineIO


class SocketIOChannel(SocketIOInput):
    """socket.io input channel with server-issued, hashed session ids (see the module docstring)."""

    @classmethod
    def name(cls) -> str:
        return WEBCHAT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.guard = IntakeGuard(self.name())
        self._conversations: dict[str, str] = {}  # socket id -> conversation id (= room)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = self.guard.wrap(on_new_message)
        sio = _WebchatServer(async_mode="sanic", cors_allowed_origins=allowed_origins())
        socketio_webhook = SocketBlueprint(sio, self.socketio_path, "socketio_webhook", __name__)
        self.guard.bind(socketio_webhook)
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("connect", namespace=self.namespace)
        async def connect(sid: str, environ: dict, auth: dict | None) -> bool:
            return True

        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: str) -> None:
            self._conversations.pop(sid, None)

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: str, data: Any) -> None:
            presented = data.get("session_id") if isinstance(data, dict) else None
            token = presented if is_webchat_token(presented) else new_webchat_token()
            conversation = webchat_conversation(token)
            previous = self._conversations.get(sid)
            if previous and previous != conversation:
                sio.leave_room(sid, previous, namespace=self.namespace)
            self._conversations[sid] = conversation
            sio.enter_room(sid, conversation, namespace=self.namespace)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
            logger.debug("socket %s joined conversation %s", sid, conversation)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: str, data: Any) -> None:
            conversation = self._conversations.get(sid)
            if conversation is None:
                logger.info("socket %s sent a message before session_request; ignored", sid)
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                return
            metadata = data.get(self.metadata_key) or {}
            if isinstance(metadata, str):
                try:
                    metadata = json.loads(metadata)
                except ValueError:
                    metadata = {}
            output = SocketIOOutput(sio, self.bot_message_evt)
            await handler(UserMessage(text, output, local_part(WEBCHAT, conversation),
                                      input_channel=self.name(),
                                      metadata=metadata if isinstance(metadata, dict) else {}))

        return socketio_webhook

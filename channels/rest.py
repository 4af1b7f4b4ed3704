"""REST channel (`POST /webhooks/rest/webhook`): Rasa's RestInput behind the intake guard.

Environment (of the Rasa server):
  RASA_TOKEN  When set, every webhook call must carry `Authorization: Bearer <RASA_TOKEN>` or
              `?token=<RASA_TOKEN>`; anything else gets 401. Unset: the webhook is open (keep
              the Rasa server on 127.0.0.1 then).

Differences from the stock channel: messages pass `channels.guard` (the conversation id is
`rest:<sender>`); the client can't choose the input channel; a failed or timed-out turn is
logged without the message text.
"""

from __future__ import annotations

import hmac
import logging
import os
from asyncio import CancelledError
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import rasa.utils.endpoints
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse, ResponseStream

from channels.guard import IntakeGuard

logger = logging.getLogger(__name__)


def _env(name: str) -> str:
    return (os.environ.get(name) or "").strip()


def presented_token(request: Request) -> str:
    """The token a request carries: `Authorization: Bearer ...`, else `?token=`."""
    header = request.headers.get("Authorization") or ""
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or ""


def token_matches(request: Request, expected: str) -> bool:
    """Constant-time comparison of the presented token with `expected`."""
    return hmac.compare_digest(presented_token(request).encode(), expected.encode())


class RestChannel(RestInput):
    """The REST channel, guarded, and closed by RASA_TOKEN when that is set."""

    @classmethod
    def name(cls) -> str:
        return "rest"

    def __init__(self) -> None:
        self.token = _env("RASA_TOKEN")
        self.guard = IntakeGuard(self.name())

    def _extract_input_channel(self, req: Request) -> str:
        return self.name()

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = self.guard.wrap(on_new_message)
        rest_webhook = Blueprint("custom_webhook_RestChannel", __name__)
        self.guard.bind(rest_webhook)

        @rest_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @rest_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> ResponseStream | HTTPResponse:
            if self.token and not token_matches(request, self.token):
                return response.json({"error": "missing or wrong token"}, status=HTTPStatus.UNAUTHORIZED)
            body = request.json if isinstance(request.json, dict) else None
            if body is None:
                return response.json({"error": "expected a JSON object"}, status=HTTPStatus.BAD_REQUEST)
            sender, text = body.get("sender"), body.get("message")
            if not isinstance(text, str) or not isinstance(sender, (str, int, type(None))):
                return response.json({"error": "`message` must be a string"},
                                     status=HTTPStatus.BAD_REQUEST)
            metadata = self.get_metadata(request)
            if rasa.utils.endpoints.bool_arg(request, "stream", default=False):
                return response.stream(
                    self.stream_response(handler, text, sender, self.name(), metadata),
                    content_type="text/event-stream")
            collector = CollectingOutputChannel()
            try:
                await handler(UserMessage(text, collector, sender, input_channel=self.name(),
                                          metadata=metadata))
            except CancelledError:
                logger.error("rest: the turn for %s timed out (message of %d characters)",
                             sender, len(text))
            except Exception:
                logger.exception("rest: the turn for %s failed (message of %d characters)",
                                 sender, len(text))
            return response.json(collector.messages)

        return rest_webhook

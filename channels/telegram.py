"""Telegram channel: Rasa's TelegramInput configured from the environment, with a verified webhook.

Mounted at `/webhooks/telegram/webhook`. With TELEGRAM_WEBHOOK_URL set, the channel registers that
URL with Telegram's setWebhook (with the secret token, for messages and button presses only) when
the server starts; `POST /webhooks/telegram/set_webhook` with the secret header does it again.

Environment:
  TELEGRAM_BOT_TOKEN     The bot token from @BotFather (123456:ABC...).
  TELEGRAM_SECRET_TOKEN  Secret Telegram sends in X-Telegram-Bot-Api-Secret-Token; checked on
                         every update (1-256 characters: A-Z, a-z, 0-9, _ and -).
  TELEGRAM_WEBHOOK_URL   Optional public HTTPS URL of /webhooks/telegram/webhook to register.
  TELEGRAM_API_URL       Optional Bot API base URL (default https://api.telegram.org), for tests.

With TELEGRAM_BOT_TOKEN or TELEGRAM_SECRET_TOKEN unset the channel is disabled: the assistant
starts normally and the webhook answers 503.

Differences from the stock channel: no getMe call per update; setWebhook runs in the server's
event loop and a failure is logged instead of stopping the server;
updates without a user's text (edited messages, chat member changes, channel posts, callback
queries without data) are acknowledged and ignored; an update delivered twice is answered once;
the update is acknowledged at once and answered in the background (so Telegram never retries a
slow answer); buttons are an inline keyboard, one per row, whose callback data is the payload;
messages pass the intake guard (`channels.guard`) and the conversation id is `telegram:<chat id>`;
replies, and pushes to that id through Rasa's `execute` API, go to the chat id.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
import os
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiogram import Bot
from aiogram.bot.api import TelegramAPIServer
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.telegram import TelegramInput, TelegramOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from channels.guard import IntakeGuard
from channels.ids import local_part
from channels.links import to_plain
from channels.recent import RecentKeys

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CALLBACK_DATA = 64  # bytes
WEBHOOK_UPDATES = ["message", "callback_query"]  # the update types we ask Telegram to send


def _env(name: str) -> str:
    return (os.environ.get(name) or "").strip()


def _chunks(text: str) -> list[str]:
    text = text.strip() or " "
    return [text[i:i + MAX_TEXT] for i in range(0, len(text), MAX_TEXT)]


class NorthwindTelegramOutput(TelegramOutput):
    """Sends to the configured Bot API server; one message per bot answer."""

    def __init__(self, access_token: str, api_url: str = DEFAULT_API_URL) -> None:
        Bot.__init__(self, access_token, server=TelegramAPIServer.from_base(api_url))

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send to the chat id inside the conversation id `telegram:<chat id>`."""
        await super().send_response(local_part("telegram", recipient_id), message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        for part in _chunks(to_plain(text)):
            await self.send_message(recipient_id, part)

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        markup = InlineKeyboardMarkup()
        for button in buttons:
            title = str(button["title"])
            data = str(button.get("payload") or title)
            if len(data.encode("utf-8")) > MAX_CALLBACK_DATA:  # too long for Telegram: send the title
                data = title.encode("utf-8")[:MAX_CALLBACK_DATA].decode("utf-8", "ignore")
            markup.row(InlineKeyboardButton(title, callback_data=data))
        *first, last = _chunks(to_plain(text))
        for part in first:
            await self.send_message(recipient_id, part)
        await self.send_message(recipient_id, last, reply_markup=markup)

    async def register_webhook(self, url: str, secret_token: str) -> bool:
        """setWebhook with a secret token (aiogram 2.15 predates the `secret_token` parameter)."""
        return bool(await self.request("setWebhook", {
            "url": url, "secret_token": secret_token, "allowed_updates": json.dumps(WEBHOOK_UPDATES)}))


class TelegramChannel(TelegramInput):
    """Telegram input channel reading TELEGRAM_* variables; disabled (503) when they are unset."""

    @classmethod
    def name(cls) -> str:
        return "telegram"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        return cls(_env("TELEGRAM_BOT_TOKEN"), _env("TELEGRAM_SECRET_TOKEN"),
                   _env("TELEGRAM_API_URL") or DEFAULT_API_URL, _env("TELEGRAM_WEBHOOK_URL") or None)

    def __init__(self, access_token: str, secret_token: str, api_url: str = DEFAULT_API_URL,
                 webhook_url: str | None = None) -> None:
        super().__init__(access_token or None, verify=None, webhook_url=webhook_url, debug_mode=False)
        self.secret_token = secret_token
        self.api_url = api_url
        self.enabled = bool(access_token and secret_token)
        self._output: NorthwindTelegramOutput | None = None
        self._seen = RecentKeys()
        self._background_tasks: set[asyncio.Task] = set()
        self.guard = IntakeGuard(self.name())
        if not self.enabled:
            logger.info("Telegram channel disabled: set TELEGRAM_BOT_TOKEN and TELEGRAM_SECRET_TOKEN "
                        "to enable it")

    def get_output_channel(self) -> NorthwindTelegramOutput:  # type: ignore[override]
        """One Bot API client, created in the server's event loop; never calls setWebhook."""
        if self._output is None:
            self._output = NorthwindTelegramOutput(self.access_token, self.api_url)
        return self._output

    async def set_webhook(self) -> bool:
        """Register TELEGRAM_WEBHOOK_URL with Telegram; log and return False on failure."""
        if not (self.enabled and self.webhook_url):
            return False
        try:
            done = await self.get_output_channel().register_webhook(self.webhook_url, self.secret_token)
        except Exception as error:  # noqa: BLE001 - a wrong token or URL must not stop the other channels
            logger.error("Telegram setWebhook for %s failed: %s", self.webhook_url, error)
            return False
        logger.info("Telegram webhook registered: %s", self.webhook_url)
        return done

    def _is_authentic(self, request: Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "")
        return hmac.compare_digest(given.encode(), self.secret_token.encode())

    @staticmethod
    def _text_and_chat(update: dict[str, Any]) -> tuple[str, Any, str | None] | None:
        """(text, chat id, callback query id) for a user's message or button press, else None."""
        message = update.get("message")
        if isinstance(message, dict) and message.get("chat", {}).get("id") is not None:
            if isinstance(message.get("text"), str) and message["text"].strip():
                return message["text"], message["chat"]["id"], None
            location = message.get("location")
            if isinstance(location, dict):
                return (f'{{"lng":{location.get("longitude")}, "lat":{location.get("latitude")}}}',
                        message["chat"]["id"], None)
            return None
        query = update.get("callback_query")
        if isinstance(query, dict) and query.get("data"):
            chat_id = (query.get("message") or {}).get("chat", {}).get("id")
            if chat_id is None:
                return None
            return query["data"], chat_id, query.get("id")
        return None  # edited_message, channel_post, my_chat_member, callback query without data, ...

    async def _answer(self, on_new_message: Callable[[UserMessage], Awaitable[Any]], text: str,
                      chat_id: Any, callback_id: str | None, metadata: dict[str, Any] | None) -> None:
        out = self.get_output_channel()
        try:
            if callback_id:
                try:
                    await out.answer_callback_query(callback_id)
                except Exception:  # noqa: BLE001 - only stops the button's spinner; never block the answer
                    logger.warning("answerCallbackQuery failed", exc_info=True)
            await on_new_message(UserMessage(text, out, str(chat_id), input_channel=self.name(),
                                             metadata=metadata))
        except Exception:
            logger.exception("Telegram: failed to handle an update from chat %s", chat_id)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)
        self.guard.bind(telegram_webhook)
        on_new_message = self.guard.wrap(on_new_message)

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @telegram_webhook.listener("after_server_start")
        async def register(*_: Any) -> None:
            await self.set_webhook()

        @telegram_webhook.route("/set_webhook", methods=["POST"])
        async def set_webhook(request: Request) -> HTTPResponse:
            if not (self.enabled and self.webhook_url):
                return response.text("set TELEGRAM_BOT_TOKEN, TELEGRAM_SECRET_TOKEN and TELEGRAM_WEBHOOK_URL",
                                     status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self._is_authentic(request):
                return response.text(f"invalid or missing {SECRET_HEADER}", status=HTTPStatus.UNAUTHORIZED)
            if await self.set_webhook():
                return response.text("Webhook setup successful")
            return response.text("setWebhook failed, see the server log", status=HTTPStatus.BAD_GATEWAY)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Telegram channel is not configured",
                                     status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self._is_authentic(request):
                return response.text(f"invalid or missing {SECRET_HEADER}", status=HTTPStatus.UNAUTHORIZED)
            try:
                update = request.json
            except Exception:  # noqa: BLE001 - a body that is not JSON is a bad update (400)
                update = None
            if not isinstance(update, dict):
                return response.text("bad update", status=HTTPStatus.BAD_REQUEST)
            update_id = update.get("update_id")
            if not self._seen.first_time(update_id if isinstance(update_id, int) else None):
                return response.text("duplicate")
            found = self._text_and_chat(update)
            if found is None:
                return response.text("ignored")
            text, chat_id, callback_id = found
            task = asyncio.create_task(self._answer(on_new_message, text, chat_id, callback_id,
                                                    self.get_metadata(request)))
            self._background_tasks.add(task)
            task.add_done_callback(self._background_tasks.discard)
            return response.text("success")

        return telegram_webhook

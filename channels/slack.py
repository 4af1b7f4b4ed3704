"""Slack channel: Rasa's SlackInput configured from the environment, with safer defaults.

Mounted at `/webhooks/slack/webhook` (Events API and Interactivity request URL).

Environment:
  SLACK_BOT_TOKEN       Bot User OAuth Token (xoxb-...).
  SLACK_SIGNING_SECRET  The app's signing secret; every request's X-Slack-Signature is checked.
  SLACK_API_URL         Optional Web API base URL (default https://slack.com/api/), for tests.
  SLACK_CHANNEL         Optional channel id where the bot also answers plain (non-mention) messages.

With SLACK_BOT_TOKEN or SLACK_SIGNING_SECRET unset the channel is disabled: the assistant starts
normally and the webhook answers 503.

Differences from the stock channel: every event is answered once: a retry (X-Slack-Retry-Num)
or a second event for the same message (`message` and `app_mention`) is acknowledged with 200
and not processed again, while a retry whose first delivery never reached us is answered;
replies go into the thread the user wrote in (a mention in a channel is answered in a thread
under it, a direct message at the top level); buttons are Block Kit `actions` blocks; the URL
verification challenge is answered in plain text; edited/deleted/bot messages are ignored;
a replayed button click (the same signed request again) is not processed twice; messages pass
the intake guard (`channels.guard`) and the conversation id is `slack:<team>:<user>` (plus
`:<channel>` or `:<channel>:<thread>` with a finer `conversation_granularity`). Replies, and
pushes to that id through Rasa's `execute` API, go to the user's direct messages, or to that
channel and thread.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from rasa.core.channels.slack import SlackBot, SlackInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from slack_sdk.web.async_client import AsyncWebClient

from channels.guard import IntakeGuard
from channels.ids import slack_destination, slack_local_id
from channels.links import to_slack
from channels.recent import RecentKeys

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
MAX_BUTTONS_PER_BLOCK = 25  # Slack's limit for elements in one actions block


def _env(name: str) -> str:
    return (os.environ.get(name) or "").strip()


class NorthwindSlackBot(SlackBot):
    """Posts replies with the bot token (no legacy `as_user`), in the thread, to a configurable API."""

    def __init__(self, token: str, slack_channel: str | None = None, thread_id: str | None = None,
                 proxy: str | None = None, api_url: str = DEFAULT_API_URL) -> None:
        super().__init__(token, slack_channel, thread_id, proxy)
        self.client = AsyncWebClient(token, base_url=api_url, proxy=proxy)

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Send to the user, channel or thread the conversation id `slack:...` names.

        A reply to a message already knows its channel and thread; a push (no channel) takes
        them from the id.
        """
        destination, thread = slack_destination(recipient_id)
        if not self.slack_channel and thread and not self.thread_id:
            self.thread_id = thread
        await super().send_response(destination, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        await self._post_message(channel=self.slack_channel or recipient_id, text=to_slack(text.strip()))

    async def send_text_with_buttons(self, recipient_id: str, text: str,
                                     buttons: list[dict[str, Any]], **kwargs: Any) -> None:
        blocks: list[dict[str, Any]] = [
            {"type": "section", "text": {"type": "mrkdwn", "text": to_slack(text.strip()) or " "}}]
        elements = [
            {"type": "button", "action_id": f"button_{index}",
             "text": {"type": "plain_text", "text": str(button["title"])[:75], "emoji": True},
             "value": str(button.get("payload") or button["title"])[:2000]}
            for index, button in enumerate(buttons)
        ]
        for start in range(0, len(elements), MAX_BUTTONS_PER_BLOCK):
            blocks.append({"type": "actions", "elements": elements[start:start + MAX_BUTTONS_PER_BLOCK]})
        await self._post_message(channel=self.slack_channel or recipient_id, text=to_slack(text.strip()),
                                 blocks=blocks)

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        await self._post_message(channel=self.slack_channel or recipient_id, text=image,
                                 blocks=[{"type": "image", "image_url": image, "alt_text": image}])

    async def send_attachment(self, recipient_id: str, attachment: dict[str, Any],  # type: ignore[override]
                              **kwargs: Any) -> None:
        await self._post_message(channel=self.slack_channel or recipient_id, attachments=[attachment])

    async def send_custom_json(self, recipient_id: str, json_message: dict[str, Any],
                               **kwargs: Any) -> None:
        message = dict(json_message)
        channel = message.pop("channel", None) or self.slack_channel or recipient_id
        message.pop("as_user", None)
        await self._post_message(channel=channel, **message)


class SlackChannel(SlackInput):
    """Slack input channel reading SLACK_* variables; disabled (503) when they are unset."""

    @classmethod
    def name(cls) -> str:
        return "slack"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        credentials = credentials or {}
        return cls(
            slack_token=_env("SLACK_BOT_TOKEN"),
            slack_channel=_env("SLACK_CHANNEL") or None,
            proxy=credentials.get("proxy"),
            slack_retry_reason_header="x-slack-retry-reason",
            slack_retry_number_header="x-slack-retry-num",
            use_threads=True,
            slack_signing_secret=_env("SLACK_SIGNING_SECRET"),
            conversation_granularity=credentials.get("conversation_granularity", "sender"),
            api_url=_env("SLACK_API_URL") or DEFAULT_API_URL,
        )

    def __init__(self, *args: Any, api_url: str = DEFAULT_API_URL, **kwargs: Any) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        super().__init__(*args, **kwargs)
        self.enabled = bool(self.slack_token and self.slack_signing_secret)
        self._seen = RecentKeys()
        self._clicks = RecentKeys()
        self.guard = IntakeGuard(self.name())
        self.errors_ignore_retry = ()  # the stock retry handling drops retries we never answered
        if not self.enabled:
            logger.info("Slack channel disabled: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET to enable it")

    def _validate_credentials(self) -> None:
        """A missing secret disables the channel instead of stopping the server."""

    def get_output_channel(self, channel: str | None = None,
                           thread_id: str | None = None) -> OutputChannel:
        """A reply goes to `channel`; a push (no channel) to where the conversation id points."""
        return NorthwindSlackBot(self.slack_token, channel, thread_id, self.proxy, self.api_url)

    def _conversation(self, team: str | None, user: str, channel: str | None,
                      thread: str | None) -> str:
        """The part after `slack:` of the conversation id, per `conversation_granularity`."""
        if self.conversation_granularity == "thread" and channel and thread:
            return slack_local_id(team, user, channel, thread)
        if self.conversation_granularity in ("channel", "thread") and channel:
            return slack_local_id(team, user, channel)
        return slack_local_id(team, user)

    def _first_click(self, request: Request, payload: dict[str, Any]) -> bool:
        """False for a click already handled: the same signed body, or the same action again.

        Both keys are covered by the signature (the whole body is signed), so a replay within
        the 5 minutes a signature is accepted can't change them.
        """
        action = payload["actions"][0]
        container = payload.get("container") or {}
        action_key = None
        if action.get("action_ts"):
            action_key = ("click", (payload.get("user") or {}).get("id"), action["action_ts"],
                          container.get("channel_id") or (payload.get("channel") or {}).get("id"),
                          container.get("message_ts") or (payload.get("message") or {}).get("ts"))
        return self._clicks.first_time(hashlib.sha256(request.body).hexdigest(), action_key)

    def get_metadata(self, request: Request) -> dict[str, Any]:
        """Rasa's metadata, with `thread_id` only where the reply belongs in a thread."""
        metadata = super().get_metadata(request)
        if not metadata:
            return metadata
        if (request.headers.get("content-type") or "").startswith("application/json"):
            event = (request.json or {}).get("event") or {}
            in_channel = event.get("channel_type") != "im"
            metadata["thread_id"] = event.get("thread_ts") or (event.get("ts") if in_channel else None)
        else:  # a button click: answer where the message with the buttons is
            payload = json.loads(request.form.get("payload") or "{}")
            metadata["thread_id"] = (payload.get("message") or {}).get("thread_ts")
        return metadata

    @staticmethod
    def _is_user_message(slack_event: dict[str, Any]) -> bool:
        event = slack_event.get("event") or {}
        return (event.get("type") in ("message", "app_mention") and bool(event.get("text"))
                and not event.get("bot_id") and not event.get("subtype"))

    async def _handle_event(self, request: Request,
                            on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        output = request.json or {}
        if output.get("type") == "url_verification":
            return response.text(str(output.get("challenge", "")))
        if not self._is_user_message(output):
            return response.text("ignored")
        metadata = self.get_metadata(request)
        if not self._is_supported_channel(output, metadata):
            return response.text("channel not supported")
        event = output["event"]
        if not self._seen.first_time(output.get("event_id"),
                                     (event.get("channel"), event.get("ts"))):
            logger.info("Slack event %s already handled; not answering again", output.get("event_id"))
            return response.text("", headers={"X-Slack-No-Retry": "1"})
        conversation_id = self._conversation(output.get("team_id") or event.get("team"),
                                             event.get("user", ""), metadata.get("out_channel"),
                                             metadata.get("thread_id"))
        text = self._sanitize_user_message(event.get("text", ""), metadata["users"])
        return await self.process_message(request, on_new_message, text=text, sender_id=conversation_id,
                                          metadata=metadata)

    async def _handle_interaction(self, request: Request,
                                  on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> HTTPResponse:
        try:
            payload = json.loads(request.form.get("payload") or "{}")
        except ValueError:
            return response.text("bad payload", status=HTTPStatus.BAD_REQUEST)
        if not self._is_interactive_message(payload):
            return response.text("ignored")
        text = self._get_interactive_response(payload["actions"][0])
        if text is None:  # e.g. a link button: nothing to tell the bot
            return response.text("ignored")
        if not self._first_click(request, payload):
            logger.info("Slack button click already handled; not answering again")
            return response.text("")
        metadata = self.get_metadata(request)
        user = payload.get("user") or {}
        team = (payload.get("team") or {}).get("id") or user.get("team_id")
        conversation_id = self._conversation(team, user.get("id") or "", metadata.get("out_channel"),
                                             metadata.get("thread_id"))
        return await self.process_message(request, on_new_message, text, conversation_id, metadata)

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        slack_webhook = Blueprint("slack_webhook", __name__)
        self.guard.bind(slack_webhook)
        on_new_message = self.guard.wrap(on_new_message)

        @slack_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok" if self.enabled else "disabled"})

        @slack_webhook.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if not self.enabled:
                return response.text("Slack channel is not configured", status=HTTPStatus.SERVICE_UNAVAILABLE)
            if not self.is_request_from_slack_authentic(request):
                return response.text("invalid or missing X-Slack-Signature", status=HTTPStatus.UNAUTHORIZED)
            content_type = (request.headers.get("content-type") or "").split(";")[0].strip()
            if content_type == "application/json":
                return await self._handle_event(request, on_new_message)
            if content_type == "application/x-www-form-urlencoded":
                return await self._handle_interaction(request, on_new_message)
            return response.text("unsupported content type", status=HTTPStatus.BAD_REQUEST)

        return slack_webhook

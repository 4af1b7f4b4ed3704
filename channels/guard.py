"""The intake guard every input channel passes its messages through before Rasa sees them.

`IntakeGuard(channel).wrap(on_new_message)` is what a channel's `blueprint()` hands its routes
instead of Rasa's handler. For each message, in this order:

1. clean: lone surrogates, NUL and other control characters go (`actions.privacy.clean_text`);
2. cap: a text over `MAX_MESSAGE_CHARS` is not processed at all; the user gets
   `utter_message_too_long` at once, and nothing reaches NLU, the tracker or the log;
3. redact: card numbers, CVVs, passwords... are replaced (`actions.handover.redaction.redact`),
   so the tracker, Rasa's logs and every slot only ever see the redacted text;
4. slash commands: only the button payloads we send keep their entities (`channels.slash`);
5. namespace: the sender id becomes `<channel>:<the channel's own id>`;
6. two requests in one message (`channels.split`): the help-center question is answered first,
   then the request runs; a second request waits until the first one's flow is over (no form
   running, no offer open) and then runs as if just sent;
7. after the turn: if nothing at all was sent and the action server can't be reached, the user
   gets `utter_assistant_unavailable` instead of silence. A turn that is silent on purpose (a
   person has the conversation) stays silent while the action server is up.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import OutputChannel, UserMessage
from sanic import Blueprint, Sanic

from actions.handover.redaction import redact
from actions.privacy import MAX_MESSAGE_CHARS, clean_text
from channels.availability import action_server_reachable
from channels.domain_rules import DomainRules, load_rules
from channels.ids import namespaced
from channels.slash import without_entities
from channels.parsing import parse_many
from channels.split import Part, Plan, plan

logger = logging.getLogger(__name__)

Handler = Callable[[UserMessage], Awaitable[Any]]
MAX_WAITING_CONVERSATIONS = 10_000  # second requests kept in memory, oldest dropped first
ENDS_A_WAIT = frozenset({"stop", "goodbye"})  # the customer called it a day: drop what waits


class _ReplyCounter:
    """Counts what the processor sends through one output channel during one turn."""

    def __init__(self, output: OutputChannel) -> None:
        self.sent = 0
        send = output.send_response

        async def counting_send(recipient_id: str, message: dict[str, Any]) -> None:
            self.sent += 1
            await send(recipient_id, message)

        # On the instance, so the channel keeps its class (Rasa checks isinstance for REST).
        output.send_response = counting_send  # type: ignore[method-assign]


class IntakeGuard:
    """Cleans, caps, redacts and namespaces one channel's messages (see the module docstring)."""

    def __init__(self, channel: str, rules: DomainRules | None = None) -> None:
        self.channel = channel
        self.rules = rules or load_rules()
        self._app: Sanic | None = None
        self._waiting: OrderedDict[str, list[Part]] = OrderedDict()

    def bind(self, blueprint: Blueprint) -> None:
        """Remember the Sanic app the blueprint is served by (it holds the action endpoint)."""

        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, *_: Any) -> None:
            self._app = app

    def wrap(self, on_new_message: Handler) -> Handler:
        """Rasa's message handler behind this guard."""

        async def guarded(message: UserMessage) -> None:
            await self.handle(message, on_new_message)

        return guarded

    def sender_id(self, local_id: object) -> str:
        """The namespaced conversation id for this channel's own id."""
        return namespaced(self.channel, local_id)

    async def handle(self, message: UserMessage, on_new_message: Handler) -> None:
        sender = self.sender_id(message.sender_id)
        output = message.output_channel
        text = None if message.text is None else clean_text(message.text)
        if text is not None and len(text) > MAX_MESSAGE_CHARS:
            logger.info("%s: message of %d characters from %s not processed (limit %d)",
                        self.channel, len(text), sender, MAX_MESSAGE_CHARS)
            await output.send_response(sender, {"text": self.rules.too_long})
            return
        if text:
            text = without_entities(redact(text), self.rules)
        counter = _ReplyCounter(output)
        split = await self._plan(text)
        parts = split.parts

        async def turn(turn_text: str | None, parse_data: dict[str, Any] | None = None) -> None:
            if turn_text:  # a part of a split message passes the slash-command rule again
                turn_text = without_entities(turn_text, self.rules)
            if parse_data is not None and parse_data.get("text") != turn_text:
                parse_data = None  # only a parse of exactly this text saves Rasa the parse
            await on_new_message(UserMessage(turn_text, output, sender, parse_data=parse_data,
                                             input_channel=self.channel, message_id=message.message_id,
                                             metadata=message.metadata))

        if parts:
            first_request = next((i for i, part in enumerate(parts) if part.intent != "ask_knowledge"),
                                 len(parts))
            for part in parts[:first_request + 1]:
                await turn(part.text)
            if parts[first_request + 1:]:
                self._wait(sender, parts[first_request + 1:])
                if not await self._run_waiting(sender, output, turn, lead_in=False):
                    await output.send_response(sender, {"text": self.rules.queued})
        else:
            await turn(text, split.parse_data)
            await self._run_waiting(sender, output, turn, lead_in=True)
        if counter.sent == 0 and not await action_server_reachable(self._action_endpoint_url()):
            logger.warning("%s: no reply for %s and the action server is down", self.channel, sender)
            await output.send_response(sender, {"text": self.rules.unavailable})

    # --- two requests in one message ---------------------------------------------------------
    async def _plan(self, text: str | None) -> Plan:
        """The message's requests in the order to handle them, or none for a single request."""
        agent = self._agent()
        if not text or text.startswith("/") or agent is None or not agent.is_ready():
            return Plan([])
        try:
            return await plan(text, lambda texts: parse_many(agent, texts))
        except Exception:  # never lose the message over this: handle it whole
            logger.exception("%s: could not split a message; handling it whole", self.channel)
            return Plan([])

    def _wait(self, sender: str, parts: list[Part]) -> None:
        self._waiting[sender] = parts
        self._waiting.move_to_end(sender)
        while len(self._waiting) > MAX_WAITING_CONVERSATIONS:
            self._waiting.popitem(last=False)

    async def _run_waiting(self, sender: str, output: OutputChannel,
                           turn: Callable[[str], Awaitable[None]], *, lead_in: bool) -> bool:
        """Run a waiting second request if the conversation is free for it; True if it ran."""
        if sender not in self._waiting:
            return False
        agent = self._agent()
        tracker = await agent.processor.get_tracker(sender) if agent and agent.processor else None
        if tracker is None:
            return False
        latest = tracker.latest_message.intent.get("name") if tracker.latest_message else None
        if latest in ENDS_A_WAIT or tracker.get_slot("handed_over"):
            self._waiting.pop(sender, None)
            return False
        if tracker.active_loop_name or tracker.get_slot("pending_offer"):
            return False  # the first request is still running
        parts = self._waiting.pop(sender)
        if lead_in:
            await output.send_response(sender, {"text": self.rules.next})
        await turn(parts[0].text)
        if parts[1:]:
            self._wait(sender, parts[1:])
        return True

    def _agent(self) -> Any:
        app = self._app
        if app is None:
            try:
                app = Sanic.get_app()
            except Exception:  # noqa: BLE001 - no app registered yet (not served by `rasa run`)
                return None
        return getattr(app.ctx, "agent", None)

    def _action_endpoint_url(self) -> str | None:
        endpoint = getattr(self._agent(), "action_endpoint", None)
        return getattr(endpoint, "url", None)

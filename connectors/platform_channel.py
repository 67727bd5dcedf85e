"""Rasa glue shared by the Zalo, Messenger and Telegram connectors.

A platform's webhook (POST /webhooks/<channel>/webhook) is answered at once: the request is
checked (size, signature, JSON), each event is taken in once (its message id is remembered), and
the bot's work runs in the background, so slow answers never trigger the platform's retries.
Replies go out through the platform's client; an operator's reply or a status change (a backend
delivery, see backend/README.md) is reported back to the backend as delivered or refused.

Each connector is on when its settings are in the environment (see the README); otherwise its
webhook answers 503 and says which settings are missing. Conversations are per channel user: the
Rasa sender id is "<channel>:<platform user id>".
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from backend.app.services.rate_limit import SlidingWindowRateLimiter  # pure Python, no backend deps
from connectors.common import (MAX_WEBHOOK_BYTES, Button, ButtonMemory, DeliveryReporter, PlatformError,
                               SeenMessages, buttons_from_rasa, env_or_none)
from connectors import metrics
from connectors.rasa_channels import guard

logger = logging.getLogger(__name__)

GREETING_INTENT = "/greet"
SLOW_DOWN_REPLY = ("Anh/Chị đang gửi nhiều tin nhắn liên tiếp, em chưa kịp trả lời hết. Anh/Chị vui lòng "
                   "chờ một chút rồi nhắn lại giúp em ạ.")
# A citizen types a few messages a minute; a burst beyond this is a script or a stuck client. Its
# messages are not passed to the bot (one notice per window says so); the platform is answered
# 200 so it does not retry them. Requests per client address are limited too (429, retried).
USER_MESSAGES_PER_MINUTE = 20
REQUESTS_PER_MINUTE_PER_ADDRESS = 1200
MEDIA_REPLY = ("Dạ, hiện em chỉ đọc được tin nhắn bằng chữ. Anh/Chị vui lòng nhắn câu hỏi hoặc nội dung "
               "phản ánh bằng chữ giúp em ạ.")


@dataclass(frozen=True)
class Incoming:
    """One platform event, reduced to what the bot needs."""

    kind: str  # "text" | "start" (follow, /start) | "media" | "ignored" | "slow_down" (over the limit)
    user_id: str
    message_id: str
    text: str = ""
    extra: Dict[str, Any] = field(default_factory=dict)


class Rejected(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def sender_id(channel: str, user_id: str) -> str:
    return f"{channel}:{user_id}"


def platform_user(channel: str, recipient_id: str) -> str:
    prefix = channel + ":"
    return recipient_id[len(prefix):] if recipient_id.startswith(prefix) else recipient_id


class PlatformOutput(OutputChannel):
    """Sends the bot's messages through a platform client; subclasses implement `deliver`."""

    channel = ""

    def __init__(self, buttons: ButtonMemory, reporter: DeliveryReporter) -> None:
        self.buttons, self.reporter = buttons, reporter
        self._offered: List[Button] = []  # options offered in this reply (one instance per reply)

    def offer(self, user_id: str, buttons: List[Button]) -> int:
        """Remember the options of this reply so far; returns the number of the first new one."""
        start = len(self._offered) + 1
        self._offered.extend(buttons)
        self.buttons.remember(self.channel, user_id, self._offered)
        return start

    def name(self) -> Text:  # type: ignore[override]
        return self.channel

    async def deliver(self, user_id: str, text: str, buttons: List[Button], options: Dict[str, Any]) -> None:
        raise NotImplementedError

    async def _send(self, recipient_id: Text, text: Text, buttons: List[Button], options: Dict[str, Any]) -> None:
        user_id = platform_user(self.channel, recipient_id)
        delivery_id = options.get("delivery_id")
        try:
            await self.deliver(user_id, text or "", buttons, options)
        except PlatformError as exc:
            # No text, no user id, no token in the log: only what failed and the platform's code.
            logger.error("%s send failed: %s %s", self.channel, exc.code, exc.message[:120])
            metrics.CHANNEL_ERRORS.labels(self.channel).inc()
            if delivery_id:
                await self._report(delivery_id, False, f"{exc.platform} {exc.code}: {exc.message}")
            return
        except Exception as exc:  # an unexpected failure must not take the conversation down
            logger.error("%s send failed: %s", self.channel, type(exc).__name__)
            metrics.CHANNEL_ERRORS.labels(self.channel).inc()
            if delivery_id:
                await self._report(delivery_id, False, type(exc).__name__)
            return
        if delivery_id:
            await self._report(delivery_id, True, "")

    async def _report(self, delivery_id: Any, delivered: bool, error: str) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.reporter.report, delivery_id, delivered, error)

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, text, [], kwargs)

    async def send_text_with_buttons(self, recipient_id: Text, text: Text, buttons: List[Dict[Text, Any]],
                                     **kwargs: Any) -> None:
        await self._send(recipient_id, text, buttons_from_rasa(buttons), kwargs)

    async def send_quick_replies(self, recipient_id: Text, text: Text, quick_replies: List[Dict[Text, Any]],
                                 **kwargs: Any) -> None:
        await self._send(recipient_id, text, buttons_from_rasa(quick_replies), kwargs)

    async def send_image_url(self, recipient_id: Text, image: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, image, [], kwargs)

    async def send_attachment(self, recipient_id: Text, attachment: Text, **kwargs: Any) -> None:
        await self._send(recipient_id, str(attachment), [], kwargs)

    async def send_custom_json(self, recipient_id: Text, json_message: Dict[Text, Any], **kwargs: Any) -> None:
        text = json_message.get("text") if isinstance(json_message, dict) else None
        if text:
            await self._send(recipient_id, str(text), [], kwargs)


class PlatformInput(InputChannel):
    """Webhook input for a messaging platform; subclasses say how to check, parse and reply."""

    channel = ""
    required_settings: tuple[str, ...] = ()

    def __init__(self, settings: Any) -> None:
        self.settings = settings
        self.seen = SeenMessages()
        self.buttons = ButtonMemory()
        self.reporter = DeliveryReporter()
        self._tasks: set[asyncio.Task] = set()  # asyncio keeps only weak references to running tasks
        self.user_limiter = SlidingWindowRateLimiter(
            int(env_or_none("WEBHOOK_USER_MESSAGES_PER_MINUTE") or USER_MESSAGES_PER_MINUTE), 60.0)
        self.address_limiter = SlidingWindowRateLimiter(
            int(env_or_none("WEBHOOK_REQUESTS_PER_MINUTE") or REQUESTS_PER_MINUTE_PER_ADDRESS), 60.0)
        self._told_to_slow_down: set[str] = set()

    @classmethod
    def name(cls) -> Text:
        return cls.channel

    @classmethod
    def settings_from_env(cls) -> Any:
        raise NotImplementedError

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        settings = cls.settings_from_env()
        if settings is None:
            logger.info("%s channel off: set %s to switch it on", cls.channel, ", ".join(cls.required_settings))
        return cls(settings)

    # --- subclass hooks ---------------------------------------------------------------------------
    def check(self, request: Request, raw: bytes) -> None:
        """Raise Rejected when the request is not from the platform."""
        raise NotImplementedError

    def parse(self, body: Any) -> List[Incoming]:
        raise NotImplementedError

    def output(self) -> PlatformOutput:
        raise NotImplementedError

    async def acknowledge(self, event: Incoming) -> None:
        """Called before the bot works on an event (Telegram answers button presses here)."""

    def handshake(self, request: Request) -> HTTPResponse:
        return response.json({"error": "method not allowed"}, status=405)

    # --- Rasa ------------------------------------------------------------------------------------
    def get_output_channel(self) -> Optional[OutputChannel]:
        return self.output() if self.settings is not None else None

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        handler = guard(on_new_message)
        bp = Blueprint(f"{self.channel}_webhook", __name__)

        @bp.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok", "channel": self.channel, "configured": self.settings is not None})

        @bp.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            if self.settings is None:
                return self._not_configured()
            return self.handshake(request)

        @bp.route("/webhook", methods=["POST"])
        async def webhook(request: Request) -> HTTPResponse:
            if self.settings is None:
                return self._not_configured()
            wait = self.address_limiter.hit(request.remote_addr or request.ip or "")
            if wait:
                logger.warning("%s webhook: too many requests from one address", self.channel)
                return response.json({"error": "too many requests"}, status=429,
                                     headers={"Retry-After": SlidingWindowRateLimiter.retry_after_header(wait)})
            raw = request.body or b""
            if len(raw) > MAX_WEBHOOK_BYTES:
                return response.json({"error": "payload too large"}, status=413)
            try:
                self.check(request, raw)
                try:
                    body = json.loads(raw)
                except (ValueError, UnicodeDecodeError):
                    raise Rejected(400, "body is not JSON") from None
                events = self.parse(body)
            except Rejected as exc:
                logger.warning("%s webhook refused (%d): %s", self.channel, exc.status, exc.reason)
                return response.json({"error": exc.reason}, status=exc.status)
            self.take_in(events, handler)
            return response.json({"status": "ok"})

        self.add_routes(bp, handler)
        return bp

    def add_routes(self, bp: Blueprint, handler: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """More routes or listeners (Telegram's polling)."""

    def _not_configured(self) -> HTTPResponse:
        return response.json({"error": f"the {self.channel} channel is not configured",
                              "missing": list(self.required_settings)}, status=503)

    def take_in(self, events: List[Incoming], handler: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Start the work for each new event; duplicates (same message id) are dropped."""
        for event in events:
            if event.kind == "ignored" or not event.user_id:
                continue
            if event.message_id and not self.seen.first_time(self.channel, event.message_id):
                logger.info("%s duplicate delivery of a message dropped", self.channel)
                continue
            if self.user_limiter.hit(event.user_id):
                logger.warning("%s: a user sent too many messages; one dropped", self.channel)
                if event.user_id in self._told_to_slow_down:
                    continue
                self._told_to_slow_down.add(event.user_id)
                event = Incoming("slow_down", event.user_id, event.message_id)
            else:
                self._told_to_slow_down.discard(event.user_id)
            task = asyncio.ensure_future(self.process(event, handler))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def process(self, event: Incoming, handler: Callable[[UserMessage], Awaitable[Any]]) -> None:
        try:
            await self.acknowledge(event)
            output = self.output()
            sender = sender_id(self.channel, event.user_id)
            if event.kind in ("media", "slow_down"):
                await output.send_text_message(sender, MEDIA_REPLY if event.kind == "media" else SLOW_DOWN_REPLY)
                return
            text = GREETING_INTENT if event.kind == "start" else (
                self.buttons.resolve(self.channel, event.user_id, event.text) or event.text)
            await handler(UserMessage(text, output, sender, input_channel=self.channel,
                                      message_id=f"{self.channel}:{event.message_id}",
                                      metadata={"channel": self.channel}))
        except Exception as exc:  # the webhook has long been answered; the log says what failed
            logger.error("%s event not handled: %s", self.channel, type(exc).__name__)

"""Telegram as a Rasa channel: webhook /webhooks/telegram/webhook (the secret-token header is
checked), or polling for local development (no public URL needed). The Bot API calls go through
python-telegram-bot (connectors/telegram.py). Buttons become an inline keyboard; a press is
answered at once and its data goes to the bot as the citizen's message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Awaitable, Callable, Dict, List, Optional

from rasa.core.channels.channel import UserMessage
from sanic import Blueprint
from sanic.request import Request

from connectors.common import Button, PayloadStore, PlatformError
from connectors.platform_channel import Incoming, PlatformInput, PlatformOutput, Rejected
from connectors.telegram import TelegramClient, TelegramSettings, inline_keyboard, parse_update, secret_ok

logger = logging.getLogger(__name__)

POLL_ERROR_PAUSE_S = 5.0


class TelegramOutput(PlatformOutput):
    channel = "telegram"

    def __init__(self, client: TelegramClient, payloads: PayloadStore, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client, self.payloads = client, payloads

    async def deliver(self, user_id: str, text: str, buttons: List[Button], options: Dict[str, Any]) -> None:
        keyboard = None
        if buttons:
            self.offer(user_id, buttons)
            keyboard = inline_keyboard(buttons, self.payloads.key_for)
        await self.client.send_text(user_id, text, keyboard)


class TelegramInput(PlatformInput):
    channel = "telegram"
    required_settings = ("TELEGRAM_BOT_TOKEN", "TELEGRAM_SECRET_TOKEN (webhook mode)")

    def __init__(self, settings: Optional[TelegramSettings]) -> None:
        super().__init__(settings)
        self.client = TelegramClient(settings) if settings is not None else None
        self.payloads = PayloadStore()
        self._poller: Optional[asyncio.Task] = None

    @classmethod
    def settings_from_env(cls) -> Optional[TelegramSettings]:
        return TelegramSettings.from_env()

    def check(self, request: Request, raw: bytes) -> None:
        if self.settings.polling:
            raise Rejected(409, "the bot is polling for updates; set TELEGRAM_SECRET_TOKEN for webhook mode")
        if not secret_ok(request.headers.get("X-Telegram-Bot-Api-Secret-Token"), self.settings.secret_token):
            raise Rejected(403, "bad secret token")

    def parse(self, body: Any) -> List[Incoming]:
        event = parse_update(body)
        if event.kind == "ignored" and not event.message_id:
            raise Rejected(400, "not a Telegram update")
        text = event.text
        if text.startswith("p:") and event.callback_query_id:
            text = self.payloads.payload(text) or text
        return [Incoming(event.kind, event.user_id, event.message_id, text,
                         {"callback_query_id": event.callback_query_id})]

    async def acknowledge(self, event: Incoming) -> None:
        if event.extra.get("callback_query_id"):
            await self.client.answer_callback(event.extra["callback_query_id"])

    def output(self) -> TelegramOutput:
        return TelegramOutput(self.client, self.payloads, buttons=self.buttons, reporter=self.reporter)

    def add_routes(self, bp: Blueprint, handler: Callable[[UserMessage], Awaitable[Any]]) -> None:
        if self.settings is None or not self.settings.polling:
            return

        @bp.listener("after_server_start")
        async def start_polling(app: Any, loop: Any) -> None:
            self._poller = asyncio.ensure_future(self.poll(handler))

        @bp.listener("before_server_stop")
        async def stop_polling(app: Any, loop: Any) -> None:
            if self._poller:
                self._poller.cancel()

    async def poll(self, handler: Callable[[UserMessage], Awaitable[Any]]) -> None:
        """Local development: long-poll getUpdates instead of receiving webhooks."""
        logger.info("telegram channel polling for updates (no webhook)")
        offset: Optional[int] = None
        try:
            await self.client.delete_webhook()
        except PlatformError as exc:
            logger.warning("telegram deleteWebhook failed: %s", exc.code)
        while True:
            try:
                updates = await self.client.get_updates(offset)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # network trouble: wait and poll again
                logger.warning("telegram polling failed: %s", getattr(exc, "code", type(exc).__name__))
                await asyncio.sleep(POLL_ERROR_PAUSE_S)
                continue
            for update in updates:
                offset = max(offset or 0, int(update.get("update_id", 0)) + 1)
                try:
                    events = self.parse(update)
                except Rejected:
                    continue
                self.take_in(events, handler)

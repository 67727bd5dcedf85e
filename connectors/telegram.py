"""Telegram: update parsing and a Bot API client on python-telegram-bot. No Rasa here:
`connectors/telegram_channel.py` is the Rasa glue.

Protocol facts, with sources, are in ../shared/channels-reference.md §3:
- Webhook requests carry `X-Telegram-Bot-Api-Secret-Token` (set with setWebhook); wrong or
  missing → 403. `update_id` identifies an update (duplicates are dropped by it).
- A button press is a `callback_query` with `data` (1–64 bytes); it must be answered
  (answerCallbackQuery) or the client shows a spinner.
- sendMessage: text up to 4,096 characters; buttons as an inline keyboard.

    python -m connectors.telegram set-webhook https://bot.example.gov.vn/webhooks/telegram/webhook
    python -m connectors.telegram delete-webhook
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import sys
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Awaitable, Callable, Mapping, Optional, TypeVar

from connectors.common import Button, PlatformError, as_dict, env_or_none, split_text

logger = logging.getLogger(__name__)
# httpx logs every request URL at INFO, and Telegram's URLs hold the bot token.
logging.getLogger("httpx").setLevel(logging.WARNING)
logging.getLogger("httpcore").setLevel(logging.WARNING)

API_BASE = "https://api.telegram.org"
TEXT_LIMIT = 4096
CALLBACK_DATA_LIMIT = 64  # bytes
ALLOWED_UPDATES = ["message", "callback_query", "my_chat_member"]

T = TypeVar("T")


@dataclass(frozen=True)
class TelegramSettings:
    bot_token: str
    secret_token: Optional[str]
    api_base: str = API_BASE
    polling: bool = False

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["TelegramSettings"]:
        """On with a bot token. Webhook mode needs TELEGRAM_SECRET_TOKEN; without it (local
        development) the bot polls for updates instead, or when TELEGRAM_MODE=polling."""
        env = lambda name: env_or_none(name, environ)  # noqa: E731
        token = env("TELEGRAM_BOT_TOKEN")
        if not token:
            return None
        secret = env("TELEGRAM_SECRET_TOKEN")
        polling = (env("TELEGRAM_MODE") or ("webhook" if secret else "polling")).lower() == "polling"
        return cls(token, secret, (env("TELEGRAM_API_BASE") or API_BASE).rstrip("/"), polling)


def secret_ok(header: Optional[str], secret_token: Optional[str]) -> bool:
    if not secret_token or not header:
        return False
    return hmac.compare_digest(header.encode(), secret_token.encode())


@dataclass(frozen=True)
class TelegramEvent:
    kind: str  # "text" | "start" | "media" | "ignored"
    user_id: str = ""  # the chat id: replies go there
    message_id: str = ""  # update_id: the dedupe key
    text: str = ""  # for a button press: its callback data
    callback_query_id: str = ""


def parse_update(update: Any) -> TelegramEvent:
    if not isinstance(update, dict) or not isinstance(update.get("update_id"), int):
        return TelegramEvent("ignored")
    update_id = str(update["update_id"])
    message = update.get("message")
    if isinstance(message, dict):
        chat_id = str(as_dict(message.get("chat")).get("id") or "")
        if not chat_id or as_dict(message.get("from")).get("is_bot"):
            return TelegramEvent("ignored", chat_id, update_id)
        text = message.get("text")
        if isinstance(text, str) and text.strip():
            if text.strip().split("@")[0] in ("/start", "/help"):
                return TelegramEvent("start", chat_id, update_id)
            return TelegramEvent("text", chat_id, update_id, text.strip())
        return TelegramEvent("media", chat_id, update_id)
    query = update.get("callback_query")
    if isinstance(query, dict):
        chat = as_dict(as_dict(query.get("message")).get("chat"))
        chat_id = str(chat.get("id") or as_dict(query.get("from")).get("id") or "")
        data = query.get("data")
        if chat_id and isinstance(data, str) and data:
            return TelegramEvent("text", chat_id, update_id, data, str(query.get("id") or ""))
        return TelegramEvent("ignored", chat_id, update_id, callback_query_id=str(query.get("id") or ""))
    return TelegramEvent("ignored", "", update_id)  # edited messages, member updates, channel posts...


def inline_keyboard(buttons: list[Button], data_for: Callable[[str], str]) -> Any:
    """One button per row (titles are procedure names: long); callback data within 64 bytes."""
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup

    rows = []
    for b in buttons:
        data = b.payload if len(b.payload.encode()) <= CALLBACK_DATA_LIMIT else data_for(b.payload)
        rows.append([InlineKeyboardButton(b.title[:120], callback_data=data)])
    return InlineKeyboardMarkup(rows)


class TelegramClient:
    """Bot API calls through python-telegram-bot, retried on flood control and network errors."""

    def __init__(self, settings: TelegramSettings, attempts: int = 4, base_delay: float = 0.5,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.settings, self.attempts, self.base_delay, self.sleep = settings, attempts, base_delay, sleep
        self._bots: dict[int, Any] = {}

    def bot(self) -> Any:
        """One Bot per event loop (its HTTP client belongs to the loop that uses it)."""
        from telegram import Bot
        from telegram.request import HTTPXRequest

        key = id(asyncio.get_running_loop())
        if key not in self._bots:
            base = f"{self.settings.api_base}/bot"
            self._bots[key] = Bot(self.settings.bot_token, base_url=base,
                                  request=HTTPXRequest(connection_pool_size=8, read_timeout=15, write_timeout=15),
                                  get_updates_request=HTTPXRequest(read_timeout=40))
        return self._bots[key]

    async def _call(self, what: str, make: Callable[[], Awaitable[T]]) -> T:
        from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

        for attempt in range(1, self.attempts + 1):
            try:
                return await make()
            except RetryAfter as exc:
                # The private timedelta avoids PTB 22's deprecation of the int-valued attribute.
                wait = getattr(exc, "_retry_after", None) or exc.retry_after
                delay = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                error = PlatformError("telegram", 429, "flood control", retryable=True, retry_after=delay)
            except (BadRequest, Forbidden) as exc:  # bad chat, bot blocked: retrying will not help
                raise PlatformError("telegram", type(exc).__name__, str(exc)[:200]) from None
            except NetworkError as exc:  # timeouts, connection errors, 5xx
                error = PlatformError("telegram", type(exc).__name__, "network", retryable=True)
                delay = self.base_delay * 2 ** (attempt - 1)
            except TelegramError as exc:
                raise PlatformError("telegram", type(exc).__name__, str(exc)[:200]) from None
            if attempt == self.attempts:
                raise error
            logger.warning("Telegram %s failed (attempt %d/%d, %s); retrying in %.1f s", what, attempt,
                           self.attempts, error.code, delay)
            await self.sleep(min(delay, 30.0))
        raise AssertionError("unreachable")

    async def send_text(self, chat_id: str, text: str, keyboard: Any = None) -> list[str]:
        ids = []
        pieces = split_text(text, TEXT_LIMIT) or [""]
        for n, piece in enumerate(pieces):
            markup = keyboard if n == len(pieces) - 1 else None
            message = await self._call("sendMessage", lambda: self.bot().send_message(
                chat_id=chat_id, text=piece, reply_markup=markup))
            ids.append(str(message.message_id))
        return ids

    async def answer_callback(self, callback_query_id: str) -> None:
        try:
            await self._call("answerCallbackQuery",
                             lambda: self.bot().answer_callback_query(callback_query_id=callback_query_id))
        except PlatformError as exc:  # the spinner stops by itself after a while: not worth failing for
            logger.info("Telegram callback not answered: %s", exc.code)

    async def get_updates(self, offset: Optional[int], timeout: int = 25) -> list[dict[str, Any]]:
        updates = await self._call("getUpdates", lambda: self.bot().get_updates(
            offset=offset, timeout=timeout, allowed_updates=ALLOWED_UPDATES))
        return [u.to_dict() for u in updates]

    async def delete_webhook(self) -> None:
        await self._call("deleteWebhook", lambda: self.bot().delete_webhook())

    async def set_webhook(self, url: str) -> None:
        if not self.settings.secret_token:
            raise SystemExit("TELEGRAM_SECRET_TOKEN must be set (1-256 characters of A-Z a-z 0-9 _ -)")
        await self._call("setWebhook", lambda: self.bot().set_webhook(
            url=url, secret_token=self.settings.secret_token, allowed_updates=ALLOWED_UPDATES))


def main(argv: list[str]) -> int:
    settings = TelegramSettings.from_env()
    if settings is None:
        print("TELEGRAM_BOT_TOKEN is not set", file=sys.stderr)
        return 2
    client = TelegramClient(settings)
    if argv[:1] == ["set-webhook"] and len(argv) == 2:
        asyncio.run(client.set_webhook(argv[1]))
        print(f"webhook set to {argv[1]}")
        return 0
    if argv == ["delete-webhook"]:
        asyncio.run(client.delete_webhook())
        print("webhook deleted (polling works again)")
        return 0
    print("usage: python -m connectors.telegram set-webhook https://<domain>/webhooks/telegram/webhook\n"
          "       python -m connectors.telegram delete-webhook", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

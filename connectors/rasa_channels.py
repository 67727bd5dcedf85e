"""Rasa's REST and socketio channels, with a reply even when the bot cannot produce one.

If the action server is down or a message makes the dialogue fail, Rasa logs the error and sends
nothing: the citizen would wait forever. These channels count what the bot sends for each message
and, when it sent nothing, reply with a short apology instead (never a stack trace). Routes and
payloads are exactly Rasa's (`/webhooks/rest/webhook`, socket.io at `/socket.io`).
"""

from __future__ import annotations

import logging
from typing import Any, Awaitable, Callable, Dict, Text

from rasa.core.channels.channel import OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

logger = logging.getLogger(__name__)

BUSY_REPLY = ("Xin lỗi Anh/Chị, hệ thống đang bận nên em chưa trả lời được. "
              "Anh/Chị vui lòng thử lại sau ít phút hoặc gọi Tổng đài 1022 để được hỗ trợ.")


class CountingOutputChannel(OutputChannel):
    """Passes every bot message on to the real channel and counts them."""

    def __init__(self, inner: OutputChannel) -> None:
        self.inner = inner
        self.sent = 0

    def name(self) -> Text:  # type: ignore[override]
        return self.inner.name()

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        self.sent += 1
        await self.inner.send_response(recipient_id, message)

    def __getattr__(self, item: str) -> Any:
        return getattr(self.inner, item)


def _is_silent_command(text: Any) -> bool:
    """Rasa commands that legitimately produce no reply ("/restart", "/session_start")."""
    return isinstance(text, str) and text.strip().split("{")[0] in ("/restart", "/session_start", "/back")


def guard(on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Callable[[UserMessage], Awaitable[None]]:
    """Wrap Rasa's message handler: a message always gets at least one reply."""

    async def guarded(message: UserMessage) -> None:
        counting = CountingOutputChannel(message.output_channel)
        message.output_channel = counting
        try:
            await on_new_message(message)
        except Exception as exc:  # never let a failure reach the citizen as silence or a trace
            # No message text here: it may hold personal data.
            logger.error("handling a message from channel %s failed: %s", message.input_channel,
                         type(exc).__name__)
        if counting.sent == 0 and not _is_silent_command(message.text):
            logger.warning("no reply produced for a message on channel %s; sent the busy reply",
                           message.input_channel)
            await counting.inner.send_text_message(message.sender_id, BUSY_REPLY)

    return guarded


class RestInputWithFallback(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(guard(on_new_message))


class SocketIOInputWithFallback(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        return super().blueprint(guard(on_new_message))

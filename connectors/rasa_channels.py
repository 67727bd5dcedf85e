"""Rasa's REST and socketio channels, with a reply even when the bot cannot produce one.

If the action server is down or a message makes the dialogue fail, Rasa logs the error and sends
nothing: the citizen would wait forever. These channels count what the bot sends for each message
and, when it sent nothing, reply with a short apology instead (never a stack trace). Routes and
payloads are exactly Rasa's (`/webhooks/rest/webhook`, socket.io at `/socket.io`).

REST is request/response: what the bot says between two messages (an operator's reply sent
through Rasa's trigger_intent API with `output_channel=rest`) waits in a mailbox (a SQLite file,
RASA_MAILBOX_DB, default var/rasa/mailbox.db) and comes first in the reply to the citizen's next
message.
"""

from __future__ import annotations

import asyncio
import inspect
import json
import logging
import os
import re
import sqlite3
import time
import uuid
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, OutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from rasa.core.channels.socketio import SocketIOInput
from sanic import Blueprint

from connectors import metrics

logger = logging.getLogger(__name__)


def make_sanic_websockets_work_on_python_311() -> bool:
    """Let Sanic 21.12's WebSocket receive work on Python 3.11 (Rasa 3.6 pins that Sanic).

    Its `recv` hands the coroutine of `WebsocketFrameAssembler.get` to `asyncio.wait`, which
    Python 3.11 refuses; every socket.io WebSocket then closes right after the handshake, and
    browsers fall back to slow long-polling. Returning a Task instead (what later Sanic releases
    do inside `recv`) keeps every other caller working, since a Task is awaited like the
    coroutine. Idempotent; returns True when the patch is (now) in place.
    """
    try:
        from sanic.server.websockets.frame import WebsocketFrameAssembler
    except ImportError:  # another Sanic layout: nothing to fix here
        return False
    original = WebsocketFrameAssembler.get
    if getattr(original, "_returns_task", False):
        return True

    def get(self: Any, timeout: Any = None) -> "asyncio.Future[Any]":
        return asyncio.ensure_future(original(self, timeout))

    get._returns_task = True  # type: ignore[attr-defined]
    WebsocketFrameAssembler.get = get  # type: ignore[method-assign]
    return True


make_sanic_websockets_work_on_python_311()

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
        channel = metrics.channel_label(message.input_channel)
        started = time.perf_counter()
        metrics.MESSAGES.labels(channel).inc()
        try:
            await on_new_message(message)
        except Exception as exc:  # never let a failure reach the citizen as silence or a trace
            # No message text here: it may hold personal data.
            logger.error("handling a message from channel %s failed: %s", message.input_channel,
                         type(exc).__name__)
        if counting.sent == 0 and not _is_silent_command(message.text):
            logger.warning("no reply produced for a message on channel %s; sent the busy reply",
                           message.input_channel)
            metrics.FAILURES.labels(channel).inc()
            await counting.inner.send_text_message(message.sender_id, BUSY_REPLY)
        metrics.REPLY_SECONDS.labels(channel).observe(time.perf_counter() - started)

    return guarded


class Mailbox:
    """Bot messages for REST citizens, kept until their next message (survives a restart)."""

    def __init__(self, path: Optional[Path] = None) -> None:
        root = Path(__file__).resolve().parent.parent
        self.path = Path(path or os.environ.get("RASA_MAILBOX_DB") or root / "var" / "rasa" / "mailbox.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("CREATE TABLE IF NOT EXISTS mailbox (id INTEGER PRIMARY KEY AUTOINCREMENT, "
                       "recipient TEXT NOT NULL, message TEXT NOT NULL, created_at REAL NOT NULL)")
            db.execute("CREATE INDEX IF NOT EXISTS mailbox_recipient ON mailbox (recipient, id)")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def put(self, recipient: Text, message: Dict[Text, Any]) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO mailbox (recipient, message, created_at) VALUES (?, ?, ?)",
                       (recipient, json.dumps(message, ensure_ascii=False), time.time()))

    def take(self, recipient: Text) -> List[Dict[Text, Any]]:
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT id, message FROM mailbox WHERE recipient = ? ORDER BY id",
                              (recipient,)).fetchall()
            db.execute("DELETE FROM mailbox WHERE recipient = ? AND id <= ?",
                       (recipient, rows[-1][0] if rows else -1))
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return [json.loads(message) for _id, message in rows]


class MailboxOutputChannel(CollectingOutputChannel):
    """The REST channel's output between messages: into the mailbox."""

    def __init__(self, mailbox: Mailbox) -> None:
        super().__init__()
        self.mailbox = mailbox

    @classmethod
    def name(cls) -> Text:
        return "rest"

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message(message)
        self.mailbox.put(message.get("recipient_id") or "", message)


def with_mailbox(mailbox: Mailbox, handler: Callable[[UserMessage], Awaitable[Any]]
                 ) -> Callable[[UserMessage], Awaitable[None]]:
    """Deliver what waits in the mailbox first, then handle the message."""

    async def handle(message: UserMessage) -> None:
        for waiting in mailbox.take(message.sender_id):
            await message.output_channel._persist_message(waiting)  # type: ignore[attr-defined]
        await handler(message)

    return handle


class RestInputWithFallback(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mailbox: Optional[Mailbox] = None

    def _mailbox(self) -> Mailbox:
        if self.mailbox is None:
            self.mailbox = Mailbox()
        return self.mailbox

    def get_output_channel(self) -> Optional[OutputChannel]:
        return MailboxOutputChannel(self._mailbox())

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        return super().blueprint(with_mailbox(self._mailbox(), guard(on_new_message)))


# What a widget may use as its session id (it makes a 32-character hex one); anything else gets a
# fresh id instead of becoming a room name and a tracker key.
SESSION_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


def share_sessions_through_redis(sio: Any, redis_url: Optional[str]) -> bool:
    """With several Rasa servers, a widget's socket lives on one of them, but a message for it (an
    operator's reply through trigger_intent) may be produced on another. python-socketio's Redis
    manager publishes every emit so that the server holding the socket delivers it. Rasa creates
    its socket.io server without a manager argument; none is in use before the first connection,
    so the default one is replaced here. Returns True when Redis is in use."""
    if not redis_url:
        return False
    from socketio import AsyncRedisManager

    manager = AsyncRedisManager(redis_url, channel="tongdai1022-socketio")
    sio.manager = manager
    manager.set_server(sio)
    sio.manager_initialized = False
    return True


class SocketIOInputWithFallback(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = super().blueprint(guard(on_new_message))
        sio = self.sio
        share_sessions_through_redis(sio, os.environ.get("SOCKETIO_REDIS_URL"))
        # Rasa 3.6 calls `sio.enter_room` without awaiting it, as older python-socketio allowed;
        # in the pinned release it is a coroutine, so the socket never joined the session's room
        # and replies (sent to that room) were lost. Registering the handler again replaces it.
        if inspect.iscoroutinefunction(sio.enter_room):

            @sio.on("session_request", namespace=self.namespace)
            async def session_request(sid: Text, data: Any) -> None:
                asked = data.get("session_id") if isinstance(data, dict) else None
                session_id = asked if isinstance(asked, str) and SESSION_ID.fullmatch(asked) else uuid.uuid4().hex
                if self.session_persistence:
                    await sio.enter_room(sid, session_id, namespace=self.namespace)
                await sio.emit("session_confirm", session_id, room=sid, namespace=self.namespace)

        return webhook

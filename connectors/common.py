"""What the messaging channels (Zalo OA, Messenger, Telegram) share, without Rasa.

- `split_text`: a reply longer than a platform's limit is cut on sentence boundaries.
- `SeenMessages`: platforms deliver a webhook again when they think it failed; a message id is
  processed once (a SQLite file, shared by every Rasa process on the machine).
- `ButtonMemory`: where a platform has no usable buttons (Zalo) or shortens their titles
  (Messenger), the options are numbered in the text and "1", "2"... map back to the payload.
- `with_retries`: platform calls are retried with backoff on rate limits, 5xx and network errors.
- `scrub`: log lines never carry tokens (bot tokens sit in Telegram's URL path).
- `DeliveryReporter`: an operator's reply or a status change (a backend delivery) tells the
  backend whether the platform accepted it, so operators see a refusal (e.g. Zalo's 7-day window).

Settings come from the environment only; these helpers take plain values so tests can drive them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import sqlite3
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional, TypeVar

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
MAX_WEBHOOK_BYTES = 256 * 1024  # real events are a few kB; anything bigger is refused with 413

T = TypeVar("T")


def env_or_none(name: str, environ: Optional[Mapping[str, str]] = None) -> Optional[str]:
    value = (os.environ if environ is None else environ).get(name, "").strip()
    return value or None


def as_dict(value: Any) -> dict:
    """A field of a platform's JSON that should be an object: a signed body can still hold anything,
    and a field of the wrong type is treated as absent."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list:
    return value if isinstance(value, list) else []


def state_dir() -> Path:
    path = Path(os.environ.get("CHANNEL_STATE_DIR") or ROOT / "var" / "rasa")
    path.mkdir(parents=True, exist_ok=True)
    return path


# --- splitting -------------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?…:;])\s+|\n+")


def split_text(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut after a sentence or a line where possible, else
    at a space, else hard (a single 'word' longer than the limit, such as a URL)."""
    text = (text or "").strip()
    if limit <= 0:
        raise ValueError("limit must be positive")
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        window = rest[:limit + 1]
        cut = -1
        for match in _SENTENCE_END.finditer(window):
            if 0 < match.start() <= limit:
                cut = match.start()
        if cut <= limit // 3:  # no sentence end in a useful place: the last space will do
            space = window.rfind(" ")
            cut = space if space > limit // 3 else cut
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        pieces.append(rest)
    return [p for p in pieces if p]


# --- SQLite-backed state -----------------------------------------------------------------------------


class _Store:
    def __init__(self, path: Path, schema: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # kept in the file: set once, not per connection
            db.executescript(schema)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)


class SeenMessages(_Store):
    """Message ids already taken in, per channel, kept for `ttl_s` (platform retries come within
    minutes to hours)."""

    def __init__(self, path: Optional[Path] = None, ttl_s: float = 3 * 24 * 3600) -> None:
        super().__init__(path or state_dir() / "channel-messages.db",
                         "CREATE TABLE IF NOT EXISTS seen (channel TEXT NOT NULL, message_id TEXT NOT NULL, "
                         "seen_at REAL NOT NULL, PRIMARY KEY (channel, message_id));")
        self.ttl_s = ttl_s
        self._last_purge = 0.0

    def first_time(self, channel: str, message_id: str) -> bool:
        """True for the first delivery of this id (atomic across threads and processes)."""
        now = time.time()
        with self._connect() as db:
            if now - self._last_purge > 3600:
                db.execute("DELETE FROM seen WHERE seen_at < ?", (now - self.ttl_s,))
                self._last_purge = now
            cur = db.execute("INSERT OR IGNORE INTO seen (channel, message_id, seen_at) VALUES (?, ?, ?)",
                             (channel, message_id, now))
            return cur.rowcount == 1


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


def buttons_from_rasa(buttons: list[dict[str, Any]]) -> list[Button]:
    out = []
    for b in buttons or []:
        title = str(b.get("title") or "").strip()
        payload = str(b.get("payload") or title).strip()
        if title or payload:
            out.append(Button(title or payload, payload))
    return out


def numbered_text(text: str, buttons: list[Button], start: int = 1) -> str:
    """The reply with its options written out: '1. …' per line and how to choose. A second list in
    the same reply continues the numbering (`start`), so every number means one option."""
    lines = [text.strip()] if text and text.strip() else []
    lines += [f"{i}. {b.title}" for i, b in enumerate(buttons, start=start)]
    lines.append("Anh/Chị nhắn số thứ tự (ví dụ: 1) để chọn ạ.")
    return "\n".join(lines)


class ButtonMemory(_Store):
    """The options last offered to a user, so that a typed "1" or "số 2" means that option."""

    def __init__(self, path: Optional[Path] = None, ttl_s: float = 24 * 3600) -> None:
        super().__init__(path or state_dir() / "channel-messages.db",
                         "CREATE TABLE IF NOT EXISTS offered (channel TEXT NOT NULL, user_id TEXT NOT NULL, "
                         "buttons TEXT NOT NULL, offered_at REAL NOT NULL, PRIMARY KEY (channel, user_id));")
        self.ttl_s = ttl_s

    def remember(self, channel: str, user_id: str, buttons: list[Button]) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO offered (channel, user_id, buttons, offered_at) VALUES (?, ?, ?, ?)",
                       (channel, user_id, json.dumps([[b.title, b.payload] for b in buttons], ensure_ascii=False),
                        time.time()))

    def resolve(self, channel: str, user_id: str, text: str) -> Optional[str]:
        """The payload of the option a short reply picks, else None (the text is a new message)."""
        match = re.fullmatch(r"\s*(?:số|so|chọn|chon|phương án|phuong an)?\s*(\d{1,2})\s*[.)]?\s*", text or "",
                             flags=re.IGNORECASE)
        with self._connect() as db:
            row = db.execute("SELECT buttons, offered_at FROM offered WHERE channel = ? AND user_id = ?",
                             (channel, user_id)).fetchone()
        if not row or time.time() - row[1] > self.ttl_s:
            return None
        buttons = json.loads(row[0])
        if match:
            n = int(match.group(1))
            return buttons[n - 1][1] if 1 <= n <= len(buttons) else None
        folded = (text or "").strip().lower()
        for title, payload in buttons:
            if title.strip().lower() == folded:
                return payload
        return None


class PayloadStore(_Store):
    """Short keys for button payloads too long for a platform field (Telegram's 64-byte
    callback_data)."""

    def __init__(self, path: Optional[Path] = None) -> None:
        super().__init__(path or state_dir() / "channel-messages.db",
                         "CREATE TABLE IF NOT EXISTS payloads (key TEXT PRIMARY KEY, payload TEXT NOT NULL, "
                         "stored_at REAL NOT NULL);")

    def key_for(self, payload: str) -> str:
        key = "p:" + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:24]
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO payloads (key, payload, stored_at) VALUES (?, ?, ?)",
                       (key, payload, time.time()))
        return key

    def payload(self, key: str) -> Optional[str]:
        with self._connect() as db:
            row = db.execute("SELECT payload FROM payloads WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None


# --- retries and logging ---------------------------------------------------------------------------


class PlatformError(Exception):
    """A platform refused or failed a call. `retryable`: worth trying again later."""

    def __init__(self, platform: str, code: Any, message: str, retryable: bool = False,
                 retry_after: Optional[float] = None) -> None:
        super().__init__(f"{platform} error {code}: {message}")
        self.platform, self.code, self.message = platform, code, message
        self.retryable, self.retry_after = retryable, retry_after


def with_retries(call: Callable[[], T], attempts: int = 4, base_delay: float = 0.5, max_delay: float = 30.0,
                 sleep: Callable[[float], None] = time.sleep, what: str = "platform call") -> T:
    """Run `call`; on a retryable PlatformError or a network error wait base, 2 base, 4 base...
    (or the platform's retry_after) and try again, at most `attempts` times in all."""
    import requests

    for attempt in range(1, attempts + 1):
        try:
            return call()
        except PlatformError as exc:
            if not exc.retryable or attempt == attempts:
                raise
            delay = exc.retry_after if exc.retry_after is not None else base_delay * 2 ** (attempt - 1)
            logger.warning("%s failed (attempt %d/%d, %s %s); retrying in %.1f s", what, attempt, attempts,
                           exc.platform, exc.code, delay)
        except (requests.ConnectionError, requests.Timeout) as exc:
            if attempt == attempts:
                raise PlatformError("network", type(exc).__name__, "no answer from the platform",
                                    retryable=True) from None
            delay = base_delay * 2 ** (attempt - 1)
            logger.warning("%s failed (attempt %d/%d, %s); retrying in %.1f s", what, attempt, attempts,
                           type(exc).__name__, delay)
        sleep(min(delay, max_delay))
    raise AssertionError("unreachable")


_SECRETS_IN_TEXT = [
    (re.compile(r"/bot\d+:[A-Za-z0-9_-]+"), "/bot<token>"),
    (re.compile(r"(access_token=)[^&\s\"']+"), r"\1<token>"),
    (re.compile(r"(\"?(?:access_token|refresh_token|secret_key)\"?\s*[:=]\s*\"?)[^\"&\s,}]+"), r"\1<token>"),
]


def scrub(text: Any) -> str:
    """The text with tokens masked, for log lines and errors shown to operators."""
    out = str(text)
    for pattern, replacement in _SECRETS_IN_TEXT:
        out = pattern.sub(replacement, out)
    return out


# --- delivery results --------------------------------------------------------------------------------


@dataclass
class DeliveryReporter:
    """Tells the backend what the platform said about a delivery (POST /api/deliveries/{id}/result)."""

    # The same defaults as the action server (actions/backend_api.py): the development backend.
    backend_url: Optional[str] = field(default_factory=lambda: env_or_none("BACKEND_URL") or "http://127.0.0.1:8000")
    bot_token: Optional[str] = field(default_factory=lambda: env_or_none("BACKEND_BOT_TOKEN") or "dev-bot-token")
    timeout_s: float = 10.0

    def report(self, delivery_id: Any, delivered: bool, error: str = "") -> bool:
        if not delivery_id or not self.backend_url:
            return False
        body = {"delivered": delivered}
        if error:
            body["error"] = scrub(error)[:250]
        request = urllib.request.Request(
            f"{self.backend_url.rstrip('/')}/api/deliveries/{int(delivery_id)}/result",
            data=json.dumps(body, ensure_ascii=False).encode(), method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.bot_token or ''}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout_s) as response:
                response.read()
            return True
        except (urllib.error.URLError, OSError, ValueError) as exc:
            logger.warning("delivery %s result not reported to the backend: %s", delivery_id, type(exc).__name__)
            return False

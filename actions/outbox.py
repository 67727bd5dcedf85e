"""A durable outbox for what the bot must get to the backend: tickets and citizens' messages.

When the backend is down the citizen is told their request is recorded, and it is: a row in a
SQLite file (TICKET_OUTBOX_DB, default var/actions/outbox.db) that survives a restart of the action
server. A background thread retries with backoff; the backend's idempotency key makes a retry
after a lost response harmless (never two tickets). Once a queued ticket exists, the citizen is
sent its code through Rasa (`EXTERNAL_ticket_created`), retried the same way until delivered.

Several action-server processes may share the file: a row is claimed in a write transaction
before it is worked on.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from actions.backend_api import BackendClient, BackendRejected, BackendUnavailable

logger = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parent.parent
TICKET, CITIZEN_MESSAGE = "ticket", "citizen_message"
PENDING, NOTIFY, DONE, FAILED = "pending", "notify", "done", "failed"
MAX_BACKOFF_S = 300
CLAIM_S = 60

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    key TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    sender_id TEXT NOT NULL,
    rasa_channel TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    code TEXT NOT NULL DEFAULT '',
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at REAL NOT NULL,
    last_error TEXT NOT NULL DEFAULT '',
    created_at REAL NOT NULL
)"""


@dataclass
class Item:
    key: str
    kind: str
    payload: dict[str, Any]
    sender_id: str
    rasa_channel: str
    state: str
    code: str
    attempts: int


def backoff_seconds(attempts: int) -> float:
    """2, 4, 8, ... seconds, at most five minutes."""
    return float(min(2 ** max(attempts, 1), MAX_BACKOFF_S))


class Outbox:
    def __init__(self, path: str | Path | None = None):
        self.path = Path(path or os.environ.get("TICKET_OUTBOX_DB") or ROOT / "var" / "actions" / "outbox.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(_SCHEMA)

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30, isolation_level=None)

    def put(self, key: str, kind: str, payload: dict[str, Any], sender_id: str, rasa_channel: str = "",
            error: str = "") -> None:
        """Queue once per key: the same confirmation queued twice stays one row."""
        now = time.time()
        with self._connect() as db:
            db.execute("INSERT OR IGNORE INTO outbox (key, kind, payload, sender_id, rasa_channel, state, attempts,"
                       " next_attempt_at, last_error, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                       (key, kind, json.dumps(payload, ensure_ascii=False), sender_id, rasa_channel, PENDING,
                        now + backoff_seconds(1), error[:200], now))

    def claim_due(self, now: float | None = None, limit: int = 20) -> list[Item]:
        """Rows due for a try, claimed for CLAIM_S seconds so another process skips them."""
        now = time.time() if now is None else now
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute("SELECT key, kind, payload, sender_id, rasa_channel, state, code, attempts FROM outbox"
                              " WHERE state IN (?, ?) AND next_attempt_at <= ? ORDER BY created_at LIMIT ?",
                              (PENDING, NOTIFY, now, limit)).fetchall()
            for row in rows:
                db.execute("UPDATE outbox SET next_attempt_at = ? WHERE key = ?", (now + CLAIM_S, row[0]))
            db.execute("COMMIT")
        except Exception:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()
        return [Item(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7]) for r in rows]

    def _update(self, key: str, **fields: Any) -> None:
        names = ", ".join(f"{name} = ?" for name in fields)
        with self._connect() as db:
            db.execute(f"UPDATE outbox SET {names} WHERE key = ?", (*fields.values(), key))

    def retry_later(self, item: Item, error: str, now: float | None = None) -> None:
        now = time.time() if now is None else now
        attempts = item.attempts + 1
        self._update(item.key, attempts=attempts, next_attempt_at=now + backoff_seconds(attempts),
                     last_error=error[:200])

    def created(self, item: Item, code: str) -> None:
        # The ticket exists; its code still has to reach the citizen.
        self._update(item.key, state=NOTIFY, code=code, next_attempt_at=0.0, last_error="")

    def done(self, item: Item) -> None:
        self._update(item.key, state=DONE, last_error="")

    def failed(self, item: Item, error: str) -> None:
        self._update(item.key, state=FAILED, last_error=error[:200])

    def counts(self) -> dict[str, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state").fetchall())

    def get(self, key: str) -> Item | None:
        with self._connect() as db:
            r = db.execute("SELECT key, kind, payload, sender_id, rasa_channel, state, code, attempts FROM outbox"
                           " WHERE key = ?", (key,)).fetchone()
        return Item(r[0], r[1], json.loads(r[2]), r[3], r[4], r[5], r[6], r[7]) if r else None


Notifier = Callable[[str, str, str], None]  # (sender_id, rasa_channel, ticket code)


def flush_once(outbox: Outbox, client: BackendClient, notify: Notifier, now: float | None = None) -> int:
    """One pass over the due rows; returns how many reached their final state."""
    finished = 0
    for item in outbox.claim_due(now):
        try:
            if item.state == NOTIFY:
                notify(item.sender_id, item.rasa_channel, item.code)
                outbox.done(item)
                finished += 1
            elif item.kind == TICKET:
                ticket = client.create_ticket(item.payload, item.key)
                outbox.created(item, ticket["code"])
                logger.info("queued ticket %s created after %d attempts", ticket["code"], item.attempts)
            elif item.kind == CITIZEN_MESSAGE:
                client.add_citizen_message(item.payload["code"], item.payload["text"], item.payload.get("message_id"))
                outbox.done(item)
                finished += 1
        except BackendRejected as exc:
            # Retrying cannot help (a bug, or a ticket deleted meanwhile): keep it, visible, not lost.
            logger.error("outbox %s %s rejected by the backend: %s", item.kind, item.key, exc.code)
            outbox.failed(item, f"rejected {exc.status} {exc.code}")
        except Exception as exc:  # backend or Rasa down: try again later
            outbox.retry_later(item, type(exc).__name__)
    return finished


_flusher: threading.Thread | None = None
_flusher_lock = threading.Lock()


def start_flusher(outbox: Outbox, client: BackendClient, notify: Notifier, interval_s: float | None = None) -> None:
    """Start the background retry loop once per process."""
    global _flusher
    interval = float(interval_s or os.environ.get("OUTBOX_RETRY_SECONDS") or 3)
    with _flusher_lock:
        if _flusher is not None and _flusher.is_alive():
            return

        def loop() -> None:
            while True:
                try:
                    flush_once(outbox, client, notify)
                except Exception:  # the loop itself must never die
                    logger.exception("outbox flush failed")
                time.sleep(interval)

        _flusher = threading.Thread(target=loop, name="ticket-outbox", daemon=True)
        _flusher.start()


__all__ = ["Outbox", "flush_once", "start_flusher", "backoff_seconds", "BackendUnavailable", "TICKET",
           "CITIZEN_MESSAGE"]

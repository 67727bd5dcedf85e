"""The delivery dispatcher: a thread in the backend process (started and stopped by the app's
lifespan) that sends pending deliveries through Rasa's HTTP API:

    POST {RASA_URL}/conversations/{channel_user_id}/trigger_intent?output_channel={rasa_channel}&token=...
    {"name": "EXTERNAL_ticket_update", "entities": {"ticket_code": ..., "delivery_id": "<id>"}}

The bot's action then reads the delivery (GET /api/deliveries/{id}) and sends its text on the
citizen's channel.

- 2xx, and the bot's action read the delivery meanwhile: sent. 2xx without that read: Rasa ran
  into an error in the action (it still answers 200), so this counts as a failed attempt. 4xx: failed (Rasa refused: a wrong token, an unknown channel...). Connection errors
  and 5xx: retried after a delay that doubles each attempt (DELIVERY_RETRY_BASE_SECONDS, at most
  10 minutes), failed after DELIVERY_MAX_ATTEMPTS.
- The channel's rules are checked again before each attempt (time passes while a delivery waits):
  out of the window it becomes undeliverable, never sent.
- Several backend workers may run a dispatcher each: a worker claims a delivery with one guarded
  UPDATE (still pending, same attempt count, due) that also pushes next_attempt_at a lease ahead;
  only the worker whose UPDATE changed the row sends it. A worker that dies mid-send leaves the
  delivery pending, and it is sent again once the lease is over (at least once, never lost).
- A ticket's deliveries go out in order: one waits while an older one of its ticket is pending.

Nothing personal and no token goes to the logs or to last_error (it is shown to operators).
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from typing import Callable
from urllib.parse import quote, urlencode

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session, aliased, sessionmaker

from backend.app.config import Settings
from backend.app.db import utc_now
from backend.app.models import Delivery
from backend.app.services.delivery_rules import decide

log = logging.getLogger("backend.deliveries")

TRIGGER_INTENT = "EXTERNAL_ticket_update"
HTTP_TIMEOUT_S = 30.0
LEASE = timedelta(seconds=HTTP_TIMEOUT_S * 2)
MAX_RETRY_DELAY_S = 600.0
BATCH = 20


def retry_delay(attempts: int, base_seconds: float) -> timedelta:
    """After the `attempts`-th failed attempt: base, 2 base, 4 base, ... at most 10 minutes."""
    return timedelta(seconds=min(base_seconds * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY_S))


class SendOutcome:
    SENT, RETRY, FAILED = "sent", "retry", "failed"


def conversation_path(channel_user_id: str) -> str:
    """The conversation id as a URL path segment. Rasa's Sanic does not percent-decode path
    parameters, so "zalo:123" must travel with its colon (allowed in a path segment): "zalo%3A123"
    would be another, empty conversation. Characters a segment cannot hold are still escaped."""
    return quote(channel_user_id, safe=":@")


def trigger_intent(settings: Settings, channel_user_id: str, rasa_channel: str, ticket_code: str,
                   delivery_id: int) -> tuple[str, str]:
    """One call to Rasa: (outcome, error for operators)."""
    url = (f"{settings.rasa_url}/conversations/{conversation_path(channel_user_id)}/trigger_intent?"
           + urlencode({"output_channel": rasa_channel, "token": settings.rasa_api_token}))
    body = json.dumps({"name": TRIGGER_INTENT,
                       "entities": {"ticket_code": ticket_code, "delivery_id": str(delivery_id)}}).encode()
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_S) as response:
            response.read()
            return SendOutcome.SENT, ""
    except urllib.error.HTTPError as e:
        e.close()
        if 400 <= e.code < 500:
            return SendOutcome.FAILED, f"Máy chủ trợ lý ảo (Rasa) từ chối yêu cầu gửi tin (HTTP {e.code})."
        return SendOutcome.RETRY, f"Máy chủ trợ lý ảo (Rasa) báo lỗi (HTTP {e.code})."
    except (urllib.error.URLError, OSError) as e:  # refused, timeout, DNS...
        reason = getattr(e, "reason", e)
        return SendOutcome.RETRY, f"Không kết nối được máy chủ trợ lý ảo (Rasa): {type(reason).__name__}."
    except (http.client.HTTPException, ValueError) as e:  # a broken answer, a bad RASA_URL
        return SendOutcome.RETRY, f"Máy chủ trợ lý ảo (Rasa) trả lời không hợp lệ: {type(e).__name__}."


def record_result(session: Session, delivery: Delivery, delivered: bool, error: str | None,
                  now: datetime | None = None) -> None:
    """The bot's action reports what the channel said (POST /api/deliveries/{id}/result)."""
    now = now or utc_now()
    if delivered:
        if delivery.status in ("pending", "failed"):
            delivery.status, delivery.sent_at, delivery.last_error = "sent", now, None
    elif delivery.status in ("pending", "sent"):
        delivery.status = "failed"
        delivery.next_attempt_at = None
        delivery.last_error = ("Kênh của công dân không nhận tin: " + error.strip()[:250]) if error else \
            "Kênh của công dân không nhận tin."
    session.commit()
    log.info("delivery result id=%s delivered=%s status=%s", delivery.id, delivered, delivery.status)


class DeliveryDispatcher:
    def __init__(self, session_factory: sessionmaker[Session], settings: Settings,
                 clock: Callable[[], datetime] = utc_now,
                 send: Callable[..., tuple[str, str]] = trigger_intent):
        self.session_factory, self.settings, self.clock, self.send = session_factory, settings, clock, send
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # --- one pass ---------------------------------------------------------------------------------

    def due_ids(self, session: Session, now: datetime) -> list[int]:
        earlier = aliased(Delivery)
        older_pending = exists().where(earlier.ticket_id == Delivery.ticket_id, earlier.status == "pending",
                                       earlier.id < Delivery.id)
        return list(session.scalars(
            select(Delivery.id).where(Delivery.status == "pending", Delivery.next_attempt_at <= now, ~older_pending)
            .order_by(Delivery.id).limit(BATCH)))

    def run_once(self) -> int:
        """Send what is due; returns how many deliveries this pass handled."""
        with self.session_factory() as session:
            ids = self.due_ids(session, self.clock())
        return sum(1 for delivery_id in ids if self.process(delivery_id))

    def _finish(self, session: Session, delivery_id: int, **values) -> None:
        session.execute(update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending")
                        .values(**values))
        session.commit()

    def process(self, delivery_id: int) -> bool:
        """Claim one delivery and send it; False when another worker has it (or it is not due)."""
        settings = self.settings
        with self.session_factory() as session:
            delivery = session.get(Delivery, delivery_id)
            now = self.clock()
            if delivery is None or delivery.status != "pending":
                return False
            attempts = delivery.attempts
            claimed = session.execute(
                update(Delivery).where(Delivery.id == delivery_id, Delivery.status == "pending",
                                       Delivery.attempts == attempts, Delivery.next_attempt_at <= now)
                .values(attempts=attempts + 1, next_attempt_at=now + LEASE, fetched_at=None))
            session.commit()
            if claimed.rowcount != 1:
                return False
            attempts += 1
            ticket = delivery.ticket
            decision = decide(ticket.rasa_channel, delivery.kind, ticket.last_citizen_message_at, now)
            if not decision.allowed:
                self._finish(session, delivery_id, status="undeliverable", next_attempt_at=None,
                             last_error=decision.reason)
                log.info("delivery undeliverable id=%s ticket=%s kind=%s", delivery_id, ticket.code, delivery.kind)
                return True
            self._finish(session, delivery_id, messaging_type=decision.messaging_type, message_tag=decision.tag)
            outcome, error = self.send(settings, ticket.channel_user_id, ticket.rasa_channel, ticket.code,
                                       delivery_id)
            now = self.clock()
            if outcome == SendOutcome.SENT and session.scalar(
                    select(Delivery.fetched_at).where(Delivery.id == delivery_id)) is None:
                outcome, error = SendOutcome.RETRY, ("Rasa đã nhận yêu cầu nhưng trợ lý ảo không đọc nội dung tin "
                                                     "(máy chủ hành động lỗi hoặc không chạy).")
            if outcome == SendOutcome.SENT:
                self._finish(session, delivery_id, status="sent", sent_at=now, next_attempt_at=None, last_error=None)
            elif outcome == SendOutcome.RETRY and attempts < settings.delivery_max_attempts:
                self._finish(session, delivery_id, last_error=error,
                             next_attempt_at=now + retry_delay(attempts, settings.delivery_retry_base_seconds))
            else:
                if outcome == SendOutcome.RETRY:
                    error = f"{error} Đã thử {attempts} lần."
                self._finish(session, delivery_id, status="failed", next_attempt_at=None, last_error=error)
            log.info("delivery attempt id=%s ticket=%s kind=%s attempt=%s outcome=%s", delivery_id, ticket.code,
                     delivery.kind, attempts, outcome)
            return True

    # --- the thread -------------------------------------------------------------------------------

    def _loop(self) -> None:
        while not self._stop.is_set():
            handled = 0
            try:
                handled = self.run_once()
            except Exception as e:  # the database is away, ...: try again next poll
                # The type only: a database error's text may quote parameters (message texts).
                log.warning("delivery dispatcher pass failed: %s", type(e).__name__)
            if handled < BATCH:
                self._stop.wait(self.settings.delivery_poll_seconds)

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="delivery-dispatcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = HTTP_TIMEOUT_S + 5) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

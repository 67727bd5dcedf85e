"""The delivery dispatcher against a small fake Rasa (a real HTTP server in a thread that records
requests and answers with scripted statuses), on SQLite and PostgreSQL."""

from __future__ import annotations

import json
import threading
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app.main import create_app
from backend.app.models import Delivery, Ticket
from backend.app.services.delivery_dispatcher import DeliveryDispatcher, conversation_path, retry_delay
from tests.backend.conftest import BOT_TOKEN, make_settings
from tests.backend.staff import db
from tests.backend.test_handoff_api import CHAT
from tests.backend.test_tickets_api import create
from tests.stack import free_port

RASA_TOKEN = "rasa-secret-token-91c2"


class FakeRasa:
    """Records every request; answers with the next scripted status (200 when the script is empty).
    Before a 2xx it does what the bot's action does: read the delivery from the backend (`client`),
    unless `action_runs` is False (Rasa answers 200 when the action failed)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.client: TestClient | None = None
        self.action_runs = True
        self.fetched: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"null")
                parts = urlsplit(self.path)
                fake.requests.append({"path": parts.path, "query": parse_qs(parts.query), "body": body,
                                      "content_type": self.headers.get("Content-Type")})
                status = fake.statuses.pop(0) if fake.statuses else 200
                if status < 300 and fake.action_runs and fake.client is not None:
                    delivery_id = body["entities"]["delivery_id"]
                    r = fake.client.get(f"/api/deliveries/{delivery_id}", headers={"Authorization": f"Bearer {BOT_TOKEN}"})
                    fake.fetched.append(r.json())
                payload = json.dumps({"tracker": {}, "messages": []} if status < 300 else {"status": "failure"})
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload.encode())

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *_exc):
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self):
        self.now = datetime.now(timezone.utc)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def fake_rasa():
    with FakeRasa() as fake:
        yield fake


@contextmanager
def app_client(database_url, rasa_url, fake: FakeRasa | None = None, **overrides):
    settings = make_settings(database_url, rasa_url=rasa_url, rasa_api_token=RASA_TOKEN,
                             delivery_retry_base_seconds=5.0, **overrides)
    with TestClient(create_app(settings)) as client:
        if fake is not None:
            fake.client = client
        yield client


def reply(client, bot_headers, code, text="Đội chiếu sáng đã sửa xong."):
    assert client.post(f"/api/tickets/{code}/replies", json={"text": text}, headers=bot_headers).status_code == 201


def new_ticket(client, bot_headers, **changes) -> str:
    r = create(client, bot_headers, {**CHAT, **changes})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def rows(client) -> list[Delivery]:
    with db(client) as session:
        return list(session.scalars(select(Delivery).order_by(Delivery.id)))


def dispatcher(client, clock) -> DeliveryDispatcher:
    return DeliveryDispatcher(client.app.state.session_factory, client.app.state.settings, clock=clock)


def test_a_delivery_is_sent_through_rasa_trigger_intent(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        code = new_ticket(client, bot_headers, channel_user_id="web:sender/7f 3a")
        reply(client, bot_headers, code)
        clock = Clock()
        assert dispatcher(client, clock).run_once() == 1
        (request,) = fake_rasa.requests
        assert request["path"] == "/conversations/web:sender%2F7f%203a/trigger_intent"
        assert request["query"] == {"output_channel": ["socketio"], "token": [RASA_TOKEN]}
        (delivery,) = rows(client)
        assert request["body"] == {"name": "EXTERNAL_ticket_update",
                                   "entities": {"ticket_code": code, "delivery_id": str(delivery.id)}}
        assert request["content_type"] == "application/json"
        # What the bot's action read: the text to send and the ticket's status, nothing personal.
        (read,) = fake_rasa.fetched
        assert read["id"] == delivery.id and read["kind"] == "reply" and read["ticket_code"] == code
        assert read["text"].endswith("Đội chiếu sáng đã sửa xong.") and read["ticket"]["code"] == code
        assert delivery.fetched_at is not None
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 1, None)
        assert delivery.sent_at == clock.now and delivery.next_attempt_at is None
        assert dispatcher(client, clock).run_once() == 0 and len(fake_rasa.requests) == 1  # sent once


def test_a_server_error_is_retried_with_backoff(database_url, bot_headers, fake_rasa):
    fake_rasa.statuses = [500]
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        code = new_ticket(client, bot_headers)
        reply(client, bot_headers, code)
        clock = Clock()
        worker = dispatcher(client, clock)
        assert worker.run_once() == 1
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert delivery.last_error == "Máy chủ trợ lý ảo (Rasa) báo lỗi (HTTP 500)."
        assert delivery.next_attempt_at == clock.now + timedelta(seconds=5)
        assert worker.run_once() == 0 and len(fake_rasa.requests) == 1  # not before the delay
        clock.advance(seconds=5)
        assert worker.run_once() == 1
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)
        assert len(fake_rasa.requests) == 2 and fake_rasa.requests[0] == fake_rasa.requests[1]


def test_a_2xx_without_the_action_reading_the_delivery_is_retried(database_url, bot_headers, fake_rasa):
    """Rasa answers 200 when the custom action failed (the action server was down, ...)."""
    fake_rasa.action_runs = False
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        reply(client, bot_headers, new_ticket(client, bot_headers))
        clock = Clock()
        worker = dispatcher(client, clock)
        assert worker.run_once() == 1
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts) == ("pending", 1)
        assert "trợ lý ảo không đọc nội dung tin" in delivery.last_error
        fake_rasa.action_runs = True
        clock.advance(seconds=5)
        assert worker.run_once() == 1
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts, delivery.last_error) == ("sent", 2, None)


def test_the_bot_reports_a_channel_refusal(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        reply(client, bot_headers, new_ticket(client, bot_headers))
        (delivery,) = rows(client)

        def action_sends_and_the_channel_refuses(*args):
            client.get(f"/api/deliveries/{delivery.id}", headers=bot_headers)
            r = client.post(f"/api/deliveries/{delivery.id}/result", json={"delivered": False, "error": "Zalo -230"},
                            headers=bot_headers)
            assert r.status_code == 200
            return "sent", ""

        DeliveryDispatcher(client.app.state.session_factory, client.app.state.settings, clock=Clock(),
                           send=action_sends_and_the_channel_refuses).run_once()
        (delivery,) = rows(client)
        assert delivery.status == "failed" and delivery.last_error == "Kênh của công dân không nhận tin: Zalo -230"


def test_connection_refused_is_retried_then_failed(database_url, bot_headers):
    with app_client(database_url, f"http://127.0.0.1:{free_port()}", delivery_max_attempts=3) as client:
        code = new_ticket(client, bot_headers)
        reply(client, bot_headers, code)
        clock = Clock()
        worker = dispatcher(client, clock)
        for attempt, delay in ((1, 5), (2, 10)):
            assert worker.run_once() == 1
            (delivery,) = rows(client)
            assert (delivery.status, delivery.attempts) == ("pending", attempt)
            assert delivery.last_error.startswith("Không kết nối được máy chủ trợ lý ảo (Rasa)")
            assert delivery.next_attempt_at == clock.now + timedelta(seconds=delay)
            clock.advance(seconds=delay)
        assert worker.run_once() == 1
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
        assert delivery.last_error.endswith("Đã thử 3 lần.") and RASA_TOKEN not in delivery.last_error


def test_a_client_error_fails_at_once(database_url, bot_headers, fake_rasa):
    fake_rasa.statuses = [401]
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        reply(client, bot_headers, new_ticket(client, bot_headers))
        dispatcher(client, Clock()).run_once()
        (delivery,) = rows(client)
        assert (delivery.status, delivery.attempts) == ("failed", 1)
        assert "HTTP 401" in delivery.last_error and RASA_TOKEN not in delivery.last_error


def test_undeliverable_deliveries_are_never_sent(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        late = new_ticket(client, bot_headers, channel="messenger", rasa_channel="facebook")
        zalo = new_ticket(client, bot_headers, channel="zalo", rasa_channel="zalo")
        with db(client) as session:
            ticket = session.scalars(select(Ticket).where(Ticket.code == late)).one()
            ticket.last_citizen_message_at -= timedelta(days=8)
            session.commit()
        reply(client, bot_headers, late)  # out of the window already: undeliverable at once
        reply(client, bot_headers, zalo)  # pending now, out of Zalo's 7 days by the time it is sent
        clock = Clock()
        clock.advance(days=7, minutes=1)
        assert dispatcher(client, clock).run_once() == 1
        assert fake_rasa.requests == []
        first, second = rows(client)
        assert first.status == "undeliverable" and "7 ngày" in first.last_error and first.attempts == 0
        assert second.status == "undeliverable" and "Zalo" in second.last_error
        assert dispatcher(client, clock).run_once() == 0 and fake_rasa.requests == []


def test_messenger_type_is_decided_when_sending(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        reply(client, bot_headers, new_ticket(client, bot_headers, channel="messenger", rasa_channel="facebook"))
        assert rows(client)[0].messaging_type == "RESPONSE"
        clock = Clock()
        clock.advance(hours=30)
        dispatcher(client, clock).run_once()
        (delivery,) = rows(client)
        assert (delivery.status, delivery.messaging_type, delivery.message_tag) == ("sent", "MESSAGE_TAG", "HUMAN_AGENT")
        assert fake_rasa.requests[0]["query"]["output_channel"] == ["facebook"]


def test_a_tickets_deliveries_go_out_in_order(database_url, bot_headers, fake_rasa):
    fake_rasa.statuses = [503]
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        code = new_ticket(client, bot_headers)
        other = new_ticket(client, bot_headers, channel_user_id="another-sender")
        reply(client, bot_headers, code, "Thứ nhất")
        reply(client, bot_headers, code, "Thứ hai")
        reply(client, bot_headers, other, "Phiếu khác")
        clock = Clock()
        worker = dispatcher(client, clock)
        assert worker.run_once() == 2  # the first (503) and the other ticket's; the second waits
        assert [(d.status, d.attempts) for d in rows(client)] == [("pending", 1), ("pending", 0), ("sent", 1)]
        clock.advance(seconds=5)
        assert worker.run_once() == 1  # the first now; the second was still waiting when the pass began
        assert worker.run_once() == 1
        assert [d.status for d in rows(client)] == ["sent", "sent", "sent"]
        ids = [int(r["body"]["entities"]["delivery_id"]) for r in fake_rasa.requests]
        first, second, third = [d.id for d in rows(client)]
        assert ids == [first, third, first, second]


def test_two_workers_never_send_the_same_delivery(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa) as client:
        reply(client, bot_headers, new_ticket(client, bot_headers))
        clock = Clock()
        (delivery,) = rows(client)
        second_worker = dispatcher(client, clock)
        seen = []

        def send_while_another_worker_tries(*args):
            seen.append(second_worker.process(delivery.id))  # the row is claimed: it gives up
            client.get(f"/api/deliveries/{delivery.id}", headers=bot_headers)  # the action reads it
            return "sent", ""

        first_worker = DeliveryDispatcher(client.app.state.session_factory, client.app.state.settings,
                                          clock=clock, send=send_while_another_worker_tries)
        assert first_worker.process(delivery.id) is True
        assert seen == [False] and fake_rasa.requests == []
        assert rows(client)[0].status == "sent" and rows(client)[0].attempts == 1
        # A worker that died mid-send: the delivery is sent again once its lease is over.
        reply(client, bot_headers, new_ticket(client, bot_headers, channel_user_id="x"))
        clock.now = datetime.now(timezone.utc)
        crashed = DeliveryDispatcher(client.app.state.session_factory, client.app.state.settings, clock=clock,
                                     send=lambda *a: (_ for _ in ()).throw(SystemExit()))
        with pytest.raises(SystemExit):
            crashed.run_once()
        assert second_worker.run_once() == 0
        clock.advance(minutes=2)
        assert second_worker.run_once() == 1
        assert [(d.status, d.attempts) for d in rows(client)] == [("sent", 1), ("sent", 2)]


def test_the_app_runs_the_dispatcher(database_url, bot_headers, fake_rasa):
    with app_client(database_url, fake_rasa.url, fake_rasa, deliveries_enabled=True, delivery_poll_seconds=0.05) as client:
        assert client.app.state.delivery_dispatcher is not None
        code = new_ticket(client, bot_headers)
        reply(client, bot_headers, code)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not (rows(client) and rows(client)[0].status == "sent"):
            time.sleep(0.05)
        assert rows(client)[0].status == "sent"
        assert fake_rasa.requests[0]["body"]["entities"]["ticket_code"] == code
    assert client.app.state.delivery_dispatcher._thread is None  # stopped with the app


def test_retry_delays_double_up_to_ten_minutes():
    assert [retry_delay(n, 5).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert retry_delay(30, 5).total_seconds() == 600


def test_conversation_ids_keep_their_colon_in_the_url():
    # Rasa does not percent-decode path parameters: "zalo%3A123" would be another conversation.
    assert conversation_path("zalo:7001234567890123456") == "zalo:7001234567890123456"
    assert conversation_path("facebook:psid-1") == "facebook:psid-1"
    assert conversation_path("a/b c") == "a%2Fb%20c"

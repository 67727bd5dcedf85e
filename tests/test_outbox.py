"""The actions' durable outbox against the real backend (served in a thread on SQLite)."""

import time

import pytest
from fastapi.testclient import TestClient

from actions.backend_api import BackendClient, BackendRejected, BackendUnavailable
from actions.outbox import CITIZEN_MESSAGE, DONE, FAILED, NOTIFY, PENDING, TICKET, Outbox, backoff_seconds, flush_once
from backend.app.main import create_app
from tests.backend.conftest import BOT_TOKEN, make_settings, served_in_thread
from tests.stack import free_port

TICKET_PAYLOAD = {"channel": "web", "kind": "complaint", "summary": "Đèn đường ngõ 5 hỏng",
                  "description": "Đèn đường ngõ 5 Trần Phú hỏng ba hôm nay", "location": "ngõ 5 Trần Phú",
                  "citizen_phone": "0912345678", "channel_user_id": "citizen-outbox"}
LATER = time.time() + 10_000  # past every backoff


@pytest.fixture
def backend(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'backend.db'}"))
    with served_in_thread(app) as url:
        yield url, app


def tickets_in(app) -> list[dict]:
    with TestClient(app) as client:
        page = client.get("/api/tickets", headers={"Authorization": f"Bearer {BOT_TOKEN}"}).json()
    return page["items"]


def test_backoff_grows_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3)] == [2, 4, 8]
    assert backoff_seconds(50) == 300


def test_a_ticket_waits_while_the_backend_is_down_and_is_created_once_when_it_is_back(tmp_path, backend):
    url, app = backend
    box = Outbox(tmp_path / "outbox.db")
    box.put("bot-key-1", TICKET, TICKET_PAYLOAD, "citizen-outbox", "rest", error="ConnectError")
    box.put("bot-key-1", TICKET, TICKET_PAYLOAD, "citizen-outbox", "rest")  # the same confirmation again
    notified = []

    down = BackendClient(f"http://127.0.0.1:{free_port()}", BOT_TOKEN)
    assert flush_once(box, down, lambda *a: notified.append(a), now=LATER) == 0
    item = box.get("bot-key-1")
    assert item.state == PENDING and item.attempts == 2
    assert flush_once(box, down, lambda *a: notified.append(a)) == 0  # not due yet: nothing tried

    # A restart of the action server: a new Outbox on the same file still has the ticket.
    box = Outbox(tmp_path / "outbox.db")
    up = BackendClient(url, BOT_TOKEN)
    # The first try reached the backend but its answer was lost: the retry must not duplicate it.
    first = up.create_ticket(TICKET_PAYLOAD, "bot-key-1")
    flush_once(box, up, lambda *a: (_ for _ in ()).throw(RuntimeError("Rasa down")), now=LATER)
    item = box.get("bot-key-1")
    assert item.state == NOTIFY and item.code == first["code"]  # created; the citizen not told yet

    flush_once(box, up, lambda *a: notified.append(a), now=LATER)
    assert box.get("bot-key-1").state == DONE
    assert notified == [("citizen-outbox", "rest", first["code"])]
    assert len(tickets_in(app)) == 1


def test_citizen_messages_wait_too_and_rejections_are_kept_visible(tmp_path, backend):
    url, app = backend
    up = BackendClient(url, BOT_TOKEN)
    ticket = up.create_ticket(TICKET_PAYLOAD, "bot-key-2")
    box = Outbox(tmp_path / "outbox.db")
    box.put("msg-1", CITIZEN_MESSAGE, {"code": ticket["code"], "text": "đèn vẫn chưa sửa", "message_id": "m-1"},
            "citizen-outbox")
    box.put("bad", TICKET, {**TICKET_PAYLOAD, "kind": "gossip"}, "citizen-outbox")
    flush_once(box, up, lambda *a: None, now=LATER)
    assert box.get("msg-1").state == DONE
    assert box.get("bad").state == FAILED
    assert box.counts() == {DONE: 1, FAILED: 1}


def test_client_tells_down_from_rejected(backend):
    url, _app = backend
    with pytest.raises(BackendUnavailable):
        BackendClient(f"http://127.0.0.1:{free_port()}", BOT_TOKEN).create_ticket(TICKET_PAYLOAD, "k")
    with pytest.raises(BackendRejected) as rejected:
        BackendClient(url, "wrong-token").create_ticket(TICKET_PAYLOAD, "k")
    assert rejected.value.status == 401
    with pytest.raises(BackendRejected) as missing:
        BackendClient(url, BOT_TOKEN).citizen_status("PA-2612-000001", sender_id="x")
    assert missing.value.status == 404

"""Hand-off API for the bot (issue 5), on SQLite and PostgreSQL: tickets created with a Rasa
channel and hand-off, citizen messages, the citizen's status look-up, deliveries created by replies,
status changes, closing and hand-back (and not for tickets without a chat conversation)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app.main import create_app
from backend.app.models import Delivery, Ticket, TicketEvent, TicketMessage
from tests.backend.conftest import make_settings
from tests.backend.staff import add_agency, db
from tests.backend.test_tickets_api import COMPLAINT, create

CHAT = {**COMPLAINT, "channel": "web", "channel_user_id": "sender-7f3a", "rasa_channel": "socketio",
        "handoff": True}


def chat_ticket(client, bot_headers, **changes) -> str:
    r = create(client, bot_headers, {**CHAT, **changes})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def deliveries(client, code) -> list[Delivery]:
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        return list(session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id).order_by(Delivery.id)))


def ticket_row(client, code) -> Ticket:
    with db(client) as session:
        return session.scalars(select(Ticket).where(Ticket.code == code)).one()


def test_bot_creates_a_ticket_with_hand_off(client, bot_headers):
    before = datetime.now(timezone.utc)
    r = create(client, bot_headers, CHAT)
    assert r.status_code == 201
    body = r.json()
    assert body["rasa_channel"] == "socketio" and body["handoff_active"] is True
    ticket = ticket_row(client, body["code"])
    assert ticket.handoff_active and ticket.rasa_channel == "socketio"
    assert ticket.last_citizen_message_at >= before
    # Both fields are optional: an older bot's ticket has neither.
    plain = create(client, bot_headers, COMPLAINT).json()
    assert plain["rasa_channel"] == "" and plain["handoff_active"] is False
    for bad in ({"rasa_channel": "x y"}, {"rasa_channel": "x" * 65}, {"handoff": "maybe"}):
        assert create(client, bot_headers, {**CHAT, **bad}).status_code == 422


def test_staff_cannot_set_hand_off(client):
    from backend.app.schemas.tickets import TicketCreate
    from backend.app.services import tickets as ticket_service

    with db(client) as session:
        ticket, _ = ticket_service.create_ticket(
            session, TicketCreate(**CHAT), calendar=client.app.state.working_calendar,
            due_working_days=client.app.state.settings.due_working_days, actor="tongdai.lan", from_bot=False)
        assert ticket.handoff_active is False and ticket.last_citizen_message_at is None


def test_citizen_messages(client, bot_headers):
    code = chat_ticket(client, bot_headers)
    first_seen = ticket_row(client, code).last_citizen_message_at
    url = f"/api/tickets/{code}/citizen-messages"
    r = client.post(url, json={"text": "  Đèn vẫn chưa sáng ạ  ", "message_id": "mid.1"}, headers=bot_headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["kind"] == "citizen" and body["author"] == "citizen" and body["text"] == "Đèn vẫn chưa sáng ạ"
    assert body["message_id"] == "mid.1" and isinstance(body["id"], int)
    # The same message id again (the bot retried): stored once, the first one returned.
    again = client.post(url, json={"text": "other text", "message_id": "mid.1"}, headers=bot_headers)
    assert again.status_code == 200 and again.json() == body
    # Without a message id every message is stored; a loosely typed code works.
    loose = code.lower().replace("-", " ")
    assert client.post(f"/api/tickets/{loose}/citizen-messages", json={"text": "Alo"},
                       headers=bot_headers).status_code == 201
    assert client.post(url, json={"text": "Alo", "message_id": None}, headers=bot_headers).status_code == 201
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        texts = [(m.kind, m.text) for m in ticket.messages]
        assert texts == [("citizen", "Đèn vẫn chưa sáng ạ"), ("citizen", "Alo"), ("citizen", "Alo")]
        assert ticket.last_citizen_message_at > first_seen
        assert [(e.actor, e.action) for e in ticket.events][-3:] == [("citizen", "citizen_message")] * 3
    # Staff read them with the other messages; they are never a public reply.
    listed = client.get(f"/api/tickets/{code}/messages", headers=bot_headers).json()
    assert [m["kind"] for m in listed] == ["citizen"] * 3
    assert client.get(f"/api/tickets/{code}", headers=bot_headers).json()["latest_reply"] is None


def test_citizen_message_errors(client, bot_headers):
    code = chat_ticket(client, bot_headers)
    url = f"/api/tickets/{code}/citizen-messages"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = client.post(url, json={"text": "Alo"}, headers=headers)
        assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    r = client.post("/api/tickets/PA-2612-000000/citizen-messages", json={"text": "Alo"}, headers=bot_headers)
    assert r.status_code == 404 and r.json()["error"] == "ticket_not_found"
    for bad, field in (({"text": "   "}, "text"), ({"text": "x" * 4001}, "text"), ({}, "text"),
                       ({"text": "Alo", "message_id": ""}, "message_id"),
                       ({"text": "Alo", "message_id": "m" * 201}, "message_id"),
                       ({"text": "Alo", "sender": "x"}, "sender")):
        r = client.post(url, json=bad, headers=bot_headers)
        assert r.status_code == 422 and r.json()["error"] == "validation_error", bad
        assert field in [e["field"] for e in r.json()["errors"]]
    assert client.post(url, json={"text": "x" * 4000}, headers=bot_headers).status_code == 201


def test_citizen_status(client, bot_headers):
    code = chat_ticket(client, bot_headers)  # phone +84 912 345 678
    client.post(f"/api/tickets/{code}/replies", json={"text": "Đã chuyển đội chiếu sáng."}, headers=bot_headers)
    url = f"/api/tickets/{code}/citizen-status"
    for params in ({"sender_id": "sender-7f3a"}, {"phone_last4": "5678"},
                   {"sender_id": "someone-else", "phone_last4": "5678"}):
        r = client.get(url, params=params, headers=bot_headers)
        assert r.status_code == 200, params
        body = r.json()
        assert body["code"] == code and body["status"] == "received" and body["status_label"] == "Đã tiếp nhận"
        assert body["overdue"] is False and body["agency"] is None and body["due_at"]
        assert body["latest_reply"]["text"] == "Đã chuyển đội chiếu sáng."
        for personal in ("citizen_phone", "citizen_name", "description", "location", "transcript", "summary"):
            assert personal not in body
        assert "0912" not in r.text and "Nguyễn" not in r.text
    denied = [client.get(url, params=params, headers=bot_headers)
              for params in ({}, {"sender_id": "someone-else"}, {"phone_last4": "1234"},
                             {"sender_id": "", "phone_last4": "0000"})]
    assert {r.status_code for r in denied} == {403}
    assert len({r.text for r in denied}) == 1  # the same body, whatever was wrong
    assert denied[0].json()["error"] == "verification_required" and "4 số cuối" in denied[0].json()["message"]
    r = client.get("/api/tickets/PA-2612-000000/citizen-status", params={"phone_last4": "5678"}, headers=bot_headers)
    assert r.status_code == 404 and r.json()["error"] == "ticket_not_found"
    assert client.get(url, params={"phone_last4": "56a8"}, headers=bot_headers).status_code == 422
    assert client.get(url, params={"sender_id": "sender-7f3a"}).status_code == 401


def test_citizen_status_without_a_phone_needs_the_conversation(client, bot_headers):
    code = chat_ticket(client, bot_headers, citizen_phone=None)
    url = f"/api/tickets/{code}/citizen-status"
    assert client.get(url, params={"phone_last4": "5678"}, headers=bot_headers).status_code == 403
    assert client.get(url, params={"sender_id": "sender-7f3a"}, headers=bot_headers).status_code == 200


def test_citizen_status_digits_are_rate_limited_per_ticket(database_url, bot_headers):
    with TestClient(create_app(make_settings(database_url, public_lookup_rate_limit=3))) as client:
        code = chat_ticket(client, bot_headers)
        other = chat_ticket(client, bot_headers)
        url = f"/api/tickets/{code}/citizen-status"
        statuses = [client.get(url, params={"phone_last4": digits}, headers=bot_headers).status_code
                    for digits in ("1111", "2222", "5678", "5678")]
        assert statuses == [403, 403, 200, 429]
        r = client.get(url, params={"phone_last4": "5678"}, headers=bot_headers)
        assert r.status_code == 429 and r.json()["error"] == "too_many_requests" and r.headers["retry-after"]
        # The conversation itself is not limited, nor are other tickets.
        assert client.get(url, params={"sender_id": "sender-7f3a"}, headers=bot_headers).status_code == 200
        assert client.get(f"/api/tickets/{other}/citizen-status", params={"phone_last4": "5678"},
                          headers=bot_headers).status_code == 200


def test_my_tickets_for_one_conversation(client, bot_headers):
    first = chat_ticket(client, bot_headers)
    create(client, bot_headers, {**CHAT, "channel_user_id": "someone-else"})
    second = chat_ticket(client, bot_headers, kind="question", summary="Hỏi thủ tục khai sinh")
    r = client.get("/api/tickets", params={"channel_user_id": "sender-7f3a"}, headers=bot_headers)
    assert r.status_code == 200
    assert r.json()["total"] == 2 and [t["code"] for t in r.json()["items"]] == [second, first]


def test_satisfaction_from_the_bot_after_closing(client, bot_headers):
    code = chat_ticket(client, bot_headers)
    url = f"/api/tickets/{code}/satisfaction"
    assert client.post(url, json={"rating": 5}, headers=bot_headers).status_code == 409
    assert client.post(f"/api/tickets/{code}/status", json={"status": "closed"}, headers=bot_headers).status_code == 200
    for bad in (0, 6):
        assert client.post(url, json={"rating": bad}, headers=bot_headers).status_code == 422
    r = client.post(url, json={"rating": 4}, headers=bot_headers)
    assert r.status_code == 200 and ticket_row(client, code).satisfaction == 4


def test_deliveries_follow_replies_status_changes_closing_and_hand_back(client, bot_headers):
    add_agency(client, bot_headers, "SXD", "Sở Xây dựng")
    code = chat_ticket(client, bot_headers)
    post = lambda path, body=None: client.post(f"/api/tickets/{code}/{path}", json=body, headers=bot_headers)  # noqa: E731
    assert post("assign", {"agency_code": "SXD"}).status_code == 200
    assert post("status", {"status": "in_progress"}).status_code == 200
    assert post("notes", {"text": "Nội bộ: gọi đội chiếu sáng."}).status_code == 201  # never to the citizen
    assert post("replies", {"text": "Đội chiếu sáng sẽ sửa trong hôm nay."}).status_code == 201
    assert post("status", {"status": "answered"}).status_code == 200
    assert post("handback").status_code == 200
    r = post("handback")
    assert r.status_code == 409 and r.json()["error"] == "handoff_not_active"
    assert post("status", {"status": "closed"}).status_code == 200
    rows = deliveries(client, code)
    assert [(d.kind, d.status) for d in rows] == [("status", "pending"), ("status", "pending"), ("reply", "pending"),
                                                  ("status", "pending"), ("handback", "pending"),
                                                  ("closed", "pending")]
    texts = [d.text for d in rows]
    assert texts[0] == (f"Phiếu {code} của Anh/Chị đã chuyển sang trạng thái: Đã chuyển cơ quan xử lý "
                        "(Sở Xây dựng).")
    assert texts[1] == f"Phiếu {code} của Anh/Chị đã chuyển sang trạng thái: Đang xử lý."
    assert texts[2].endswith("Đội chiếu sáng sẽ sửa trong hôm nay.") and code in texts[2]
    assert texts[3] == f"Phiếu {code} của Anh/Chị đã chuyển sang trạng thái: Đã trả lời."
    assert texts[4] == f"Tổng đài viên đã hoàn tất hỗ trợ Anh/Chị về phiếu {code}." and "đã được đóng" in texts[5]
    assert all(d.attempts == 0 and d.next_attempt_at is not None and d.messaging_type is None for d in rows)
    ticket = ticket_row(client, code)
    assert ticket.handoff_active is False
    view = client.get(f"/api/tickets/{code}", headers=bot_headers).json()
    assert view["handoff_active"] is False


def test_closing_ends_the_hand_off(client, bot_headers):
    code = chat_ticket(client, bot_headers)
    client.post(f"/api/tickets/{code}/status", json={"status": "closed", "actor": "tongdai.lan"}, headers=bot_headers)
    assert ticket_row(client, code).handoff_active is False
    assert [d.kind for d in deliveries(client, code)] == ["closed"]
    with db(client) as session:
        events = session.scalars(select(TicketEvent).join(Ticket).where(Ticket.code == code)).all()
        assert ("tongdai.lan", "handback", "true", "false") in [(e.actor, e.action, e.old_value, e.new_value)
                                                               for e in events]


@pytest.mark.parametrize("changes", [
    {"channel": "phone", "channel_user_id": "", "rasa_channel": ""},
    {"channel": "phone"},  # a phone ticket never gets a delivery, whatever else it has
    {"rasa_channel": ""},  # an older bot: no channel to answer on
    {"channel_user_id": ""},
])
def test_no_deliveries_without_a_chat_conversation(client, bot_headers, changes):
    code = chat_ticket(client, bot_headers, **changes)
    client.post(f"/api/tickets/{code}/replies", json={"text": "Đã xử lý."}, headers=bot_headers)
    client.post(f"/api/tickets/{code}/status", json={"status": "closed"}, headers=bot_headers)
    assert deliveries(client, code) == []


def test_out_of_the_window_is_undeliverable_with_the_reason(client, bot_headers):
    code = chat_ticket(client, bot_headers, channel="messenger", rasa_channel="facebook")
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.last_citizen_message_at = datetime.now(timezone.utc) - timedelta(days=2)
        session.commit()
    client.post(f"/api/tickets/{code}/replies", json={"text": "Đã xử lý."}, headers=bot_headers)
    client.post(f"/api/tickets/{code}/status", json={"status": "closed"}, headers=bot_headers)
    reply, closed = deliveries(client, code)
    assert (reply.status, reply.messaging_type, reply.message_tag) == ("pending", "MESSAGE_TAG", "HUMAN_AGENT")
    assert closed.status == "undeliverable" and "24 giờ" in closed.last_error and closed.next_attempt_at is None
    # A new message from the citizen opens the window again for what comes next.
    client.post(f"/api/tickets/{code}/citizen-messages", json={"text": "Cảm ơn"}, headers=bot_headers)
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert datetime.now(timezone.utc) - ticket.last_citizen_message_at < timedelta(minutes=1)


def test_delivery_endpoints(client, bot_headers):
    code = chat_ticket(client, bot_headers)
    client.post(f"/api/tickets/{code}/replies", json={"text": "Đã xử lý xong."}, headers=bot_headers)
    (delivery,) = deliveries(client, code)
    r = client.get(f"/api/deliveries/{delivery.id}", headers=bot_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == delivery.id and body["kind"] == "reply" and body["status"] == "pending"
    assert body["text"] == delivery.text and body["ticket_code"] == code and body["rasa_channel"] == "socketio"
    assert body["ticket"]["code"] == code and body["ticket"]["latest_reply"]["text"] == "Đã xử lý xong."
    assert body["messaging_type"] is None and body["message_tag"] is None and body["attempts"] == 0
    assert "citizen_phone" not in body["ticket"] and "0912" not in r.text
    assert client.get(f"/api/deliveries/{delivery.id}").status_code == 401
    for missing in ("999999", "0", "-1", "99999999999999999999"):
        r = client.get(f"/api/deliveries/{missing}", headers=bot_headers)
        assert r.status_code in (404, 422), missing
    assert client.get("/api/deliveries/999999", headers=bot_headers).json()["error"] == "delivery_not_found"
    assert client.get("/api/deliveries/abc", headers=bot_headers).status_code == 422
    # The bot's action reports what the channel said.
    url = f"/api/deliveries/{delivery.id}/result"
    assert client.post(url, json={"delivered": False}).status_code == 401
    assert client.post(url, json={"delivered": "perhaps"}, headers=bot_headers).status_code == 422
    r = client.post(url, json={"delivered": False, "error": "zalo -230"}, headers=bot_headers)
    assert r.status_code == 200 and r.json()["status"] == "failed" and "zalo -230" in r.json()["last_error"]
    r = client.post(url, json={"delivered": True}, headers=bot_headers)
    assert r.json()["status"] == "sent" and r.json()["sent_at"] and r.json()["last_error"] is None

"""The inbox side of the hand-off, on SQLite and PostgreSQL: the citizen's messages on the ticket
page (and the JSON the page polls), deliveries that did not reach the citizen (ticket page, queue
badge and filter), the "Trả lại cho trợ lý ảo" button."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from backend.app.models import Delivery, Ticket
from tests.backend.staff import add_agency, add_user, db, staff_client
from tests.backend.test_handoff_api import CHAT
from tests.backend.test_tickets_api import create


@pytest.fixture
def operator(client, bot_headers):
    add_agency(client, bot_headers, "SXD", "Sở Xây dựng")
    add_user(client, "tongdai.lan", "operator", display_name="Nguyễn Thị Lan")
    return staff_client(client, "tongdai.lan")


def chat_ticket(client, bot_headers, **changes) -> str:
    r = create(client, bot_headers, {**CHAT, **changes})
    assert r.status_code == 201, r.text
    return r.json()["code"]


def say(client, bot_headers, code, text, message_id=None):
    r = client.post(f"/api/tickets/{code}/citizen-messages", json={"text": text, "message_id": message_id},
                    headers=bot_headers)
    assert r.status_code == 201, r.text
    return r.json()["id"]


def test_citizen_messages_on_the_ticket_page_and_live(client, bot_headers, operator):
    browser, _csrf = operator
    code = chat_ticket(client, bot_headers)
    first = say(client, bot_headers, code, "Đèn vẫn tắt <script>alert(1)</script>")
    page = browser.get(f"/inbox/tickets/{code}")
    assert page.status_code == 200
    assert "Tin nhắn của công dân" in page.text and 'id="citizen-messages"' in page.text
    assert "Đèn vẫn tắt &lt;script&gt;alert(1)&lt;/script&gt;" in page.text and "<script>alert" not in page.text
    assert f'data-after="{first}"' in page.text
    assert f'data-poll-url="/inbox/tickets/{code}/citizen-messages"' in page.text
    assert '<script src="/inbox/static/ticket_live.js" defer></script>' in page.text
    assert "Ghi chú nội bộ</strong> (công dân" not in page.text  # not shown as a note
    assert "Công dân nhắn tin" in page.text  # history
    assert "Tổng đài viên đang phụ trách" in page.text
    # What the page polls: only newer messages, as JSON, for logged-in staff.
    second = say(client, bot_headers, code, "Anh/Chị ơi, có ai không?")
    r = browser.get(f"/inbox/tickets/{code}/citizen-messages", params={"after": first})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    assert r.headers["cache-control"] == "no-store"
    body = r.json()
    assert [m["id"] for m in body["messages"]] == [second] and body["messages"][0]["text"] == "Anh/Chị ơi, có ai không?"
    assert body["handoff_active"] is True and body["messages"][0]["at"]
    assert [m["id"] for m in browser.get(f"/inbox/tickets/{code}/citizen-messages").json()["messages"]] == [first, second]
    assert browser.get(f"/inbox/tickets/{code}/citizen-messages", params={"after": "x"}).status_code == 200
    assert browser.get("/inbox/tickets/PA-2612-000000/citizen-messages").status_code == 404
    logged_out = client.get(f"/inbox/tickets/{code}/citizen-messages", follow_redirects=False)
    assert logged_out.status_code == 303 and logged_out.headers["location"] == "/inbox/login"
    script = browser.get("/inbox/static/ticket_live.js")
    assert script.status_code == 200 and script.headers["content-type"].startswith("text/javascript")
    assert "textContent" in script.text and "innerHTML" not in script.text


def test_phone_tickets_have_no_conversation_section(client, bot_headers, operator):
    browser, _csrf = operator
    code = chat_ticket(client, bot_headers, channel="phone", channel_user_id="", rasa_channel="", handoff=False)
    page = browser.get(f"/inbox/tickets/{code}").text
    assert "Tin nhắn của công dân" not in page and "Trả lại cho trợ lý ảo" not in page
    assert "Tin gửi tới công dân" not in page


def test_hand_back_button(client, bot_headers, operator):
    browser, csrf = operator
    code = chat_ticket(client, bot_headers)
    page = browser.get(f"/inbox/tickets/{code}").text
    assert f'action="/inbox/tickets/{code}/handback"' in page and "Trả lại cho trợ lý ảo</button>" in page
    assert browser.post(f"/inbox/tickets/{code}/handback", data={}).status_code == 403  # no CSRF token
    r = browser.post(f"/inbox/tickets/{code}/handback", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/tickets/{code}?done=handback"
    page = browser.get(r.headers["location"]).text
    assert "Đã trả cuộc trò chuyện cho trợ lý ảo" in page and "Trợ lý ảo đang phụ trách cuộc trò chuyện." in page
    assert "Trả lại cho trợ lý ảo</button>" not in page
    assert "Tin gửi tới công dân" in page and "Đang chờ gửi" in page
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert ticket.handoff_active is False
        assert [(d.kind, d.status) for d in ticket.deliveries] == [("handback", "pending")]
        assert ("tongdai.lan", "handback") in [(e.actor, e.action) for e in ticket.events]
    again = browser.post(f"/inbox/tickets/{code}/handback", data={"csrf_token": csrf})
    assert again.status_code == 409 and "Trợ lý ảo đang phụ trách cuộc trò chuyện này." in again.text


def test_reply_and_mark_answered_sends_one_message(client, bot_headers, operator):
    browser, csrf = operator
    code = chat_ticket(client, bot_headers)
    r = browser.post(f"/inbox/tickets/{code}/reply", data={"csrf_token": csrf, "text": "Đã sửa xong đèn.",
                                                             "mark_answered": "1"}, follow_redirects=False)
    assert r.status_code == 303
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert ticket.status == "answered"
        assert [d.kind for d in ticket.deliveries] == ["reply"]
    browser.post(f"/inbox/tickets/{code}/status", data={"csrf_token": csrf, "status": "closed"})
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert [d.kind for d in ticket.deliveries] == ["reply", "closed"] and not ticket.handoff_active


def test_undeliverable_messages_are_shown_to_operators(client, bot_headers, operator):
    browser, csrf = operator
    late = chat_ticket(client, bot_headers, channel="messenger", rasa_channel="facebook")
    fine = chat_ticket(client, bot_headers)
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == late)).one()
        ticket.last_citizen_message_at -= timedelta(days=10)
        session.commit()
    for code in (late, fine):
        browser.post(f"/inbox/tickets/{code}/reply", data={"csrf_token": csrf, "text": "Đã xử lý."})
    page = browser.get(f"/inbox/tickets/{late}").text
    assert "Có 1 tin không gửi được tới công dân" in page
    assert "Không gửi được" in page and "đã quá 7 ngày" in page and "delivery-status-undeliverable" in page
    assert "Có 1 tin không gửi được" not in browser.get(f"/inbox/tickets/{fine}").text
    # Failed ones too (Rasa refused, or too many attempts).
    with db(client) as session:
        delivery = session.scalars(select(Delivery).join(Ticket).where(Ticket.code == fine)).one()
        delivery.status, delivery.last_error = "failed", "Máy chủ trợ lý ảo (Rasa) báo lỗi (HTTP 500). Đã thử 8 lần."
        session.commit()
    page = browser.get(f"/inbox/tickets/{fine}").text
    assert "Gửi thất bại" in page and "Đã thử 8 lần." in page
    # The queue: a badge, and a filter.
    queue = browser.get("/inbox").text
    assert queue.count("Tin chưa tới công dân") == 2
    other = chat_ticket(client, bot_headers, rasa_channel="telegram")
    filtered = browser.get("/inbox", params={"undelivered": "1"}).text
    assert late in filtered and fine in filtered and f"/inbox/tickets/{other}" not in filtered
    assert "(2 phiếu)" in filtered and 'name="undelivered" value="1" checked' in filtered
    r = browser.post("/inbox", data={"csrf_token": csrf, "undelivered": "1", "q": "Đèn đường"})
    assert "(2 phiếu)" in r.text


def test_operators_send_again_what_did_not_reach_the_citizen(client, bot_headers, operator):
    browser, csrf = operator
    code = chat_ticket(client, bot_headers, channel="messenger", rasa_channel="facebook")
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        ticket.last_citizen_message_at -= timedelta(days=10)
        session.commit()
    browser.post(f"/inbox/tickets/{code}/reply", data={"csrf_token": csrf, "text": "Đã xử lý."})
    with db(client) as session:
        (delivery,) = session.scalars(select(Delivery)).all()
    page = browser.get(f"/inbox/tickets/{code}").text
    assert f'name="delivery_id" value="{delivery.id}"' in page and "Gửi lại</button>" in page
    # Still out of Messenger's window: refused, with the reason.
    r = browser.post(f"/inbox/tickets/{code}/resend", data={"csrf_token": csrf, "delivery_id": str(delivery.id)})
    assert r.status_code == 409 and "Chưa thể gửi lại" in r.text and "7 ngày" in r.text
    assert browser.post(f"/inbox/tickets/{code}/resend", data={"csrf_token": csrf, "delivery_id": "0"}).status_code == 404
    # The citizen writes again: the reply can go out now.
    client.post(f"/api/tickets/{code}/citizen-messages", json={"text": "Alo"}, headers=bot_headers)
    r = browser.post(f"/inbox/tickets/{code}/resend", data={"csrf_token": csrf, "delivery_id": str(delivery.id)},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("?done=resend")
    with db(client) as session:
        again = session.get(Delivery, delivery.id)
        assert (again.status, again.attempts, again.last_error, again.messaging_type) == ("pending", 0, None, "RESPONSE")
    page = browser.get(r.headers["location"]).text
    assert "Đã đưa tin vào hàng đợi để gửi lại" in page and "Gửi lại</button>" not in page
    r = browser.post(f"/inbox/tickets/{code}/resend", data={"csrf_token": csrf, "delivery_id": str(delivery.id)})
    assert r.status_code == 409 and "không ở trạng thái cần gửi lại" in r.text

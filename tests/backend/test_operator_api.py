"""Operator endpoints (bot token for now): agencies, assign, status, replies, notes, history, list."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from backend.app.models import Ticket
from tests.backend.test_tickets_api import COMPLAINT, create


@pytest.fixture
def agency(client, bot_headers):
    r = client.post("/api/agencies", json={"code": "SXD", "name": "Sở Xây dựng", "fields": ["Giao thông"]},
                    headers=bot_headers)
    assert r.status_code == 201 and r.json() == {"code": "SXD", "name": "Sở Xây dựng", "fields": ["Giao thông"]}
    return r.json()


def test_agencies(client, bot_headers, agency):
    r = client.post("/api/agencies", json={"code": "SXD", "name": "Khác"}, headers=bot_headers)
    assert r.status_code == 409 and r.json()["error"] == "agency_exists"
    assert client.get("/api/agencies", headers=bot_headers).json() == [agency]
    assert client.get("/api/agencies").status_code == 401
    assert client.post("/api/agencies", json={"code": "a b", "name": "x"}, headers=bot_headers).status_code == 422


def test_ticket_life_cycle_with_history(client, bot_headers, agency):
    code = create(client, bot_headers).json()["code"]
    r = client.post(f"/api/tickets/{code}/assign", json={"agency_code": "SXD", "actor": "tongdai.lan"},
                    headers=bot_headers)
    assert r.status_code == 200
    assert (r.json()["status"], r.json()["status_label"], r.json()["agency"]) == (
        "assigned", "Đã chuyển cơ quan xử lý", "Sở Xây dựng")
    r = client.post(f"/api/tickets/{code}/status", json={"status": "in_progress", "actor": "sxd.minh"},
                    headers=bot_headers)
    assert r.json()["status_label"] == "Đang xử lý"
    r = client.post(f"/api/tickets/{code}/notes", json={"text": "Đã cử đội điện lực.", "actor": "sxd.minh"},
                    headers=bot_headers)
    assert r.status_code == 201 and r.json()["kind"] == "note"
    r = client.post(f"/api/tickets/{code}/replies", json={"text": "Đèn đã được sửa ngày 2/12.", "actor": "sxd.minh"},
                    headers=bot_headers)
    assert r.status_code == 201 and r.json()["kind"] == "reply"
    r = client.post(f"/api/tickets/{code}/status", json={"status": "answered", "actor": "sxd.minh"},
                    headers=bot_headers)
    assert r.json()["status_label"] == "Đã trả lời"
    assert r.json()["latest_reply"]["text"] == "Đèn đã được sửa ngày 2/12."
    r = client.post(f"/api/tickets/{code}/satisfaction", json={"rating": 5}, headers=bot_headers)
    assert r.status_code == 200
    r = client.post(f"/api/tickets/{code}/status", json={"status": "closed"}, headers=bot_headers)
    assert r.json()["status_label"] == "Đã đóng"

    history = client.get(f"/api/tickets/{code}/history", headers=bot_headers).json()
    assert [(e["actor"], e["action"], e["field"], e["old_value"], e["new_value"]) for e in history] == [
        ("bot", "created", "status", None, "received"),
        ("tongdai.lan", "agency", "agency", None, "SXD"),
        ("tongdai.lan", "status", "status", "received", "assigned"),
        ("sxd.minh", "status", "status", "assigned", "in_progress"),
        ("sxd.minh", "note", None, None, None),
        ("sxd.minh", "reply", None, None, None),
        ("sxd.minh", "status", "status", "in_progress", "answered"),
        ("bot", "satisfaction", "satisfaction", None, "5"),
        ("bot", "status", "status", "answered", "closed"),
    ]
    messages = client.get(f"/api/tickets/{code}/messages", headers=bot_headers).json()
    assert [(m["kind"], m["author"]) for m in messages] == [("note", "sxd.minh"), ("reply", "sxd.minh")]
    # The citizen sees the reply, never the note.
    public = client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"}).json()
    assert public["latest_reply"]["text"] == "Đèn đã được sửa ngày 2/12." and "cử đội" not in str(public)
    assert public["agency"] == "Sở Xây dựng" and public["status_label"] == "Đã đóng"


def test_forbidden_transitions_are_409_and_store_nothing(client, bot_headers, agency):
    code = create(client, bot_headers).json()["code"]
    r = client.post(f"/api/tickets/{code}/satisfaction", json={"rating": 4}, headers=bot_headers)
    assert r.status_code == 409 and r.json()["error"] == "not_answered_yet"
    assert client.post(f"/api/tickets/{code}/status", json={"status": "closed"}, headers=bot_headers).status_code == 200
    for path, body in (("status", {"status": "in_progress"}), ("assign", {"agency_code": "SXD"})):
        r = client.post(f"/api/tickets/{code}/{path}", json=body, headers=bot_headers)
        assert r.status_code == 409
        assert r.json() == {"error": "transition_not_allowed",
                            "message": "Không thể chuyển phiếu từ trạng thái “Đã đóng” sang "
                                       + ("“Đang xử lý”." if path == "status" else "“Đã chuyển cơ quan xử lý”.")}
    r = client.post(f"/api/tickets/{code}/replies", json={"text": "muộn"}, headers=bot_headers)
    assert r.status_code == 409 and r.json()["error"] == "ticket_closed"
    history = client.get(f"/api/tickets/{code}/history", headers=bot_headers).json()
    assert [e["action"] for e in history] == ["created", "status"]
    body = client.get(f"/api/tickets/{code}", headers=bot_headers).json()
    assert body["agency"] is None and body["status"] == "closed"


def test_operator_input_errors(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    cases = [("assign", {"agency_code": "NOPE"}, 422, "unknown_agency"),
             ("status", {"status": "lost"}, 422, "validation_error"),
             ("replies", {"text": ""}, 422, "validation_error"),
             ("notes", {"text": "x" * 5001}, 422, "validation_error"),
             ("satisfaction", {"rating": 6}, 422, "validation_error"),
             ("notes", {"text": "ok", "actor": "<script>"}, 422, "validation_error")]
    for path, body, status, error in cases:
        r = client.post(f"/api/tickets/{code}/{path}", json=body, headers=bot_headers)
        assert (r.status_code, r.json()["error"]) == (status, error), (path, body)
    r = client.post("/api/tickets/PA-2612-000000/notes", json={"text": "x"}, headers=bot_headers)
    assert r.status_code == 404
    assert client.post(f"/api/tickets/{code}/notes", json={"text": "x"}).status_code == 401


def test_list_filters_and_search(client, bot_headers, agency):
    a = create(client, bot_headers).json()["code"]
    b = create(client, bot_headers, {**COMPLAINT, "channel": "web", "kind": "question", "field": "Hộ tịch",
                                     "summary": "Hỏi thủ tục khai sinh 100% online_", "citizen_phone": "0987654321"}).json()["code"]
    c = create(client, bot_headers, {**COMPLAINT, "channel": "telegram", "summary": "Tiếng ồn karaoke ban đêm",
                                     "citizen_phone": None}).json()["code"]
    client.post(f"/api/tickets/{a}/assign", json={"agency_code": "SXD"}, headers=bot_headers)
    client.post(f"/api/tickets/{b}/status", json={"status": "answered"}, headers=bot_headers)
    with client.app.state.session_factory() as session:  # c and b are past due; b is answered
        for ticket in session.scalars(select(Ticket).where(Ticket.code.in_([b, c]))):
            ticket.due_at = datetime.now(timezone.utc) - timedelta(days=1)
        session.commit()

    def codes(**params):
        r = client.get("/api/tickets", params=params, headers=bot_headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == len(body["items"]) or "limit" in params
        return [t["code"] for t in body["items"]], body["total"]

    assert codes() == ([c, b, a], 3)  # newest first
    assert codes(status="assigned") == ([a], 1)
    assert codes(channel="web") == ([b], 1)
    assert codes(kind="question") == ([b], 1)
    assert codes(field="Hộ tịch") == ([b], 1)
    assert codes(agency="SXD") == ([a], 1)
    assert codes(overdue=True) == ([c], 1)
    assert codes(overdue=False) == ([b, a], 2)
    assert codes(q="karaoke") == ([c], 1)
    assert codes(channel_user_id="zalo:123456") == ([c, b, a], 3)
    assert codes(channel_user_id="zalo:999") == ([], 0)
    assert codes(q="100%") == ([b], 1)  # LIKE wildcards are literal
    assert codes(q="online_") == ([b], 1)
    assert codes(q="%") == ([b], 1)
    assert codes(q="098 765 4321") == ([b], 1)  # by phone
    assert codes(q=a.lower().replace("-", " ")) == ([a], 1)  # by code as typed
    assert codes(limit=2) == ([c, b], 3)
    assert codes(limit=2, offset=2) == ([a], 3)
    overdue_item = client.get("/api/tickets", params={"overdue": True}, headers=bot_headers).json()["items"][0]
    assert overdue_item["overdue"] is True and overdue_item["display_label"] == "Quá hạn"
    assert client.get("/api/tickets", params={"status": "lost"}, headers=bot_headers).status_code == 422
    assert client.get("/api/tickets", params={"limit": 101}, headers=bot_headers).status_code == 422
    assert client.get("/api/tickets").status_code == 401


def test_list_shows_each_tickets_latest_reply(client, bot_headers):
    a = create(client, bot_headers).json()["code"]
    b = create(client, bot_headers).json()["code"]
    c = create(client, bot_headers).json()["code"]
    for code, text in ((a, "A1"), (b, "B1"), (a, "A2")):
        client.post(f"/api/tickets/{code}/replies", json={"text": text}, headers=bot_headers)
    client.post(f"/api/tickets/{b}/notes", json={"text": "B-note"}, headers=bot_headers)
    items = client.get("/api/tickets", headers=bot_headers).json()["items"]
    latest = {t["code"]: (t["latest_reply"] or {}).get("text") for t in items}
    assert latest == {a: "A2", b: "B1", c: None}

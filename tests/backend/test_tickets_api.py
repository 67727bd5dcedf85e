"""Tickets API for the bot, on SQLite and PostgreSQL."""

from datetime import date, datetime, timedelta, timezone

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app.main import create_app
from backend.app.models import Ticket, TicketEvent, TicketMessage
from backend.app.schemas.tickets import TicketCreate
from backend.app.services import tickets as ticket_service
from backend.app.services.ticket_codes import CODE_PATTERN
from backend.app.services.working_days import VIETNAM_TZ, WorkingCalendar
from tests.backend.conftest import make_settings

COMPLAINT = {
    "channel": "zalo", "kind": "complaint", "field": "Giao thông",
    "summary": "Đèn đường hỏng trên đường Trần Phú",
    "description": "Ba cột đèn trước số 12 không sáng từ tuần trước.",
    "location": "12 Trần Phú, TP Hà Tĩnh", "citizen_name": "Nguyễn Thị Lan",
    "citizen_phone": "+84 912 345 678", "channel_user_id": "zalo:123456",
    "transcript": [{"sender": "user", "text": "đèn đường hỏng", "at": "2026-12-01T08:00:00+07:00"},
                   {"sender": "bot", "text": "Tôi sẽ chuyển phản ánh của bạn."}],
}


def create(client, headers, body=None, **extra_headers):
    return client.post("/api/tickets", json=body or COMPLAINT, headers={**headers, **extra_headers})


def test_create_ticket(client, bot_headers):
    before = datetime.now(timezone.utc)
    r = create(client, bot_headers)
    assert r.status_code == 201, r.text
    body = r.json()
    assert CODE_PATTERN.match(body["code"]) and body["code"].startswith("PA-")
    assert body["status"] == "received" and body["status_label"] == "Đã tiếp nhận"
    assert body["overdue"] is False and body["display_label"] == "Đã tiếp nhận"
    assert body["kind_label"] == "Phản ánh, kiến nghị" and body["agency"] is None
    assert body["latest_reply"] is None
    # Due: 10 working days after today (Vietnam time), 17:00 local.
    due = datetime.fromisoformat(body["due_at"])
    expected_day = WorkingCalendar().add_working_days(before.astimezone(VIETNAM_TZ).date(), 10)
    assert due.astimezone(VIETNAM_TZ).date() == expected_day
    assert due.astimezone(VIETNAM_TZ).hour == 17
    # Staff-only fields are in the bot's view, personal data is not.
    assert body["summary"] == COMPLAINT["summary"] and body["channel"] == "zalo"
    for personal in ("citizen_name", "citizen_phone", "description", "location", "transcript"):
        assert personal not in body

    with client.app.state.session_factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == body["code"])).one()
        assert ticket.citizen_phone == "0912345678"  # normalized
        assert ticket.transcript[0] == {"sender": "user", "text": "đèn đường hỏng",
                                        "at": "2026-12-01T08:00:00+07:00"}
        assert ticket.transcript[1]["at"] is None
        events = session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket.id)).all()
        assert [(e.actor, e.action, e.new_value) for e in events] == [("bot", "created", "received")]


def test_get_ticket(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    r = client.get(f"/api/tickets/{code}", headers=bot_headers)
    assert r.status_code == 200
    assert r.json()["code"] == code and r.json()["status_label"] == "Đã tiếp nhận"
    # Codes are accepted as citizens type them.
    loose = code.lower().replace("-", " ")
    assert client.get(f"/api/tickets/{loose}", headers=bot_headers).json()["code"] == code


def test_get_ticket_with_agency_reply_and_overdue(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    from backend.app.models import Agency

    with client.app.state.session_factory() as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        agency = Agency(code="SXD", name="Sở Xây dựng", fields=["Giao thông"])
        session.add(agency)
        ticket.agency = agency
        ticket.status = "assigned"
        ticket.due_at = datetime.now(timezone.utc) - timedelta(hours=1)
        now = datetime.now(timezone.utc)
        session.add_all([
            TicketMessage(ticket=ticket, kind="reply", author="op1", text="Đã chuyển Sở Xây dựng.",
                          created_at=now - timedelta(minutes=5)),
            TicketMessage(ticket=ticket, kind="reply", author="op1", text="Đèn đã được sửa.", created_at=now),
            TicketMessage(ticket=ticket, kind="note", author="op1", text="Nội bộ: gọi lại sau.",
                          created_at=now + timedelta(minutes=1)),
        ])
        session.commit()
    body = client.get(f"/api/tickets/{code}", headers=bot_headers).json()
    assert body["agency"] == "Sở Xây dựng"
    assert body["status"] == "assigned" and body["status_label"] == "Đã chuyển cơ quan xử lý"
    assert body["overdue"] is True and body["display_label"] == "Quá hạn"
    assert body["latest_reply"]["text"] == "Đèn đã được sửa."  # the newest public reply, never a note


def test_unknown_ticket_is_404(client, bot_headers):
    for code in ("PA-2612-000000", "nonsense"):
        r = client.get(f"/api/tickets/{code}", headers=bot_headers)
        assert r.status_code == 404
        assert r.json() == {"error": "ticket_not_found", "message": "Không tìm thấy phiếu với mã này."}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic eDp5"},
                                     {"Authorization": "Bearer "}])
def test_bot_token_required(client, headers):
    for r in (client.post("/api/tickets", json=COMPLAINT, headers=headers),
              client.get("/api/tickets/PA-2612-000000", headers=headers)):
        assert r.status_code == 401
        assert r.json()["error"] == "unauthorized"
        assert r.headers["www-authenticate"] == "Bearer"
    # Without the token, input is not even validated (no probing of the API's rules).
    r = client.post("/api/tickets", json={"channel": "fax"}, headers=headers)
    assert r.status_code == 401
    with client.app.state.session_factory() as session:
        assert session.scalars(select(Ticket)).all() == []


@pytest.mark.parametrize("change,field,error_type", [
    ({"channel": "fax"}, "channel", "literal_error"),
    ({"kind": "praise"}, "kind", "literal_error"),
    ({"summary": "   "}, "summary", "string_too_short"),
    ({"summary": "x" * 501}, "summary", "string_too_long"),
    ({"description": "x" * 5001}, "description", "string_too_long"),
    ({"citizen_phone": "12345"}, "citizen_phone", "invalid_phone"),
    ({"citizen_phone": "+1 202 555 0143"}, "citizen_phone", "invalid_phone"),
    ({"satisfaction": 5}, "satisfaction", "extra_forbidden"),
    ({"transcript": [{"sender": "hacker", "text": "hi"}]}, "transcript.0.sender", "literal_error"),
    ({"procedure_code": "1.004222; DROP TABLE tickets"}, "procedure_code", "string_pattern_mismatch"),
])
def test_invalid_input_is_422_with_field_errors(client, bot_headers, change, field, error_type):
    r = create(client, bot_headers, {**COMPLAINT, **change})
    assert r.status_code == 422
    body = r.json()
    assert body["error"] == "validation_error" and body["message"] == "Dữ liệu gửi lên không hợp lệ."
    assert {"field": field, "type": error_type} in [{"field": e["field"], "type": e["type"]} for e in body["errors"]]
    # The input is not echoed (it may hold a phone number).
    assert "345 678" not in r.text and "555 0143" not in r.text
    with client.app.state.session_factory() as session:
        assert session.scalars(select(Ticket)).all() == []


def test_malformed_json_is_422(client, bot_headers):
    r = client.post("/api/tickets", content=b'{"channel": "web",', headers={**bot_headers, "Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "json_invalid"


def test_report_kind_and_landline(client, bot_headers):
    body = {**COMPLAINT, "kind": "report", "citizen_phone": "0239 385 5555"}
    r = create(client, bot_headers, body)
    assert r.status_code == 201 and r.json()["kind"] == "complaint"


def test_idempotency_header(client, bot_headers):
    first = create(client, bot_headers, None, **{"Idempotency-Key": "rasa-sender-42:msg-7"})
    again = create(client, bot_headers, {**COMPLAINT, "summary": "khác"}, **{"Idempotency-Key": "rasa-sender-42:msg-7"})
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["code"] == first.json()["code"]
    assert again.json()["summary"] == COMPLAINT["summary"]  # the first ticket, unchanged
    other = create(client, bot_headers, None, **{"Idempotency-Key": "rasa-sender-42:msg-8"})
    assert other.status_code == 201 and other.json()["code"] != first.json()["code"]
    with client.app.state.session_factory() as session:
        assert len(session.scalars(select(Ticket)).all()) == 2


def test_idempotency_field_and_mismatch(client, bot_headers):
    first = create(client, bot_headers, {**COMPLAINT, "idempotency_key": "k-1"})
    again = create(client, bot_headers, {**COMPLAINT, "idempotency_key": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["code"] == again.json()["code"]
    r = create(client, bot_headers, {**COMPLAINT, "idempotency_key": "k-1"}, **{"Idempotency-Key": "k-2"})
    assert r.status_code == 422 and r.json()["error"] == "idempotency_key_mismatch"
    r = create(client, bot_headers, None, **{"Idempotency-Key": "has space"})
    assert r.status_code == 422


def test_idempotency_race_returns_the_committed_ticket(client, bot_headers, monkeypatch):
    """Both requests passed the look-up before either committed: the unique constraint decides."""
    first = create(client, bot_headers, {**COMPLAINT, "idempotency_key": "race-1"}).json()
    real_find = ticket_service.find_by_idempotency_key
    calls = []

    def find_missing_once(session, key):
        calls.append(key)
        return None if len(calls) == 1 else real_find(session, key)

    monkeypatch.setattr(ticket_service, "find_by_idempotency_key", find_missing_once)
    r = create(client, bot_headers, {**COMPLAINT, "idempotency_key": "race-1"})
    assert r.status_code == 200 and r.json()["code"] == first["code"]
    assert len(calls) == 2  # the insert failed on the constraint, then the winner was read back
    with client.app.state.session_factory() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1
        assert len(session.scalars(select(TicketEvent)).all()) == 1  # nothing stored half-way


def test_code_collision_draws_a_new_code(client):
    codes = iter(["PA-2612-111111", "PA-2612-111111", "PA-2612-222222"])
    state = client.app.state
    with state.session_factory() as session:
        made = [ticket_service.create_ticket(session, TicketCreate(**COMPLAINT), calendar=state.working_calendar,
                                             due_working_days=state.settings.due_working_days,
                                             code_factory=lambda kind, now: next(codes))[0].code
                for _ in range(2)]
    assert made == ["PA-2612-111111", "PA-2612-222222"]


def test_due_date_from_configured_days_and_holidays(database_url):
    # A province gives questions 2 working days and takes Monday 7/12/2026 off.
    settings = make_settings(database_url, due_working_days={"question": 2},
                             extra_days_off=frozenset({date(2026, 12, 7)}))
    with TestClient(create_app(settings)) as client:
        state = client.app.state
        received = datetime(2026, 12, 4, 2, 0, tzinfo=timezone.utc)  # Friday 4/12, 09:00 in Hà Nội
        with state.session_factory() as session:
            ticket, created = ticket_service.create_ticket(
                session, TicketCreate(**{**COMPLAINT, "kind": "question"}), calendar=state.working_calendar,
                due_working_days=state.settings.due_working_days, now=received)
            assert created and ticket.code.startswith("HD-2612-")
        # Friday + 2 working days: (weekend, Monday 7/12 off) Tuesday 8/12, Wednesday 9/12, 17:00 local.
        with state.session_factory() as session:
            stored = ticket_service.find_by_code(session, ticket.code)
            assert stored.due_at == datetime(2026, 12, 9, 10, 0, tzinfo=timezone.utc)
            assert stored.created_at == received
        assert settings.due_working_days["complaint"] == 10  # the defaults stay for the other kinds


def test_idempotency_under_a_real_race(client, monkeypatch):
    """Two workers with their own sessions both miss the key, then both insert: one ticket."""
    import threading

    state = client.app.state
    real_find = ticket_service.find_by_idempotency_key
    barrier = threading.Barrier(2, timeout=20)
    local = threading.local()

    def find_then_wait(session, key):
        found = real_find(session, key)
        if not getattr(local, "waited", False):
            local.waited = True
            barrier.wait()  # both lookups happened before either insert
        return found

    monkeypatch.setattr(ticket_service, "find_by_idempotency_key", find_then_wait)
    results, errors = [], []

    def worker():
        try:
            with state.session_factory() as session:
                ticket, created = ticket_service.create_ticket(
                    session, TicketCreate(**{**COMPLAINT, "idempotency_key": "race-real"}),
                    calendar=state.working_calendar, due_working_days=state.settings.due_working_days)
                results.append((ticket.code, created))
        except Exception as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert results[0][0] == results[1][0]
    with state.session_factory() as session:
        assert len(session.scalars(select(Ticket)).all()) == 1


def test_no_personal_data_in_logs(client, bot_headers, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    code = create(client, bot_headers).json()["code"]
    client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"})
    client.post("/api/tickets", json={**COMPLAINT, "citizen_phone": "0912 xx"}, headers=bot_headers)
    # What the server logs (the test client's own request log is not the server's).
    server_log = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert f"ticket created code={code}" in server_log
    for value in ("0912345678", "912 345 678", "5678", "Nguyễn Thị Lan", "12 Trần Phú", "zalo:123456"):
        assert value not in server_log


def test_access_log_masks_phone_digits(client):
    import logging

    from backend.app.privacy import RedactPersonalData

    assert any(isinstance(f, RedactPersonalData) for f in logging.getLogger("uvicorn.access").filters)
    # The record uvicorn writes for a request: (client, method, path with query, HTTP version, status).
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4:5", "GET", "/api/public/tickets/PA-2612-000001?phone_last4=5678&x=1",
                                "1.1", 404), None)
    assert RedactPersonalData().filter(record)
    assert record.getMessage() == '1.2.3.4:5 - "GET /api/public/tickets/PA-2612-000001?phone_last4=***&x=1 HTTP/1.1" 404'


def test_oversized_body_is_413_and_stores_nothing(database_url, bot_headers):
    with TestClient(create_app(make_settings(database_url, max_request_bytes=4096))) as client:
        big = {**COMPLAINT, "description": "x" * 4000}
        r = client.post("/api/tickets", json=big, headers=bot_headers)
        assert r.status_code == 413
        assert r.json()["error"] == "payload_too_large" and "4 KB" in r.json()["message"]

        def chunks():  # no Content-Length: counted as it streams
            yield b'{"channel": "web", "kind": "question", "summary": "'
            for _ in range(10):
                yield b"y" * 1000
            yield b'"}'

        r = client.post("/api/tickets", content=chunks(),
                        headers={**bot_headers, "Content-Type": "application/json"})
        assert r.status_code == 413
        assert create(client, bot_headers).status_code == 201  # normal bodies still pass
        with client.app.state.session_factory() as session:
            assert len(session.scalars(select(Ticket)).all()) == 1

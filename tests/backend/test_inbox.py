"""The operator inbox pages with real data, on SQLite and PostgreSQL: queue and filters, ticket
page, forms that change tickets (and write history), manual entry, procedure look-up, escaping."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.app.db import utc_now
from backend.app.models import Ticket, TicketEvent
from knowledge_base.catalog import Procedure
from tests.backend.staff import add_agency, add_user, db, staff_client
from tests.backend.test_tickets_api import COMPLAINT, create


@pytest.fixture
def operator(client, bot_headers):
    add_agency(client, bot_headers, "SXD", "Sở Xây dựng")
    add_user(client, "tongdai.lan", "operator", display_name="Nguyễn Thị Lan")
    return staff_client(client, "tongdai.lan")


def _events(client, code):
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        return [(e.actor, e.action, e.old_value, e.new_value) for e in ticket.events]


def test_queue_filters_search_and_overdue(client, bot_headers, operator):
    browser, csrf = operator
    late = create(client, bot_headers).json()["code"]
    question = create(client, bot_headers, {"channel": "web", "kind": "question", "field": "Hộ tịch",
                                            "summary": "Hỏi thủ tục khai sinh"}).json()["code"]
    with db(client) as session:
        session.scalars(select(Ticket).where(Ticket.code == late)).one().due_at = utc_now() - timedelta(days=1)
        session.commit()
    page = browser.get("/inbox")
    assert page.status_code == 200 and "(2 phiếu)" in page.text
    assert "Quá hạn" in page.text and 'class="overdue"' in page.text
    assert "Đã tiếp nhận" in page.text and "Phản ánh, kiến nghị" in page.text and "Zalo" in page.text
    assert page.headers["content-security-policy"].startswith("default-src 'self'")
    assert page.headers["x-frame-options"] == "DENY" and page.headers["cache-control"] == "no-store"
    assert "https://" not in page.text.split("<body>")[0]  # no CDN assets
    overdue = browser.get("/inbox", params={"overdue": "1"}).text
    assert late in overdue and question not in overdue
    by_field = browser.get("/inbox", params={"field": "Hộ tịch"}).text
    assert question in by_field and f"/inbox/tickets/{late}" not in by_field
    by_channel = browser.get("/inbox", params={"channel": "zalo"}).text
    assert late in by_channel and question not in by_channel
    by_status = browser.get("/inbox", params={"status": "closed"}).text
    assert "Không có phiếu nào phù hợp." in by_status
    # Free text (may be a phone number) is searched with a POST form, never in the URL.
    r = browser.post("/inbox", data={"csrf_token": csrf, "q": "0912 345 678"})
    assert late in r.text and f"/inbox/tickets/{question}" not in r.text
    r = browser.post("/inbox", data={"csrf_token": csrf, "q": "khai sinh"})
    assert question in r.text and f"/inbox/tickets/{late}" not in r.text
    assert browser.get("/inbox", params={"q": "khai sinh"}).text.count("/inbox/tickets/") == 2  # ignored in GET
    assert browser.post("/inbox", data={"q": "khai sinh"}).status_code == 403
    # "Mine": tickets the user took.
    assert "Không có phiếu nào phù hợp." in browser.get("/inbox", params={"mine": "1"}).text
    browser.post(f"/inbox/tickets/{question}/take", data={"csrf_token": csrf})
    mine = browser.get("/inbox", params={"mine": "1"}).text
    assert question in mine and f"/inbox/tickets/{late}" not in mine and "Người xử lý: tongdai.lan" in mine
    by_agency = browser.get("/inbox", params={"agency": "SXD"}).text
    assert "Không có phiếu nào phù hợp." in by_agency


def test_queue_pagination(client, bot_headers, operator):
    browser, csrf = operator
    for i in range(27):
        create(client, bot_headers, {"channel": "web", "kind": "question", "summary": f"Câu hỏi số {i}"})
    first = browser.get("/inbox").text
    assert "(27 phiếu)" in first and "Trang 1/2" in first and first.count("/inbox/tickets/") == 25
    second = browser.post("/inbox", data={"csrf_token": csrf, "page": "2"}).text
    assert "Trang 2/2" in second and second.count("/inbox/tickets/") == 2
    assert "Câu hỏi số 0<" in second and "Câu hỏi số 26<" in first  # newest first
    assert browser.get("/inbox", params={"page": "abc"}).status_code == 200


def test_ticket_page_shows_everything(client, bot_headers, operator):
    browser, _csrf = operator
    code = create(client, bot_headers).json()["code"]
    client.post(f"/api/tickets/{code}/notes", json={"text": "Ghi chú của ca trước", "actor": "tongdai.binh"},
                headers=bot_headers)
    page = browser.get(f"/inbox/tickets/{code}")
    assert page.status_code == 200
    text = page.text
    for expected in ("Đèn đường hỏng trên đường Trần Phú", "Ba cột đèn trước số 12 không sáng", "12 Trần Phú",
                     "Nguyễn Thị Lan", "0912345678", "zalo:123456", "đèn đường hỏng", "Tôi sẽ chuyển phản ánh",
                     "Trợ lý ảo", "Công dân", "Ghi chú nội bộ", "Ghi chú của ca trước", "tongdai.binh",
                     "Lịch sử xử lý", "Tạo phiếu", "Câu trả lời mẫu", "Đã tiếp nhận", "Chuyển cơ quan xử lý",
                     "Sở Xây dựng", "Đóng phiếu", "Chuyển sang Đang xử lý", "Hạn xử lý"):
        assert expected in text, expected
    assert 'class="message message-note"' in text
    assert browser.get("/inbox/tickets/PA-2612-000000").status_code == 404
    assert browser.get("/inbox/tickets/not-a-code").status_code == 404


def test_forms_change_the_ticket_and_write_history(client, bot_headers, operator):
    browser, csrf = operator
    code = create(client, bot_headers).json()["code"]
    r = browser.post(f"/inbox/tickets/{code}/forward", data={"csrf_token": csrf, "agency_code": "SXD"},
                     follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == f"/inbox/tickets/{code}?done=forward"
    page = browser.get(r.headers["location"]).text
    assert "Đã chuyển phiếu tới cơ quan xử lý." in page
    assert "Đã tiếp nhận → Đã chuyển cơ quan xử lý" in page and "Sở Xây dựng\n" in page  # history, by name
    r = browser.post(f"/inbox/tickets/{code}/status", data={"csrf_token": csrf, "status": "in_progress"})
    assert r.status_code == 200 and "Đang xử lý" in r.text
    r = browser.post(f"/inbox/tickets/{code}/note", data={"csrf_token": csrf, "text": "Đã gọi Sở Xây dựng."})
    assert "Đã lưu ghi chú nội bộ." in r.text
    # A canned reply sent as is (no JavaScript), and the ticket marked answered in the same step.
    r = browser.post(f"/inbox/tickets/{code}/reply", data={"csrf_token": csrf, "canned": "4", "text": "",
                                                           "mark_answered": "1"})
    assert r.status_code == 200 and "Cơ quan chức năng đã xử lý xong" in r.text
    assert [e[:2] for e in _events(client, code)] == [
        ("bot", "created"), ("tongdai.lan", "agency"), ("tongdai.lan", "status"), ("tongdai.lan", "status"),
        ("tongdai.lan", "note"), ("tongdai.lan", "reply"), ("tongdai.lan", "status")]
    public = client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"}).json()
    assert public["status_label"] == "Đã trả lời" and public["latest_reply"]["text"].startswith("Cơ quan chức năng")
    assert "Đã gọi Sở Xây dựng" not in str(public)
    r = browser.post(f"/inbox/tickets/{code}/status", data={"csrf_token": csrf, "status": "closed"})
    assert "Đã đóng" in r.text and "Gửi trả lời" not in r.text
    # Closed: no more replies or status changes (nothing stored).
    r = browser.post(f"/inbox/tickets/{code}/reply", data={"csrf_token": csrf, "text": "muộn"})
    assert r.status_code == 409 and "Phiếu đã đóng" in r.text
    r = browser.post(f"/inbox/tickets/{code}/status", data={"csrf_token": csrf, "status": "in_progress"})
    assert r.status_code == 409 and "Không thể chuyển phiếu từ trạng thái “Đã đóng”" in r.text
    r = browser.post(f"/inbox/tickets/{code}/forward", data={"csrf_token": csrf, "agency_code": "SXD"})
    assert r.status_code == 409
    assert len(_events(client, code)) == 8
    # Bad input.
    other = create(client, bot_headers).json()["code"]
    for action, data, status in (("note", {"text": "  "}, 422), ("reply", {"text": "x" * 5001}, 422),
                                 ("status", {"status": "assigned"}, 422), ("forward", {"agency_code": "NOPE"}, 422),
                                 ("delete", {}, 404)):
        r = browser.post(f"/inbox/tickets/{other}/{action}", data={"csrf_token": csrf, **data})
        assert r.status_code == status, action
    assert len(_events(client, other)) == 1


def test_html_in_ticket_text_is_escaped(client, bot_headers, operator):
    browser, csrf = operator
    evil = "<script>alert('x')</script><img src=x onerror=alert(1)>"
    code = create(client, bot_headers, {**COMPLAINT, "summary": evil, "description": evil, "citizen_name": evil,
                                        "transcript": [{"sender": "user", "text": evil}]}).json()["code"]
    browser.post(f"/inbox/tickets/{code}/note", data={"csrf_token": csrf, "text": evil})
    for page in (browser.get("/inbox").text, browser.get(f"/inbox/tickets/{code}").text):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(" in page


def test_manual_entry_by_phone(client, bot_headers, operator):
    browser, csrf = operator
    form = browser.get("/inbox/new")
    assert form.status_code == 200 and "Điện thoại" in form.text and "Trực tiếp tại quầy" in form.text
    base = {"csrf_token": csrf, "channel": "phone", "kind": "complaint", "summary": "Rác thải ùn ứ ở chợ Đồng Hới",
            "description": "Công dân gọi điện phản ánh.", "field": "Môi trường", "location": "Chợ Đồng Hới",
            "citizen_name": "Trần Văn Hùng"}
    r = browser.post("/inbox/new", data={**base, "citizen_phone": "0123"})
    assert r.status_code == 422 and "Số điện thoại không hợp lệ" in r.text and "Rác thải ùn ứ" in r.text
    r = browser.post("/inbox/new", data={**base, "citizen_phone": ""})
    assert r.status_code == 422 and "cần nhập với phiếu tiếp nhận qua điện thoại" in r.text
    r = browser.post("/inbox/new", data={**base, "citizen_phone": "0912345678", "channel": "zalo"})
    assert r.status_code == 422 and "Kênh tiếp nhận" in r.text
    r = browser.post("/inbox/new", data={**base, "citizen_phone": "0912345678", "summary": ""})
    assert r.status_code == 422 and "Tóm tắt nội dung: không được để trống." in r.text
    with db(client) as session:
        assert session.scalars(select(Ticket)).all() == []
    r = browser.post("/inbox/new", data={**base, "citizen_phone": "+84 98 765 4321"}, follow_redirects=False)
    assert r.status_code == 303
    code = r.headers["location"].split("/")[-1].split("?")[0]
    assert "Đã tạo phiếu." in browser.get(r.headers["location"]).text
    with db(client) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.code == code)).one()
        assert (ticket.channel, ticket.kind, ticket.citizen_phone, ticket.field) == (
            "phone", "complaint", "0987654321", "Môi trường")
        assert [(e.actor, e.action) for e in ticket.events] == [("tongdai.lan", "created")]
    assert "0987654321" not in r.headers["location"]
    r = browser.post("/inbox/new", data={**base, "channel": "counter", "citizen_phone": ""}, follow_redirects=False)
    assert r.status_code == 303  # at the counter the phone is optional


class FakeKnowledgeBase:
    def __init__(self):
        self.procedure_record = Procedure(
            code="1.004222", name="Đăng ký thường trú", field="Đăng ký, quản lý cư trú", levels=("Cấp xã",),
            agency="Công an cấp Xã",
            methods=({"channel": "Trực tiếp", "processing_time": "7 Ngày làm việc", "fee": "20.000 đồng"},
                     {"channel": "Trực tuyến", "processing_time": "7 Ngày làm việc", "fee": ""}),
            documents=({"name": "Tờ khai thay đổi thông tin cư trú", "copies": "1 bản chính", "form": "Mẫu CT01"},),
            url="https://dichvucong.gov.vn/p/1.004222")

    def search(self, text, k=10):
        hit = SimpleNamespace(code="1.004222", name="Đăng ký thường trú", field="Đăng ký, quản lý cư trú",
                              agency="Công an cấp Xã", levels=["Cấp xã"])
        hits = [hit] if "thuong tru" in text or "thường trú" in text else []
        return SimpleNamespace(hits=hits, elapsed_ms=12.3)

    def procedure(self, code):
        return self.procedure_record if code == "1.004222" else None


def test_procedure_lookup(client, operator):
    browser, _csrf = operator
    r = browser.get("/inbox/procedures", params={"q": "đăng ký thường trú"})
    assert r.status_code == 503 and "chưa được nạp" in r.text  # load_knowledge_base=False in tests
    client.app.state.knowledge_base = FakeKnowledgeBase()
    try:
        assert browser.get("/inbox/procedures").status_code == 200
        r = browser.get("/inbox/procedures", params={"q": "đăng ký thường trú hết bao nhiêu"})
        assert r.status_code == 200
        for expected in ("1.004222", "Đăng ký thường trú", "20.000 đồng", "7 Ngày làm việc",
                         "Tờ khai thay đổi thông tin cư trú", "Mẫu CT01", "Công an cấp Xã", "Không có thông tin"):
            assert expected in r.text, expected
        r = browser.get("/inbox/procedures", params={"q": "xyz"})
        assert "Không tìm thấy thủ tục phù hợp." in r.text
    finally:
        client.app.state.knowledge_base = None


def test_static_files(client, operator):
    browser, _ = operator
    r = browser.get("/inbox/static/inbox.css")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/css")
    assert browser.get("/inbox/static/inbox.js").status_code == 200
    assert browser.get("/inbox/static/../security.py").status_code == 404
    assert browser.get("/inbox/static/base.html").status_code == 404


def test_odd_input_and_no_personal_data_in_logs(client, bot_headers, operator, caplog):
    browser, csrf = operator
    code = create(client, bot_headers).json()["code"]
    caplog.set_level("DEBUG")
    for q in ("' OR 1=1 --", "%", "_", "\\", "đèn%' ; DROP TABLE tickets; --"):
        r = browser.post("/inbox", data={"csrf_token": csrf, "q": q})
        assert r.status_code == 200 and "Không có phiếu nào phù hợp." in r.text, q
    assert code in browser.post("/inbox", data={"csrf_token": csrf, "q": "0912345678"}).text
    r = browser.post("/inbox/new", data={"csrf_token": csrf, "channel": "phone", "kind": "question",
                                         "summary": "Hỏi thủ tục", "citizen_name": "Phạm Thị Mai",
                                         "citizen_phone": "0987654321"}, follow_redirects=False)
    assert r.status_code == 303
    assert browser.get("/inbox", params={"status": "<script>", "page": "-5", "channel": "fax"}).status_code == 200
    assert browser.post("/inbox", content=b"\xff\xfe", headers={"content-type": "application/x-www-form-urlencoded"}
                        ).status_code == 403
    logged = "\n".join(record.getMessage() for record in caplog.records)
    for secret in ("0912345678", "0987654321", "Phạm Thị Mai", "Nguyễn Thị Lan", "mat-khau"):
        assert secret not in logged
    with db(client) as session:
        assert len(session.scalars(select(Ticket)).all()) == 2


def test_taking_and_releasing_a_ticket(client, bot_headers, operator):
    browser, csrf = operator
    add_user(client, "tongdai.binh", "operator")
    add_user(client, "giamsat.hoa", "supervisor")
    code = create(client, bot_headers).json()["code"]
    page = browser.get(f"/inbox/tickets/{code}").text
    assert "Chưa có ai nhận" in page and "Nhận xử lý phiếu này" in page
    r = browser.post(f"/inbox/tickets/{code}/take", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Anh/Chị đã nhận xử lý phiếu này." in r.text and "Bỏ nhận xử lý" in r.text
    binh, binh_csrf = staff_client(client, "tongdai.binh")
    r = binh.post(f"/inbox/tickets/{code}/release", data={"csrf_token": binh_csrf})
    assert r.status_code == 403 and "Chỉ người đang nhận xử lý" in r.text
    r = binh.post(f"/inbox/tickets/{code}/take", data={"csrf_token": binh_csrf})  # taking over is allowed
    assert "tongdai.binh" in r.text
    supervisor, sup_csrf = staff_client(client, "giamsat.hoa")
    assert supervisor.post(f"/inbox/tickets/{code}/release", data={"csrf_token": sup_csrf}).status_code == 200
    assert browser.post(f"/inbox/tickets/{code}/take", data={}).status_code == 403
    assert [(e[0], e[1], e[2], e[3]) for e in _events(client, code)][1:] == [
        ("tongdai.lan", "assignee", None, "tongdai.lan"), ("tongdai.binh", "assignee", "tongdai.lan", "tongdai.binh"),
        ("giamsat.hoa", "assignee", "tongdai.binh", None)]
    assert "Nhận xử lý" in browser.get(f"/inbox/tickets/{code}").text
    # The JSON API shows who took a ticket and filters by it.
    binh.post(f"/inbox/tickets/{code}/take", data={"csrf_token": binh_csrf})
    assert client.get(f"/api/tickets/{code}", headers=bot_headers).json()["assigned_to"] == "tongdai.binh"
    listed = client.get("/api/tickets", params={"assigned_to": "tongdai.binh"}, headers=bot_headers).json()
    assert [t["code"] for t in listed["items"]] == [code]
    assert client.get("/api/tickets", params={"assigned_to": "tongdai.lan"}, headers=bot_headers).json()["total"] == 0

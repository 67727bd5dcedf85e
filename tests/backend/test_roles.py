"""Role boundaries, on SQLite and PostgreSQL: agency staff see and handle only tickets forwarded to
their agency (404 for any other, in the list and on every route, JSON API and inbox); operators see
every ticket; only supervisors manage users (and create agencies)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backend.app.models import TicketEvent, TicketMessage, User
from tests.backend.staff import add_agency, add_user, db, staff_client
from tests.backend.test_tickets_api import COMPLAINT, create


@pytest.fixture
def world(client, bot_headers):
    """Two agencies, a ticket for each and one not forwarded yet; a user of every role."""
    add_agency(client, bot_headers, "SXD", "Sở Xây dựng")
    add_agency(client, bot_headers, "CAT", "Công an tỉnh")
    codes = {}
    for name, agency in (("sxd", "SXD"), ("cat", "CAT"), ("new", None)):
        codes[name] = create(client, bot_headers, {**COMPLAINT, "summary": f"Phiếu {name}"}).json()["code"]
        if agency:
            r = client.post(f"/api/tickets/{codes[name]}/assign", json={"agency_code": agency}, headers=bot_headers)
            assert r.status_code == 200
    add_user(client, "sxd.minh", "agency_staff", "SXD")
    add_user(client, "tongdai.lan", "operator")
    add_user(client, "giamsat.hoa", "supervisor")
    return codes


OTHER_ROUTES = [("get", "", None), ("get", "/history", None), ("get", "/messages", None),
                ("post", "/status", {"status": "in_progress"}), ("post", "/replies", {"text": "trả lời"}),
                ("post", "/notes", {"text": "ghi chú"}), ("post", "/assign", {"agency_code": "SXD"}),
                ("post", "/satisfaction", {"rating": 5})]


def test_agency_staff_json_api(client, world):
    browser, csrf = staff_client(client, "sxd.minh")
    headers = {"X-CSRF-Token": csrf}
    listed = browser.get("/api/tickets").json()
    assert listed["total"] == 1 and [t["code"] for t in listed["items"]] == [world["sxd"]]
    assert browser.get("/api/tickets", params={"agency": "CAT"}).json()["total"] == 0
    assert browser.get("/api/tickets", params={"q": world["cat"]}).json()["total"] == 0
    for other in (world["cat"], world["new"]):
        for method, suffix, body in OTHER_ROUTES:
            r = getattr(browser, method)(f"/api/tickets/{other}{suffix}", headers=headers,
                                         **({"json": body} if body else {}))
            assert r.status_code == 404 and r.json()["error"] == "ticket_not_found", (other, suffix)
    with db(client) as session:
        assert session.scalars(select(TicketMessage)).all() == []
    # Its own agency's ticket: handled, with the staff member as the actor.
    own = world["sxd"]
    assert browser.post(f"/api/tickets/{own}/status", json={"status": "in_progress"}, headers=headers).status_code == 200
    assert browser.post(f"/api/tickets/{own}/replies", json={"text": "Đã sửa."}, headers=headers).status_code == 201
    # ... but not forwarded elsewhere, and no new tickets.
    r = browser.post(f"/api/tickets/{own}/assign", json={"agency_code": "CAT"}, headers=headers)
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    assert browser.post("/api/tickets", json=COMPLAINT, headers=headers).status_code == 403
    assert browser.post("/api/agencies", json={"code": "X", "name": "X"}, headers=headers).status_code == 403
    with db(client) as session:
        actors = [e.actor for e in session.scalars(select(TicketEvent).where(TicketEvent.action.in_(("status", "reply")))
                                                   .order_by(TicketEvent.id))][-2:]
        assert actors == ["sxd.minh", "sxd.minh"]


def test_agency_staff_inbox(client, world):
    browser, csrf = staff_client(client, "sxd.minh")
    queue = browser.get("/inbox").text
    assert world["sxd"] in queue and world["cat"] not in queue and world["new"] not in queue
    assert "Nhập phiếu mới" not in queue and "Quản lý tài khoản" not in queue
    searched = browser.post("/inbox", data={"csrf_token": csrf, "q": world["cat"]}).text
    assert f'/inbox/tickets/{world["cat"]}' not in searched and "Không có phiếu nào phù hợp." in searched
    assert browser.get(f"/inbox/tickets/{world['sxd']}").status_code == 200
    for other in (world["cat"], world["new"]):
        assert browser.get(f"/inbox/tickets/{other}").status_code == 404
        for action, data in (("note", {"text": "x"}), ("reply", {"text": "x"}), ("status", {"status": "closed"}),
                             ("forward", {"agency_code": "SXD"}), ("take", {}), ("release", {})):
            r = browser.post(f"/inbox/tickets/{other}/{action}", data={"csrf_token": csrf, **data})
            assert r.status_code == 404, (other, action)
    page = browser.get(f"/inbox/tickets/{world['sxd']}").text
    assert "Chuyển cơ quan xử lý</h2>" not in page  # no forward form
    r = browser.post(f"/inbox/tickets/{world['sxd']}/forward", data={"csrf_token": csrf, "agency_code": "CAT"})
    assert r.status_code == 403
    assert browser.get("/inbox/new").status_code == 403
    assert browser.post("/inbox/new", data={"csrf_token": csrf, "summary": "x"}).status_code == 403
    assert browser.get("/inbox/users").status_code == 403
    with db(client) as session:
        assert session.scalars(select(TicketMessage)).all() == []
        assert session.scalars(select(TicketEvent).where(TicketEvent.actor == "sxd.minh")).all() == []


def test_operator_sees_everything_but_users(client, world):
    browser, csrf = staff_client(client, "tongdai.lan")
    assert browser.get("/api/tickets").json()["total"] == 3
    queue = browser.get("/inbox").text
    assert all(code in queue for code in world.values())
    for code in world.values():
        assert browser.get(f"/inbox/tickets/{code}").status_code == 200
    r = browser.get("/inbox/users")
    assert r.status_code == 403 and "chỉ dành cho giám sát viên" in r.text
    assert browser.post("/inbox/users", data={"csrf_token": csrf, "username": "x.y"}).status_code == 403
    r = browser.post("/api/agencies", json={"code": "X", "name": "X"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    assert browser.get("/api/agencies").status_code == 200
    assert browser.get("/inbox/new").status_code == 200


def test_supervisor_manages_users(client, world):
    browser, csrf = staff_client(client, "giamsat.hoa")
    assert browser.get("/api/tickets").json()["total"] == 3
    page = browser.get("/inbox/users")
    assert page.status_code == 200 and "sxd.minh" in page.text and "Cán bộ cơ quan xử lý" in page.text
    r = browser.post("/inbox/users", data={"csrf_token": csrf, "username": "cat.nam", "display_name": "Lê Văn Nam",
                                           "password": "mot-mat-khau-du-dai", "role": "agency_staff",
                                           "agency_code": "CAT"})
    assert r.status_code == 200 and "Đã tạo tài khoản cat.nam." in r.text
    r = browser.post("/inbox/users", data={"csrf_token": csrf, "username": "cat.nam", "display_name": "X",
                                           "password": "mot-mat-khau-du-dai", "role": "operator"})
    assert r.status_code == 422 and "đã được dùng" in r.text
    r = browser.post("/inbox/users", data={"csrf_token": csrf, "username": "a.b", "password": "ngan", "role": "operator"})
    assert r.status_code == 422 and "ít nhất 10" in r.text
    # The new agency staff member logs in and sees the CAT ticket only.
    nam, _ = staff_client(client, "cat.nam", "mot-mat-khau-du-dai")
    assert [t["code"] for t in nam.get("/api/tickets").json()["items"]] == [world["cat"]]
    # Deactivating ends the account's sessions; the supervisor cannot lock themself out.
    with db(client) as session:
        nam_id = session.scalars(select(User.id).where(User.username == "cat.nam")).one()
        own_id = session.scalars(select(User.id).where(User.username == "giamsat.hoa")).one()
    r = browser.post(f"/inbox/users/{nam_id}/deactivate", data={"csrf_token": csrf})
    assert r.status_code == 200 and "Đã khóa tài khoản cat.nam." in r.text
    assert nam.get("/api/tickets").status_code == 401
    assert browser.post(f"/inbox/users/{own_id}/deactivate", data={"csrf_token": csrf}).status_code == 409
    assert browser.post(f"/inbox/users/{nam_id}/deactivate", data={}).status_code == 403
    r = browser.post(f"/inbox/users/{nam_id}/activate", data={"csrf_token": csrf})
    assert "Đã mở lại tài khoản cat.nam." in r.text
    # Password reset: too short is refused; a new one ends the sessions and works at login.
    nam, _ = staff_client(client, "cat.nam", "mot-mat-khau-du-dai")
    r = browser.post(f"/inbox/users/{nam_id}/password", data={"csrf_token": csrf, "password": "ngan"})
    assert r.status_code == 422 and "ít nhất 10" in r.text
    r = browser.post(f"/inbox/users/{nam_id}/password", data={"csrf_token": csrf, "password": "mat-khau-moi-2026"})
    assert r.status_code == 200 and "Đã đặt lại mật khẩu cho cat.nam." in r.text
    assert nam.get("/api/tickets").status_code == 401
    staff_client(client, "cat.nam", "mat-khau-moi-2026")
    assert browser.post(f"/inbox/users/{nam_id}/password", data={"password": "mat-khau-moi-2027"}).status_code == 403
    # Supervisors create agencies with their session.
    r = browser.post("/api/agencies", json={"code": "STNMT", "name": "Sở Tài nguyên và Môi trường"},
                     headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201


def test_require_supervisor_dependency(client, world):
    """The dependency other supervisor pages (reports) use: login form, 403, or the principal."""
    from fastapi import Depends

    from backend.app.security import Principal, require_supervisor

    @client.app.get("/inbox/_test_supervisor_only")
    def only_supervisors(principal: Principal = Depends(require_supervisor)):
        return {"actor": principal.actor, "role": principal.role}

    assert client.get("/inbox/_test_supervisor_only", follow_redirects=False).status_code == 303
    operator, _ = staff_client(client, "tongdai.lan")
    assert operator.get("/inbox/_test_supervisor_only").status_code == 403
    supervisor, _ = staff_client(client, "giamsat.hoa")
    assert supervisor.get("/inbox/_test_supervisor_only").json() == {"actor": "giamsat.hoa", "role": "supervisor"}

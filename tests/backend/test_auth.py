"""Staff accounts: password hashing, login and logout, lockout, rate limit, CSRF, session expiry,
the create-user command; on SQLite and PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from backend.app.config import REPO_ROOT, Settings
from backend.app.db import utc_now
from backend.app.main import create_app
from backend.app.models import TicketEvent, TicketMessage, User, UserSession
from backend.app.services import passwords
from backend.app.services.users import UserError, authenticate, create_user
from tests.backend.conftest import BOT_TOKEN, make_settings
from tests.backend.staff import PASSWORD, add_agency, add_user, csrf_of, db, login, staff_client
from tests.backend.test_tickets_api import COMPLAINT, create


def test_password_hashes():
    stored = passwords.hash_password("một mật khẩu dài")
    assert stored.startswith("scrypt$15$8$1$") and "một" not in stored
    assert passwords.verify_password("một mật khẩu dài", stored)
    assert not passwords.verify_password("mot mat khau dai", stored)
    assert stored != passwords.hash_password("một mật khẩu dài")  # salted
    assert not passwords.verify_password("x", "garbage") and not passwords.verify_password("x", "scrypt$99$8$1$a$b")
    assert not passwords.needs_rehash(stored) and passwords.needs_rehash("scrypt$14$8$1$a$b")


def test_create_user_rules(client, bot_headers):
    add_agency(client, bot_headers, "SXD", "Sở Xây dựng")
    with db(client) as session:
        user = create_user(session, " Lan.Nguyen ", PASSWORD, "agency_staff", "Nguyễn Thị Lan", "SXD")
        assert (user.username, user.role, user.agency.code, user.is_active) == ("lan.nguyen", "agency_staff", "SXD", True)
        assert user.password_hash.startswith("scrypt$") and PASSWORD not in user.password_hash
        for args, message in [(("lan.nguyen", PASSWORD, "operator", "X"), "đã được dùng"),
                              (("a b", PASSWORD, "operator", "X"), "Tên đăng nhập"),
                              (("minh", "ngắn", "operator", "X"), "ít nhất 10"),
                              (("minh", PASSWORD, "admin", "X"), "Vai trò"),
                              (("minh", PASSWORD, "agency_staff", "X"), "mã cơ quan"),
                              (("minh", PASSWORD, "agency_staff", "X", "NOPE"), "Không có cơ quan")]:
            with pytest.raises(UserError, match=message):
                create_user(session, *args)
        assert session.scalars(select(User.username)).all() == ["lan.nguyen"]


def test_login_logout(client):
    add_user(client, "tongdai.lan", "operator", display_name="Nguyễn Thị Lan")
    assert client.get("/inbox", follow_redirects=False).headers["location"] == "/inbox/login"
    r = login(client, "Tongdai.Lan")  # user names are case-insensitive
    assert r.headers["location"] == "/inbox"
    cookie = r.headers["set-cookie"]
    assert "tongdai1022_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie.replace("Lax", "lax")
    assert "Secure" not in cookie  # development over http
    page = client.get("/inbox")
    assert page.status_code == 200 and "Nguyễn Thị Lan" in page.text and "Tổng đài viên" in page.text
    assert "Content-Security-Policy" in page.headers and "script-src 'self'" in page.headers["Content-Security-Policy"]
    with db(client) as session:
        stored = session.scalars(select(UserSession.token_hash)).one()
    token = client.cookies.get("tongdai1022_session")
    assert token and stored != token and len(stored) == 64  # only the hash is stored
    # The login page of a logged-in user goes to the queue.
    assert client.get("/inbox/login", follow_redirects=False).status_code == 303
    r = client.post("/inbox/logout", data={"csrf_token": csrf_of(page.text)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/inbox/login"
    assert client.get("/inbox", follow_redirects=False).status_code == 303
    # The old cookie is worthless after logout.
    replay = TestClient(client.app, cookies={"tongdai1022_session": token})
    assert replay.get("/inbox", follow_redirects=False).status_code == 303
    with db(client) as session:
        assert session.scalars(select(UserSession)).all() == []


def test_wrong_password_and_unknown_user(client):
    add_user(client, "tongdai.lan", "operator")
    for username, password in (("tongdai.lan", "sai-mat-khau-123"), ("khong.co", PASSWORD), ("", "")):
        r = login(client, username, password, expect=401)
        assert "Tên đăng nhập hoặc mật khẩu không đúng." in r.text and "tongdai1022_session" not in r.headers.get("set-cookie", "")
    assert client.get("/inbox", follow_redirects=False).status_code == 303


def test_lockout_after_repeated_failures(client):
    add_user(client, "tongdai.lan", "operator")
    for _ in range(4):
        login(client, "tongdai.lan", "sai-mat-khau-123", expect=401)
    r = login(client, "tongdai.lan", "sai-mat-khau-123", expect=429)
    assert "tạm khóa" in r.text
    r = login(client, "tongdai.lan", PASSWORD, expect=429)  # even the right password
    with db(client) as session:
        user = session.scalars(select(User)).one()
        assert user.locked_until > utc_now() + timedelta(minutes=14)
        user.locked_until = utc_now() - timedelta(seconds=1)  # the lockout has passed
        session.commit()
    login(client, "tongdai.lan", PASSWORD)
    with db(client) as session:
        assert session.scalars(select(User.failed_logins)).one() == 0


def test_login_rate_limit_per_ip(database_url):
    with TestClient(create_app(make_settings(database_url, login_rate_limit=3))) as client:
        add_user(client, "tongdai.lan", "operator")
        for _ in range(3):
            login(client, "nobody", "sai-mat-khau-123", expect=401)
        r = login(client, "tongdai.lan", PASSWORD, expect=429)
        assert int(r.headers["retry-after"]) >= 1 and "quá nhiều lần" in r.text


def test_login_form_needs_its_csrf_token(client):
    add_user(client, "tongdai.lan", "operator")
    client.get("/inbox/login")
    for data in ({"username": "tongdai.lan", "password": PASSWORD},
                 {"username": "tongdai.lan", "password": PASSWORD, "csrf_token": "forged"}):
        r = client.post("/inbox/login", data=data, follow_redirects=False)
        assert r.status_code == 403 and "tongdai1022_session" not in r.headers.get("set-cookie", "")
    # A token from the page but no cookie (another site posting the form) is refused too.
    token = csrf_of(client.get("/inbox/login").text)
    r = TestClient(client.app).post("/inbox/login", data={"csrf_token": token, "username": "tongdai.lan",
                                                          "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 403


def test_csrf_on_inbox_forms_and_json_api(client, bot_headers):
    add_user(client, "tongdai.lan", "operator")
    code = create(client, bot_headers).json()["code"]
    browser, csrf = staff_client(client, "tongdai.lan")
    for data in ({"text": "ghi chú"}, {"text": "ghi chú", "csrf_token": "sai"}):
        r = browser.post(f"/inbox/tickets/{code}/note", data=data, follow_redirects=False)
        assert r.status_code == 403 and "Biểu mẫu đã hết hạn" in r.text
    r = browser.post("/inbox/logout", data={}, follow_redirects=False)
    assert r.status_code == 403
    # JSON API with the session: the CSRF header is required on unsafe methods.
    assert browser.get(f"/api/tickets/{code}").status_code == 200
    for headers in ({}, {"X-CSRF-Token": "sai"}):
        r = browser.post(f"/api/tickets/{code}/notes", json={"text": "ghi chú"}, headers=headers)
        assert r.status_code == 403 and r.json()["error"] == "csrf_failed"
    with db(client) as session:
        assert session.scalars(select(TicketMessage)).all() == []
    # With the header, the logged-in user is the actor, whatever the body says.
    r = browser.post(f"/api/tickets/{code}/notes", json={"text": "ghi chú", "actor": "someone.else"},
                     headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201 and r.json()["author"] == "tongdai.lan"
    r = browser.post(f"/api/tickets/{code}/status", json={"status": "in_progress"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    history = client.get(f"/api/tickets/{code}/history", headers=bot_headers).json()
    assert [(e["actor"], e["action"]) for e in history][1:] == [("tongdai.lan", "note"), ("tongdai.lan", "status")]
    # A staff session also creates tickets (operators), recorded under the user's name.
    r = browser.post("/api/tickets", json={**COMPLAINT, "channel": "phone"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201
    # A wrong bearer token is 401 even with a valid session cookie.
    assert browser.get("/api/tickets", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_session_expiry(client):
    add_user(client, "tongdai.lan", "operator")
    browser, _csrf = staff_client(client, "tongdai.lan")
    with db(client) as session:  # idle for longer than SESSION_IDLE_MINUTES
        row = session.scalars(select(UserSession)).one()
        row.last_seen_at = utc_now() - timedelta(minutes=121)
        session.commit()
    assert browser.get("/inbox", follow_redirects=False).headers["location"] == "/inbox/login"
    assert browser.get("/api/tickets").status_code == 401
    browser, _csrf = staff_client(client, "tongdai.lan")
    with db(client) as session:  # past the absolute lifetime
        row = session.scalars(select(UserSession)).one()
        row.expires_at = utc_now() - timedelta(seconds=1)
        session.commit()
    assert browser.get("/inbox", follow_redirects=False).status_code == 303
    with db(client) as session:
        assert session.scalars(select(UserSession)).all() == []  # expired rows are removed


def test_deactivated_user_is_logged_out(client):
    add_user(client, "tongdai.lan", "operator")
    browser, _csrf = staff_client(client, "tongdai.lan")
    with db(client) as session:
        session.scalars(select(User)).one().is_active = False
        session.commit()
    assert browser.get("/inbox", follow_redirects=False).status_code == 303
    login(client, "tongdai.lan", expect=401)


def test_secure_cookie_in_production(database_url):
    settings = Settings(load_knowledge_base=False, database_url=database_url, environment="production",
                        bot_token=BOT_TOKEN + "-production-secret", deliveries_enabled=False)
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        add_user(client, "tongdai.lan", "operator")
        r = login(client, "tongdai.lan")
        assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_anonymous_gets_nothing(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    for path in ("/inbox", f"/inbox/tickets/{code}", "/inbox/new", "/inbox/procedures", "/inbox/users"):
        r = client.get(path, follow_redirects=False)
        assert (r.status_code, r.headers["location"]) == (303, "/inbox/login"), path
    for path in (f"/inbox/tickets/{code}/note", "/inbox/new", "/inbox/users", "/inbox/logout"):
        assert client.post(path, data={"text": "x"}, follow_redirects=False).status_code == 303
    assert client.get("/api/tickets").status_code == 401
    assert client.post(f"/api/tickets/{code}/notes", json={"text": "x"}).status_code == 401
    with db(client) as session:
        assert [e.action for e in session.scalars(select(TicketEvent))] == ["created"]


def test_create_user_command(database_url, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "DATABASE_URL": database_url,
           "BACKEND_NEW_USER_PASSWORD": PASSWORD}
    command = [sys.executable, "-m", "backend.manage", "create-user", "--username", "giamsat.hoa",
               "--role", "supervisor", "--display-name", "Trần Thị Hoa"]
    done = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "giamsat.hoa" in done.stdout and PASSWORD not in done.stdout + done.stderr
    again = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 1 and "đã được dùng" in again.stderr
    bad = subprocess.run(command[:-4] + ["--role", "agency_staff", "--username", "x.y"], cwd=REPO_ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode != 0 and "mã cơ quan" in bad.stderr
    reset = [sys.executable, "-m", "backend.manage", "set-password", "--username", "GiamSat.Hoa"]
    done = subprocess.run(reset, cwd=REPO_ROOT, env={**env, "BACKEND_NEW_USER_PASSWORD": PASSWORD + "-moi"},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "giamsat.hoa" in done.stdout, done.stderr
    unknown = subprocess.run(reset[:-1] + ["khong.co"], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                             timeout=120)
    assert unknown.returncode == 1 and "Không có tài khoản" in unknown.stderr
    with TestClient(create_app(make_settings(database_url))) as client:
        login(client, "giamsat.hoa", expect=401)
        login(client, "giamsat.hoa", PASSWORD + "-moi")
        assert "Quản lý tài khoản" in client.get("/inbox").text
        with db(client) as session:
            user = authenticate(session, "giamsat.hoa", PASSWORD + "-moi", max_failures=5, lockout=timedelta(minutes=1))
            assert user is not None and user.role == "supervisor"

"""Helpers for tests with staff accounts: create users in the test app's database, log in through
the login form, read a page's CSRF token."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from backend.app.services.users import create_user

PASSWORD = "mat-khau-thu-nghiem-2026"
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def db(client: TestClient):
    return client.app.state.session_factory()


def add_agency(client: TestClient, bot_headers, code: str, name: str) -> None:
    r = client.post("/api/agencies", json={"code": code, "name": name}, headers=bot_headers)
    assert r.status_code == 201, r.text


def add_user(client: TestClient, username: str, role: str, agency_code: str | None = None,
             display_name: str | None = None, password: str = PASSWORD) -> int:
    with db(client) as session:
        return create_user(session, username, password, role, display_name or username.title(), agency_code).id


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(client: TestClient, username: str, password: str = PASSWORD, expect: int = 303):
    """Log in through the form; returns the response of the POST."""
    page = client.get("/inbox/login")
    assert page.status_code == 200
    r = client.post("/inbox/login", data={"csrf_token": csrf_of(page.text), "username": username,
                                          "password": password}, follow_redirects=False)
    assert r.status_code == expect, r.text[:500]
    return r


def staff_client(client: TestClient, username: str, password: str = PASSWORD) -> tuple[TestClient, str]:
    """A second browser on the same app, logged in as `username`: (client, CSRF token)."""
    browser = TestClient(client.app)
    login(browser, username, password)
    page = browser.get("/inbox")
    assert page.status_code == 200, page.text[:300]
    return browser, csrf_of(page.text)

"""Every backend route needs a login or the bot's token, except the ones listed here as public on
purpose. A route added later without authentication fails this test until it is protected or
added to PUBLIC with the reason."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from backend.app.main import create_app
from tests.backend.conftest import make_settings

PUBLIC = {
    ("GET", "/health"): "liveness probe",
    ("GET", "/health/ready"): "readiness probe (names no secret)",
    ("GET", "/metrics"): "open in development only; METRICS_TOKEN, or closed in production (test_operations)",
    ("GET", "/api/public/tickets/{code}"): "citizen look-up: the code plus the phone's last digits, rate limited",
    ("GET", "/api/procedures/search"): "the public procedure catalog",
    ("GET", "/api/procedures/{code}"): "the public procedure catalog",
    ("GET", "/"): "the widget demo page",
    ("GET", "/widget/{name}"): "the widget's script and styles",
    ("GET", "/ket-qua"): "public page of answered reports (no personal data)",
    ("GET", "/tra-cuu"): "public status look-up page, rate limited",
    ("GET", "/inbox/static/{name}"): "the inbox's styles and scripts",
    ("GET", "/inbox/login"): "the login form",
    ("POST", "/inbox/login"): "logging in (rate limited, lockout)",
}
SAMPLE_PARAMS = {"code": "PA-2612-000001", "delivery_id": "1", "name": "widget.js", "action": "close",
                 "user_id": "1"}


def routes(app) -> list[tuple[str, str]]:
    found = []

    def walk(items):
        for route in items:
            if isinstance(route, APIRoute):
                found.extend((method, route.path) for method in sorted(route.methods))
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)

    walk(app.routes)
    return found


@pytest.fixture
def app(database_url):
    return create_app(make_settings(database_url))


def test_every_route_is_protected_or_public_on_purpose(app, client):
    listed = routes(app)
    assert len(listed) > 40
    unknown_public = set(PUBLIC) - set(listed)
    assert not unknown_public, f"PUBLIC names routes that no longer exist: {unknown_public}"
    unprotected = []
    for method, path in listed:
        if (method, path) in PUBLIC:
            continue
        url = re.sub(r"\{(\w+)\}", lambda m: SAMPLE_PARAMS[m.group(1)], path)
        response = client.request(method, url, follow_redirects=False, data={} if method == "POST" else None)
        to_login = response.status_code in (302, 303, 307) and "/inbox/login" in response.headers.get("location", "")
        if not (response.status_code in (401, 403) or to_login):
            unprotected.append((method, path, response.status_code))
    assert not unprotected, f"routes answering without credentials: {unprotected}"


def test_a_wrong_bot_token_is_refused_everywhere_the_bot_goes(client):
    for method, path in [("GET", "/api/tickets"), ("POST", "/api/tickets"), ("GET", "/api/deliveries/1"),
                         ("GET", "/api/tickets/PA-2612-000001/citizen-status")]:
        response = client.request(method, path, headers={"Authorization": "Bearer not-the-token"})
        assert response.status_code == 401, (method, path, response.status_code)

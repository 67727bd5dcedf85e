"""Liveness, readiness and Prometheus metrics of the backend."""

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from backend.app.db import make_engine, make_session_factory
from backend.app.main import create_app
from tests.backend.conftest import make_settings

TICKET = {"channel": "zalo", "kind": "complaint", "summary": "Đèn đường hỏng trên đường Trần Phú",
          "citizen_phone": "0912345678", "channel_user_id": "zalo:77"}


def samples(body: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(body):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def unreachable_database():
    # Nothing listens on port 1: every query fails as when PostgreSQL is down.
    return make_session_factory(make_engine("postgresql+psycopg://x@127.0.0.1:1/x",
                                            connect_args={"connect_timeout": 2}))


def test_liveness_and_readiness(client):
    assert client.get("/health").json() == {"status": "ok"}
    r = client.get("/health/ready")
    assert r.status_code == 200 and r.json() == {"status": "ready", "checks": {"database": "ok"}}
    client.app.state.session_factory = unreachable_database()
    r = client.get("/health/ready")
    assert r.status_code == 503
    assert r.json()["status"] == "not ready" and r.json()["checks"]["database"].startswith("unavailable")
    assert "127.0.0.1" not in r.text
    assert client.get("/health").status_code == 200  # alive, only not ready


def test_metrics_count_tickets_requests_and_deliveries(client, bot_headers):
    created = client.post("/api/tickets", json=TICKET, headers=bot_headers).json()
    assert client.get(f"/api/tickets/{created['code']}", headers=bot_headers).status_code == 200
    assert client.get("/api/tickets/PA-2612-000000", headers=bot_headers).status_code == 404
    r = client.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    found = samples(r.text)
    prefix = "tongdai1022_backend"
    assert found[(f"{prefix}_tickets", (("channel", "zalo"), ("kind", "complaint"), ("status", "received")))] == 1
    assert found[(f"{prefix}_tickets_created_total", (("channel", "zalo"), ("kind", "complaint")))] == 1
    assert found[(f"{prefix}_tickets_overdue", ())] == 0
    assert found[(f"{prefix}_database_up", ())] == 1
    route = (("method", "GET"), ("route", "/api/tickets/{code}"))
    assert found[(f"{prefix}_http_requests_total", route + (("status", "200"),))] == 1
    assert found[(f"{prefix}_http_requests_total", route + (("status", "404"),))] == 1
    assert found[(f"{prefix}_http_request_duration_seconds_count", route)] == 2
    # Labels name routes, never a ticket code or a phone number.
    assert created["code"] not in r.text and "0912345678" not in r.text

    client.app.state.session_factory = unreachable_database()
    client.app.state.metrics._database._session_factory = client.app.state.session_factory
    found = samples(client.get("/metrics").text)
    assert found[(f"{prefix}_database_up", ())] == 0


def test_metrics_token(database_url):
    with TestClient(create_app(make_settings(database_url, metrics_token="scrape-secret"))) as c:
        assert c.get("/metrics").status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert c.get("/metrics", headers={"Authorization": "Bearer scrape-secret"}).status_code == 200
    production = make_settings(database_url, environment="production", rasa_api_token="r" * 32,
                               deliveries_enabled=False)
    with TestClient(create_app(production)) as c:
        r = c.get("/metrics")
        assert r.status_code == 403 and "METRICS_TOKEN" in r.json()["message"]

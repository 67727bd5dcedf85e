"""The backend's health and procedure look-up routes, on a tiny catalog (lexical only, for speed)."""

import pytest
from fastapi.testclient import TestClient

from tests.conftest import write_catalog


@pytest.fixture
def client(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_CATALOG", str(write_catalog(tmp_path / "catalog.jsonl")))
    monkeypatch.setenv("KB_INDEX_DIR", str(tmp_path / "index"))
    monkeypatch.setenv("KB_ENCODER", "none")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'backend.db'}")  # not the developer's var/
    from backend.app.main import create_app

    with TestClient(create_app()) as c:
        yield c


def test_health(client):
    assert client.get("/health").json() == {"status": "ok"}


def test_search_and_get_procedure(client):
    res = client.get("/api/procedures/search", params={"q": "dang ky thuong tru"}).json()
    assert res["hits"][0]["code"] == "1.004222"
    assert {"confident", "aspects", "hits"} <= set(res)
    proc = client.get("/api/procedures/1.004222").json()
    assert proc["name"] == "Đăng ký thường trú"


def test_bad_requests_get_clear_errors(client):
    assert client.get("/api/procedures/9.999999").status_code == 404
    assert client.get("/api/procedures/search", params={"q": ""}).status_code == 422
    assert client.get("/api/procedures/search", params={"q": "a" * 2001}).status_code == 422


def test_knowledge_base_unavailable_is_503(tmp_path):
    from backend.app.config import Settings
    from backend.app.main import create_app

    settings = Settings(load_knowledge_base=False, database_url=f"sqlite:///{tmp_path / 'backend.db'}")
    with TestClient(create_app(settings)) as c:
        assert c.get("/health").status_code == 200
        r = c.get("/api/procedures/search", params={"q": "x"})
        assert r.status_code == 503 and r.json()["detail"]["error"] == "knowledge_base_unavailable"

"""Databases for the backend tests: every test that asks for `database_url` runs on SQLite (a temp
file) and on PostgreSQL (a schema of its own in database `test` at 127.0.0.1:5432, dropped after).

POSTGRES_TEST_URL overrides the server; the PostgreSQL variant is skipped, with the reason, only
when the server cannot be reached.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from backend.app.config import Settings
from backend.app.main import create_app
from tests.stack import free_port

POSTGRES_URL = os.environ.get("POSTGRES_TEST_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BOT_TOKEN = "test-bot-token-7f3a"
_postgres_error: list[str] = []


def _postgres_admin_engine():
    if _postgres_error:
        pytest.skip(_postgres_error[0])
    engine = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as e:  # unreachable server: skip, saying why
        engine.dispose()
        _postgres_error.append(f"PostgreSQL not reachable at {POSTGRES_URL}: {type(e).__name__}: {e}"[:300])
        pytest.skip(_postgres_error[0])
    return engine


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'backend.db'}"
        return
    admin = _postgres_admin_engine()
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def make_settings(database_url: str, **overrides) -> Settings:
    overrides.setdefault("deliveries_enabled", False)  # no dispatcher thread unless a test asks for one
    return Settings(load_knowledge_base=False, database_url=database_url, bot_token=BOT_TOKEN, **overrides)


@pytest.fixture
def client(database_url):
    with TestClient(create_app(make_settings(database_url))) as c:
        yield c


@pytest.fixture
def bot_headers():
    return {"Authorization": f"Bearer {BOT_TOKEN}"}


@contextmanager
def served_in_thread(app) -> Iterator[str]:
    """Serve `app` with uvicorn in a thread on a free port (for the browser tests); yields its base
    URL and stops the server afterwards."""
    import uvicorn

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            assert time.monotonic() < deadline and thread.is_alive(), "backend did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)

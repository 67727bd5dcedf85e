"""Settings from the environment: database URL, bot token, due days, holidays, rate limit."""

from datetime import date

import pytest

from backend.app.config import (DEFAULT_DATABASE_URL, REPO_ROOT, ConfigurationError, Settings,
                                normalize_database_url)
from backend.app.main import create_app


def test_defaults_in_development():
    s = Settings.from_env({})
    assert s.database_url == DEFAULT_DATABASE_URL == f"sqlite:///{REPO_ROOT / 'var' / 'backend.db'}"
    assert s.bot_token == "dev-bot-token"
    assert dict(s.due_working_days) == {"question": 5, "complaint": 10, "request": 7}
    assert (s.public_lookup_rate_limit, s.public_lookup_rate_window_s) == (10, 60.0)
    assert s.extra_days_off == frozenset() and s.extra_working_days == frozenset()


def test_values_from_the_environment():
    s = Settings.from_env({
        "DATABASE_URL": "postgresql://u:p@db:5432/tickets", "BACKEND_BOT_TOKEN": "s3cret",
        "TICKET_DUE_DAYS_QUESTION": "3", "TICKET_DUE_DAYS_COMPLAINT": "15",
        "HOLIDAYS_EXTRA_DAYS_OFF": "2026-02-13, 2026-02-23", "HOLIDAYS_EXTRA_WORKING_DAYS": "2026-02-28",
        "PUBLIC_LOOKUP_RATE_LIMIT": "5", "PUBLIC_LOOKUP_RATE_WINDOW_S": "30"})
    assert s.database_url == "postgresql+psycopg://u:p@db:5432/tickets"
    assert s.bot_token == "s3cret"
    assert dict(s.due_working_days) == {"question": 3, "complaint": 15, "request": 7}
    assert s.extra_days_off == {date(2026, 2, 13), date(2026, 2, 23)}
    assert s.extra_working_days == {date(2026, 2, 28)}
    assert (s.public_lookup_rate_limit, s.public_lookup_rate_window_s) == (5, 30.0)


def test_database_url_rewriting():
    assert normalize_database_url("postgres://h/db") == "postgresql+psycopg://h/db"
    assert normalize_database_url("postgresql+psycopg://h/db") == "postgresql+psycopg://h/db"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"
    assert Settings(database_url="postgresql://h/db").database_url == "postgresql+psycopg://h/db"


@pytest.mark.parametrize("env", [{"APP_ENV": "production"},
                                 {"APP_ENV": "production", "BACKEND_BOT_TOKEN": ""},
                                 {"APP_ENV": "production", "BACKEND_BOT_TOKEN": "dev-bot-token"}])
def test_production_refuses_to_start_without_a_token(env):
    with pytest.raises(ConfigurationError, match="BACKEND_BOT_TOKEN"):
        Settings.from_env(env)
    with pytest.raises(ConfigurationError):
        create_app(Settings(environment="production", bot_token=env.get("BACKEND_BOT_TOKEN", ""),
                            load_knowledge_base=False))


def test_production_with_a_token():
    s = Settings.from_env({"APP_ENV": "production", "BACKEND_BOT_TOKEN": "a-long-random-secret",
                           "RASA_API_TOKEN": "another-long-secret"})
    assert s.is_production and s.bot_token == "a-long-random-secret"
    assert s.rasa_api_token == "another-long-secret"


@pytest.mark.parametrize("env", [{}, {"RASA_API_TOKEN": ""}, {"RASA_API_TOKEN": "dev-rasa-token"}])
def test_production_refuses_to_start_without_a_rasa_token(env):
    with pytest.raises(ConfigurationError, match="RASA_API_TOKEN"):
        Settings.from_env({"APP_ENV": "production", "BACKEND_BOT_TOKEN": "a-long-random-secret", **env})
    # A process that does not deliver (DELIVERIES_ENABLED=false) does not need it.
    s = Settings.from_env({"APP_ENV": "production", "BACKEND_BOT_TOKEN": "a-long-random-secret",
                           "DELIVERIES_ENABLED": "false", **env})
    assert s.deliveries_enabled is False


def test_delivery_settings():
    s = Settings.from_env({})
    assert (s.rasa_url, s.rasa_api_token, s.deliveries_enabled) == ("http://127.0.0.1:5005", "dev-rasa-token", True)
    assert (s.delivery_poll_seconds, s.delivery_max_attempts, s.delivery_retry_base_seconds) == (2.0, 8, 5.0)
    s = Settings.from_env({"RASA_URL": "http://rasa:5005/", "RASA_API_TOKEN": "t", "DELIVERIES_ENABLED": "0",
                           "DELIVERY_POLL_SECONDS": "0.5", "DELIVERY_MAX_ATTEMPTS": "3",
                           "DELIVERY_RETRY_BASE_SECONDS": "1"})
    assert (s.rasa_url, s.rasa_api_token, s.deliveries_enabled) == ("http://rasa:5005", "t", False)
    assert (s.delivery_poll_seconds, s.delivery_max_attempts, s.delivery_retry_base_seconds) == (0.5, 3, 1.0)
    assert "dev-rasa-token" not in repr(Settings())
    for bad in ({"DELIVERIES_ENABLED": "maybe"}, {"DELIVERY_POLL_SECONDS": "0"}, {"DELIVERY_MAX_ATTEMPTS": "x"}):
        with pytest.raises(ConfigurationError):
            Settings.from_env(bad)


@pytest.mark.parametrize("env", [{"TICKET_DUE_DAYS_QUESTION": "five"}, {"TICKET_DUE_DAYS_REQUEST": "-1"},
                                 {"HOLIDAYS_EXTRA_DAYS_OFF": "30/4/2026"}])
def test_bad_values_are_refused(env):
    with pytest.raises(ConfigurationError):
        Settings.from_env(env)


def test_sqlite_directory_is_created(tmp_path):
    from fastapi.testclient import TestClient

    db = tmp_path / "nested" / "dir" / "backend.db"
    with TestClient(create_app(Settings(load_knowledge_base=False, database_url=f"sqlite:///{db}"))) as c:
        assert c.get("/health").json() == {"status": "ok"}
    assert db.exists()


def test_secrets_are_not_in_repr():
    s = Settings(database_url="postgresql://u:hunter2@db/x", bot_token="tok-123")
    assert "hunter2" not in repr(s) and "tok-123" not in repr(s)

"""Backend settings: one typed object, read from the environment once.

Environment variables (all optional in development):

  APP_ENV                       "development" (default) or "production"
  DATABASE_URL                  SQLAlchemy URL; default SQLite file var/backend.db in the repository.
                                PostgreSQL: postgresql+psycopg://user:pass@host:5432/db
                                (postgresql:// and postgres:// are rewritten to the psycopg driver)
  BACKEND_BOT_TOKEN             bearer token the bot (action server) sends; required in production
  TICKET_DUE_DAYS_QUESTION      working days to answer a question (default 5)
  TICKET_DUE_DAYS_COMPLAINT     ... a complaint or report, phản ánh, kiến nghị (default 10)
  TICKET_DUE_DAYS_REQUEST       ... a request (default 7)
  HOLIDAYS_EXTRA_DAYS_OFF       ISO dates the province does not work, comma-separated
                                (e.g. this year's government decision on the Tết break)
  HOLIDAYS_EXTRA_WORKING_DAYS   ISO dates the province works although they would be off
                                (e.g. a Saturday worked in exchange)
  PUBLIC_LOOKUP_RATE_LIMIT      public status look-ups per client IP per window (default 10)
  PUBLIC_LOOKUP_RATE_WINDOW_S   the window in seconds (default 60)
  BACKEND_MAX_REQUEST_BYTES     largest request body accepted (default 1048576; 413 above)
  BACKEND_LOAD_KB, RASA_PUBLIC_URL  see README.md
  SESSION_LIFETIME_HOURS        an operator session ends after this many hours (default 12)
  SESSION_IDLE_MINUTES          ... or after this many minutes without a request (default 120)
  LOGIN_MAX_FAILURES            wrong passwords in a row that lock an account (default 5)
  LOGIN_LOCKOUT_MINUTES         how long it stays locked (default 15)
  LOGIN_RATE_LIMIT              login attempts per client IP per 5 minutes (default 20)
  INBOX_CANNED_REPLIES          JSON file of canned replies [{"title", "text"}] (default: built-in list)
  RASA_URL                      Rasa's HTTP API as the backend reaches it (default http://127.0.0.1:5005):
                                deliveries to citizens go through its trigger_intent endpoint
  RASA_API_TOKEN                Rasa's --auth-token; required in production (dev default "dev-rasa-token")
  DELIVERIES_ENABLED            run the delivery dispatcher in this process (default true)
  DELIVERY_POLL_SECONDS         how often it looks for pending deliveries (default 2)
  DELIVERY_MAX_ATTEMPTS         attempts before a delivery is "failed" (default 8)
  DELIVERY_RETRY_BASE_SECONDS   first retry delay; doubled on each attempt, at most 10 minutes (default 5)
  METRICS_TOKEN                 bearer token Prometheus sends to GET /metrics; without it the endpoint
                                is open in development and closed (403) in production
  PROMETHEUS_MULTIPROC_DIR      a writable folder, for several uvicorn workers to report one set of
                                counters (prometheus_client's multiprocess mode)

Due-date defaults (working days, see services/working_days.py for how they are counted): a
question 5, a request 7, a complaint or report (phản ánh, kiến nghị) 10, since it usually needs an
agency to check on site. They are service targets, not legal limits; a province sets its own.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from types import MappingProxyType
from typing import Mapping

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATABASE_URL = f"sqlite:///{REPO_ROOT / 'var' / 'backend.db'}"
DEVELOPMENT_BOT_TOKEN = "dev-bot-token"
DEVELOPMENT_RASA_TOKEN = "dev-rasa-token"
TICKET_KINDS = ("question", "complaint", "request")
DEFAULT_DUE_WORKING_DAYS = MappingProxyType({"question": 5, "complaint": 10, "request": 7})


class ConfigurationError(RuntimeError):
    """The settings cannot run the service (the app refuses to start)."""


def normalize_database_url(url: str) -> str:
    """Use the psycopg 3 driver for PostgreSQL URLs given without a driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _parse_dates(text: str, variable: str) -> frozenset[date]:
    days = set()
    for part in (text or "").replace(";", ",").split(","):
        if part.strip():
            try:
                days.add(date.fromisoformat(part.strip()))
            except ValueError as e:
                raise ConfigurationError(f"{variable}: {part.strip()!r} is not an ISO date (YYYY-MM-DD)") from e
    return frozenset(days)


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{name} must be true or false, got {raw!r}")


def _positive_float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = float(raw)
    except ValueError as e:
        raise ConfigurationError(f"{name} must be a number, got {raw!r}") from e
    if not value > 0:
        raise ConfigurationError(f"{name} must be > 0")
    return value


def _positive_int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError as e:
        raise ConfigurationError(f"{name} must be an integer, got {raw!r}") from e
    if value < 0:
        raise ConfigurationError(f"{name} must be >= 0")
    return value


@dataclass(frozen=True)
class Settings:
    environment: str = "development"
    # Load the knowledge base at start-up (tests of unrelated routes may switch it off).
    load_knowledge_base: bool = True
    # Rasa's public address, as the citizen's browser reaches it (the widget's socket.io server).
    rasa_public_url: str = "http://localhost:5005"
    # Secrets stay out of repr() (settings may end up in a log or a traceback).
    database_url: str = field(default=DEFAULT_DATABASE_URL, repr=False)
    bot_token: str = field(default=DEVELOPMENT_BOT_TOKEN, repr=False)
    due_working_days: Mapping[str, int] = field(default_factory=lambda: DEFAULT_DUE_WORKING_DAYS)
    extra_days_off: frozenset[date] = frozenset()
    extra_working_days: frozenset[date] = frozenset()
    public_lookup_rate_limit: int = 10
    public_lookup_rate_window_s: float = 60.0
    max_request_bytes: int = 1024 * 1024
    session_lifetime_hours: int = 12
    session_idle_minutes: int = 120
    login_max_failures: int = 5
    login_lockout_minutes: int = 15
    login_rate_limit: int = 20
    canned_replies_file: str = ""
    # Deliveries to citizens through Rasa's HTTP API (services/delivery_dispatcher.py).
    rasa_url: str = "http://127.0.0.1:5005"
    rasa_api_token: str = field(default=DEVELOPMENT_RASA_TOKEN, repr=False)
    deliveries_enabled: bool = True
    delivery_poll_seconds: float = 2.0
    delivery_max_attempts: int = 8
    delivery_retry_base_seconds: float = 5.0
    metrics_token: str = field(default="", repr=False)

    def __post_init__(self):
        object.__setattr__(self, "database_url", normalize_database_url(self.database_url))
        object.__setattr__(self, "due_working_days",
                           MappingProxyType({**DEFAULT_DUE_WORKING_DAYS, **self.due_working_days}))

    @property
    def is_production(self) -> bool:
        return self.environment == "production"

    def validate(self) -> None:
        """Raise ConfigurationError when the service must not start with these settings."""
        if self.is_production and (not self.bot_token or self.bot_token == DEVELOPMENT_BOT_TOKEN):
            raise ConfigurationError("APP_ENV=production needs BACKEND_BOT_TOKEN (a long random secret)")
        if not self.bot_token:
            raise ConfigurationError("BACKEND_BOT_TOKEN must not be empty")
        if (self.deliveries_enabled and self.is_production
                and (not self.rasa_api_token or self.rasa_api_token == DEVELOPMENT_RASA_TOKEN)):
            raise ConfigurationError("APP_ENV=production needs RASA_API_TOKEN (the token Rasa runs with, --auth-token)")
        if self.deliveries_enabled and not self.rasa_api_token:
            raise ConfigurationError("RASA_API_TOKEN must not be empty")
        if self.delivery_max_attempts < 1 or self.delivery_poll_seconds <= 0 or self.delivery_retry_base_seconds <= 0:
            raise ConfigurationError("DELIVERY_MAX_ATTEMPTS, DELIVERY_POLL_SECONDS and DELIVERY_RETRY_BASE_SECONDS "
                                     "must be positive")
        unknown = set(self.due_working_days) - set(TICKET_KINDS)
        if unknown:
            raise ConfigurationError(f"unknown ticket kinds in due_working_days: {sorted(unknown)}")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        environment = env.get("APP_ENV", "development")
        bot_token = env.get("BACKEND_BOT_TOKEN")
        if bot_token is None and environment != "production":
            bot_token = DEVELOPMENT_BOT_TOKEN
        rasa_token = env.get("RASA_API_TOKEN")
        if rasa_token is None and environment != "production":
            rasa_token = DEVELOPMENT_RASA_TOKEN
        settings = cls(
            environment=environment,
            load_knowledge_base=env.get("BACKEND_LOAD_KB", "1") not in ("0", "false", "no"),
            rasa_public_url=env.get("RASA_PUBLIC_URL", "http://localhost:5005").rstrip("/"),
            database_url=env.get("DATABASE_URL") or DEFAULT_DATABASE_URL,
            bot_token=bot_token or "",
            due_working_days={kind: _positive_int(env, f"TICKET_DUE_DAYS_{kind.upper()}",
                                                  DEFAULT_DUE_WORKING_DAYS[kind]) for kind in TICKET_KINDS},
            extra_days_off=_parse_dates(env.get("HOLIDAYS_EXTRA_DAYS_OFF", ""), "HOLIDAYS_EXTRA_DAYS_OFF"),
            extra_working_days=_parse_dates(env.get("HOLIDAYS_EXTRA_WORKING_DAYS", ""),
                                            "HOLIDAYS_EXTRA_WORKING_DAYS"),
            public_lookup_rate_limit=_positive_int(env, "PUBLIC_LOOKUP_RATE_LIMIT", 10) or 1,
            public_lookup_rate_window_s=float(_positive_int(env, "PUBLIC_LOOKUP_RATE_WINDOW_S", 60) or 1),
            max_request_bytes=_positive_int(env, "BACKEND_MAX_REQUEST_BYTES", 1024 * 1024) or 1024 * 1024,
            session_lifetime_hours=_positive_int(env, "SESSION_LIFETIME_HOURS", 12) or 12,
            session_idle_minutes=_positive_int(env, "SESSION_IDLE_MINUTES", 120) or 120,
            login_max_failures=_positive_int(env, "LOGIN_MAX_FAILURES", 5) or 5,
            login_lockout_minutes=_positive_int(env, "LOGIN_LOCKOUT_MINUTES", 15) or 15,
            login_rate_limit=_positive_int(env, "LOGIN_RATE_LIMIT", 20) or 20,
            canned_replies_file=env.get("INBOX_CANNED_REPLIES", ""),
            rasa_url=(env.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/"),
            rasa_api_token=rasa_token or "",
            deliveries_enabled=_flag(env, "DELIVERIES_ENABLED", True),
            delivery_poll_seconds=_positive_float(env, "DELIVERY_POLL_SECONDS", 2.0),
            delivery_max_attempts=_positive_int(env, "DELIVERY_MAX_ATTEMPTS", 8) or 8,
            delivery_retry_base_seconds=_positive_float(env, "DELIVERY_RETRY_BASE_SECONDS", 5.0),
            metrics_token=env.get("METRICS_TOKEN", ""),
        )
        settings.validate()
        return settings

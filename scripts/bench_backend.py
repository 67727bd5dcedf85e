"""Benchmark the 1022 backend: ticket creation under load, and the operator inbox at scale.

    make bench      (runs the retrieval and assistant benchmarks first, then this)
    PYTHONPATH=. .venv/app/bin/python scripts/bench_backend.py [--tickets N] [--clients N] ...

1. Ticket creation: the real backend (uvicorn, `backend.app.main:app`, knowledge base not loaded,
   a bot token of its own) on a free port and on a database of its own (a temporary SQLite file;
   a throw-away schema in PostgreSQL, dropped afterwards; never var/backend.db). CLIENTS (default
   50) concurrent clients POST TICKETS (default 2,000) realistic tickets (Vietnamese text, every
   channel and kind, a unique idempotency key each) to /api/tickets with the bot token. Reported:
   throughput, p50/p95/p99 latency, errors (any status but 201), and whether the database holds
   exactly one ticket per 201 (none lost, none twice). SQLite is measured with one uvicorn worker
   (one writer at a time); PostgreSQL with 1 and 2 workers (migrations at start-up take a lock).
2. Inbox at scale: a fresh database is filled with INBOX_TICKETS (default 100,000) tickets through
   SQLAlchemy core (after the migrations: the real schema), spread over a year (statuses, channels,
   fields, agencies, due dates, history, public replies); an operator logs in through the login
   form and requests the queue page (first page, by status, overdue, a word search, a phone search)
   and the JSON list, INBOX_REQUESTS (default 50) times each, one after another.

Every parameter is an option or an environment variable (see --help). PostgreSQL that cannot be
reached is reported in its table row. Results go to docs/benchmarks.md between the backend
markers (other sections stay); the last line printed is JSON.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import re
import secrets
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import create_engine, func, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from backend.app.db import make_engine, migrate_to_head, utc_now  # noqa: E402
from backend.app.models import Ticket, TicketEvent, TicketMessage  # noqa: E402
from backend.app.services.users import create_user  # noqa: E402
from backend.app.services.working_days import VIETNAM_TZ, WorkingCalendar  # noqa: E402
from backend.seed import ensure_agencies  # noqa: E402
from backend.seed_content import FIELDS, LOCATIONS, PLACEHOLDERS, SURNAMES, TEXTS  # noqa: E402
from knowledge_base.bench import machine  # noqa: E402
from tests.stack import free_port, process  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- backend:start -->", "<!-- backend:end -->"
AFTER = "<!-- assistant:end -->"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"

# Targets: what a province's hotline needs, with margin (100 simultaneous conversations at most).
TARGET_CREATE_P95_MS = 500.0
TARGET_INBOX_P95_MS = 1000.0

# Channels in the proportions of a provincial 1022 report (calls, chatbot channels, e-mail, desk).
CHANNEL_WEIGHTS = {"phone": 434, "web": 180, "zalo": 230, "messenger": 60, "telegram": 30, "email": 15,
                   "counter": 12}
CHATBOT = ("web", "zalo", "messenger", "telegram")
KIND_PREFIXES = {"question": "HD", "complaint": "PA", "request": "YC"}
HANDOFF = "Trợ lý ảo đã chuyển nội dung của Anh/Chị tới Tổng đài 1022."
SEARCH_WORDS = "vỉa hè"
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def percentile(ordered: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when empty)."""
    return ordered[min(len(ordered) - 1, int(p * len(ordered)))] if ordered else 0.0


def latency_summary(latencies_ms: list[float]) -> dict:
    ordered = sorted(latencies_ms)
    return {"p50_ms": round(percentile(ordered, 0.50), 1), "p95_ms": round(percentile(ordered, 0.95), 1),
            "p99_ms": round(percentile(ordered, 0.99), 1)}


# --- Databases ------------------------------------------------------------------------------------

class Unreachable(RuntimeError):
    """The PostgreSQL server cannot be reached (reported in the table, not raised)."""


class PostgresSchema:
    """A fresh schema in the PostgreSQL database at `admin_url`, dropped on exit; `url` puts it
    first on the search path (as tests/backend/conftest.py does)."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.schema = f"bench_{uuid.uuid4().hex[:12]}"
        self.url = f"{admin_url}{'&' if '?' in admin_url else '?'}options=-csearch_path%3D{self.schema}"
        self.engine = None

    def __enter__(self) -> str:
        self.engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT",
                                    connect_args={"connect_timeout": 3})
        try:
            with self.engine.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.schema}"'))
        except Exception as e:
            self.engine.dispose()
            raise Unreachable(f"not reachable at {_server_of(self.admin_url)} ({type(e).__name__})") from e
        return self.url

    def __exit__(self, *exc) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE'))
        finally:
            self.engine.dispose()


def _server_of(url: str) -> str:
    """host:port of a database URL, without user or password (for the report)."""
    return url.split("@", 1)[-1].split("/", 1)[0]


class Database:
    """A throw-away database: a SQLite file in `tmp`, or a PostgreSQL schema."""

    def __init__(self, kind: str, tmp: Path, postgres_url: str, name: str):
        self.kind, self.tmp, self.postgres_url, self.name = kind, tmp, postgres_url, name
        self._schema: PostgresSchema | None = None

    def __enter__(self) -> str:
        if self.kind == "sqlite":
            return f"sqlite:///{self.tmp / (self.name + '.db')}"
        self._schema = PostgresSchema(self.postgres_url)
        return self._schema.__enter__()

    def __exit__(self, *exc) -> None:
        if self._schema is not None:
            self._schema.__exit__(*exc)


LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


# --- The backend process --------------------------------------------------------------------------

def backend(database_url: str, bot_token: str, workers: int, log: Path):
    """The real backend in a process group of its own, healthy when entered."""
    port = free_port()
    argv = [sys.executable, "-m", "uvicorn", "backend.app.main:app", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]
    env = {"DATABASE_URL": database_url, "BACKEND_BOT_TOKEN": bot_token, "BACKEND_LOAD_KB": "0",
           "APP_ENV": "development", "LOGIN_RATE_LIMIT": "1000"}
    manager = process(argv, log, env=env, health_url=f"http://127.0.0.1:{port}/health", timeout=120)
    return manager, f"http://127.0.0.1:{port}"


# --- 1. Ticket creation under load ----------------------------------------------------------------

def ticket_body(rng: random.Random, n: int) -> dict:
    """A realistic ticket as the bot or an operator sends it."""
    field_name = rng.choices(list(FIELDS), [w for w, _ in FIELDS.values()])[0]
    kind, summary, _answer = rng.choice(TEXTS[field_name])
    channel = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()))[0]
    body = {"channel": channel, "kind": kind, "summary": summary, "field": field_name,
            "description": f"{summary}. Người dân đề nghị cơ quan chức năng kiểm tra, giải quyết.",
            "location": rng.choice(LOCATIONS),
            "citizen_name": f"{rng.choice(SURNAMES)} {rng.choice(('Văn', 'Thị'))} {rng.choice(PLACEHOLDERS)}",
            "citizen_phone": f"09{rng.randrange(10 ** 8):08d}"}
    if channel in CHATBOT:
        body["channel_user_id"] = f"bench-{channel}-{n}"
        body["transcript"] = [{"sender": "user", "text": summary}, {"sender": "bot", "text": HANDOFF}]
    return body


def load_test(base_url: str, bot_token: str, tickets: int, clients: int, key_prefix: str) -> dict:
    """`clients` threads, each with its own keep-alive session, create `tickets` tickets between them."""
    numbers = itertools.count()
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    codes: list[str] = []
    failures: list[str] = []
    start = threading.Barrier(clients + 1)

    def client(c: int) -> None:
        rng = random.Random(c)
        http = requests.Session()
        http.headers["Authorization"] = f"Bearer {bot_token}"
        start.wait()
        while True:
            with lock:
                n = next(numbers)
            if n >= tickets:
                break
            body = ticket_body(rng, n)
            t = time.perf_counter()
            try:
                r = http.post(f"{base_url}/api/tickets", json=body, timeout=60,
                              headers={"Idempotency-Key": f"{key_prefix}{n:07d}"})
                status, code = r.status_code, (r.json().get("code") if r.status_code == 201 else None)
            except Exception as e:  # counted: the benchmark reports errors
                status, code = 0, None
                with lock:
                    failures.append(type(e).__name__)
            elapsed = (time.perf_counter() - t) * 1000
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1
                if code:
                    codes.append(code)
        http.close()

    threads = [threading.Thread(target=client, args=(c,), daemon=True) for c in range(clients)]
    for th in threads:
        th.start()
    start.wait()
    t0 = time.perf_counter()
    for th in threads:
        th.join()
    wall = time.perf_counter() - t0
    created = statuses.get(201, 0)
    return {"tickets": tickets, "clients": clients, "created": created,
            "errors": sum(v for k, v in statuses.items() if k != 201),
            "statuses": {str(k): v for k, v in sorted(statuses.items())},
            "unique_codes": len(set(codes)), "duration_s": round(wall, 2),
            "throughput_per_s": round(tickets / wall, 1) if wall else 0.0,
            **latency_summary(latencies), "client_errors": sorted(set(failures))}


def stored_tickets(database_url: str, key_prefix: str) -> tuple[int, int]:
    """(tickets with the run's keys, distinct codes among them), read straight from the database."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(select(func.count(), func.count(Ticket.code.distinct()))
                               .where(Ticket.idempotency_key.like(key_prefix + "%"))).one()
            return int(row[0]), int(row[1])
    finally:
        engine.dispose()


def ticket_creation(kind: str, workers: int, options, tmp: Path) -> dict:
    result = {"database": LABELS[kind], "workers": workers}
    bot_token = secrets.token_urlsafe(24)
    key_prefix = f"bench-{uuid.uuid4().hex[:8]}-"
    try:
        with Database(kind, tmp, options.postgres_url, f"create-{workers}") as url:
            manager, base_url = backend(url, bot_token, workers, tmp / f"backend-create-{kind}-{workers}.log")
            with manager:
                warm_up = requests.Session()
                for n in range(2 * workers):  # every worker answers once before the clock starts
                    warm_up.post(f"{base_url}/api/tickets", json=ticket_body(random.Random(n), n),
                                 headers={"Authorization": f"Bearer {bot_token}"}, timeout=60)
                warm_up.close()
                print(f">> {LABELS[kind]}, {workers} worker(s): {options.clients} clients create "
                      f"{options.tickets} tickets", file=sys.stderr)
                result.update(load_test(base_url, bot_token, options.tickets, options.clients, key_prefix))
            result["stored"], result["stored_codes"] = stored_tickets(url, key_prefix)
    except Unreachable as e:
        result["unavailable"] = str(e)
        return result
    result["consistent"] = (result["stored"] == result["created"] == result["unique_codes"]
                            == result["stored_codes"])
    return result


# --- 2. Inbox at scale ----------------------------------------------------------------------------

def inbox_rows(n: int, agency_ids: dict[str, int], now: datetime, rng: random.Random):
    """Yield (ticket, events, messages) rows of `n` tickets received over the last year: old ones
    answered or closed (a few still open and overdue), recent ones mostly open."""
    calendar = WorkingCalendar.with_overrides(frozenset(), frozenset())
    due_days = {"question": 5, "request": 7, "complaint": 10}
    due_cache: dict[tuple, datetime] = {}
    field_names = list(FIELDS)
    field_weights = [w for w, _ in FIELDS.values()]
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())
    for i in range(1, n + 1):
        age_days = 365 * (i - 1) / max(n - 1, 1)  # ticket 1 is a year old, ticket n arrived just now
        created = (now - timedelta(days=age_days, seconds=rng.randrange(600))).replace(microsecond=0)
        field_name = rng.choices(field_names, field_weights)[0]
        kind, summary, answer = rng.choice(TEXTS[field_name])
        channel = rng.choices(channels, channel_weights)[0]
        local_day = created.astimezone(VIETNAM_TZ).date()
        due_key = (local_day, kind)
        if due_key not in due_cache:
            due_cache[due_key] = calendar.due_at(created, due_days[kind])
        if age_days < 3:
            status = rng.choice(("received", "received", "assigned", "in_progress"))
        elif age_days < 15:
            status = rng.choice(("received", "assigned", "in_progress", "answered", "answered", "closed"))
        else:
            status = rng.choices(("answered", "closed", "in_progress", "assigned"), (40, 57, 2, 1))[0]
        agency = None
        if status != "received" and (kind != "question" or rng.random() < 0.5):
            agency = agency_ids[rng.choice(FIELDS[field_name][1])]
        by_bot = channel in CHATBOT
        changed = created + timedelta(hours=rng.uniform(1, 72)) if status != "received" else created
        yield (dict(id=i, code=f"{KIND_PREFIXES[kind]}-{created.astimezone(VIETNAM_TZ):%y%m}-{i:06d}",
                    channel=channel, kind=kind, field=field_name, procedure_code=None, summary=summary,
                    description=f"{summary}. Người dân đề nghị cơ quan chức năng kiểm tra, giải quyết.",
                    location=rng.choice(LOCATIONS),
                    citizen_name=f"{rng.choice(SURNAMES)} {rng.choice(('Văn', 'Thị'))} {rng.choice(PLACEHOLDERS)}",
                    citizen_phone=f"09{rng.randrange(10 ** 8):08d}",
                    channel_user_id=f"zalo-{i}" if by_bot else "",
                    transcript=[{"sender": "user", "text": summary, "at": created.isoformat()}] if by_bot else [],
                    agency_id=agency, assigned_to=None, status=status, due_at=due_cache[due_key],
                    created_at=created, updated_at=changed, idempotency_key=None,
                    satisfaction=rng.choice((None, 5, 4)) if status in ("answered", "closed") else None),
               [dict(ticket_id=i, actor="bot" if by_bot else "tongdaivien.bench", at=created, action="created",
                     field="status", old_value=None, new_value="received")]
               + ([dict(ticket_id=i, actor="tongdaivien.bench", at=changed, action="status", field="status",
                        old_value="received", new_value=status)] if status != "received" else []),
               [dict(ticket_id=i, kind="reply", author="tongdaivien.bench", text=answer, created_at=changed)]
               if status in ("answered", "closed") else [])


def fill_inbox(database_url: str, n: int, username: str, password: str, chunk: int = 5000) -> float:
    """Migrate, then bulk-insert agencies, an operator and `n` tickets; returns the seconds it took."""
    t0 = time.perf_counter()
    engine = make_engine(database_url)
    try:
        migrate_to_head(engine)
        with Session(engine) as session:
            agency_ids, _ = ensure_agencies(session)
            create_user(session, username, password, "operator", "Tổng đài viên (đo hiệu năng)")
        rows = inbox_rows(n, agency_ids, utc_now(), random.Random(1022))
        with engine.begin() as conn:
            while True:
                batch = list(itertools.islice(rows, chunk))
                if not batch:
                    break
                conn.execute(insert(Ticket.__table__), [t for t, _, _ in batch])
                conn.execute(insert(TicketEvent.__table__), [e for _, events, _ in batch for e in events])
                messages = [m for _, _, msgs in batch for m in msgs]
                if messages:
                    conn.execute(insert(TicketMessage.__table__), messages)
            if engine.dialect.name == "postgresql":
                # The ids were given: move the sequence past them. Statistics now, as autovacuum
                # would do a little later, so that every request is planned on the filled tables.
                conn.execute(text("SELECT setval(pg_get_serial_sequence('tickets', 'id'), "
                                  "(SELECT max(id) FROM tickets))"))
                conn.execute(text("ANALYZE tickets, ticket_events, ticket_messages"))
    finally:
        engine.dispose()
    return time.perf_counter() - t0


def login(base_url: str, username: str, password: str) -> tuple[requests.Session, str]:
    """Log in through the inbox's form, as a browser does; (session, CSRF token of the queue's forms)."""
    browser = requests.Session()
    page = browser.get(f"{base_url}/inbox/login", timeout=30)
    token = LOGIN_CSRF.search(page.text)
    if page.status_code != 200 or not token:
        raise RuntimeError(f"login page: {page.status_code}")
    r = browser.post(f"{base_url}/inbox/login", data={"csrf_token": token.group(1), "username": username,
                                                      "password": password}, allow_redirects=False, timeout=30)
    if r.status_code != 303:
        raise RuntimeError(f"login refused: {r.status_code}")
    queue = browser.get(f"{base_url}/inbox", timeout=60)
    token = LOGIN_CSRF.search(queue.text)
    if queue.status_code != 200 or not token:
        raise RuntimeError(f"queue page after login: {queue.status_code}")
    return browser, token.group(1)


TOTAL_ON_PAGE = re.compile(r"\((\d+) phiếu\)")


def inbox_requests(base_url: str, browser: requests.Session, csrf: str, bot_token: str, phone: str):
    """(label, callable returning (status, matches)) for each request measured."""
    bot = requests.Session()
    bot.headers["Authorization"] = f"Bearer {bot_token}"

    def page(method: str, path: str, data: dict | None = None):
        def call():
            r = browser.request(method, f"{base_url}{path}", data=data, timeout=60)
            found = TOTAL_ON_PAGE.search(r.text)
            return r.status_code, int(found.group(1)) if found else -1
        return call

    def api(path: str):
        def call():
            r = bot.get(f"{base_url}{path}", timeout=60)
            return r.status_code, r.json().get("total", -1) if r.status_code == 200 else -1
        return call

    return bot, [
        ("queue page `/inbox`, first page", page("GET", "/inbox")),
        ("queue page, status “Đang xử lý”", page("GET", "/inbox?status=in_progress")),
        ("queue page, overdue only", page("GET", "/inbox?overdue=1")),
        (f"queue page, search “{SEARCH_WORDS}”", page("POST", "/inbox", {"csrf_token": csrf, "q": SEARCH_WORDS})),
        ("queue page, search a phone number", page("POST", "/inbox", {"csrf_token": csrf, "q": phone})),
        ("JSON `GET /api/tickets`, first page", api("/api/tickets?limit=20")),
        ("JSON `GET /api/tickets?status=received&channel=zalo`", api("/api/tickets?status=received&channel=zalo")),
    ]


def inbox_at_scale(kind: str, options, tmp: Path) -> dict:
    result = {"database": LABELS[kind], "inbox_tickets": options.inbox_tickets}
    bot_token, username, password = secrets.token_urlsafe(24), "tongdaivien.bench", secrets.token_urlsafe(16)
    try:
        with Database(kind, tmp, options.postgres_url, "inbox") as url:
            print(f">> {LABELS[kind]}: filling the inbox with {options.inbox_tickets} tickets", file=sys.stderr)
            result["fill_s"] = round(fill_inbox(url, options.inbox_tickets, username, password), 1)
            engine = make_engine(url)
            try:
                with engine.connect() as conn:
                    result["stored"] = conn.execute(select(func.count()).select_from(Ticket)).scalar_one()
                    phone = conn.execute(select(Ticket.citizen_phone).where(Ticket.id == 1)).scalar_one()
            finally:
                engine.dispose()
            manager, base_url = backend(url, bot_token, 1, tmp / f"backend-inbox-{kind}.log")
            with manager:
                browser, csrf = login(base_url, username, password)
                bot, measured = inbox_requests(base_url, browser, csrf, bot_token, phone)
                result["requests"] = []
                for label, call in measured:
                    print(f">> {LABELS[kind]}: {label} x {options.inbox_requests}", file=sys.stderr)
                    call()  # warm-up
                    latencies, errors, matches = [], 0, -1
                    for _ in range(options.inbox_requests):
                        t = time.perf_counter()
                        status, matches = call()
                        latencies.append((time.perf_counter() - t) * 1000)
                        errors += status != 200
                    result["requests"].append({"request": label, "count": len(latencies), "errors": errors,
                                               "matches": matches, **latency_summary(latencies)})
                browser.close()
                bot.close()
    except Unreachable as e:
        result["unavailable"] = str(e)
    return result


# --- Report ---------------------------------------------------------------------------------------

def creation_ok(r: dict) -> bool:
    return r["p95_ms"] <= TARGET_CREATE_P95_MS and r["errors"] == 0 and r["consistent"]


def inbox_ok(q: dict) -> bool:
    return q["p95_ms"] <= TARGET_INBOX_P95_MS and q["errors"] == 0


def targets_met(creation: list[dict], inbox: list[dict]) -> dict:
    """Per database and worker count: whether it met the targets (unreachable databases: False)."""
    met = {}
    for r in creation:
        met[f"ticket_creation {r['database']} {r['workers']} worker(s)"] = "unavailable" not in r and creation_ok(r)
    for r in inbox:
        met[f"inbox {r['database']}"] = "unavailable" not in r and all(inbox_ok(q) for q in r["requests"])
    return met


def section(options, creation: list[dict], inbox: list[dict]) -> str:
    lines = [START, "## Backend (`make bench`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {machine()} (1-minute load average before the run: "
             f"{options.load_before:.1f}). The real backend (uvicorn, "
             "`backend.app.main:app`, knowledge base not loaded) on a database of its own: a temporary "
             f"SQLite file, or a throw-away schema in PostgreSQL at {_server_of(options.postgres_url)}. The "
             "clients run on the same machine and share its cores with the server. SQLite gets one uvicorn "
             "worker (one writer at a time: more processes would only queue for its lock); PostgreSQL is "
             "measured with each worker count listed (workers starting together are safe: the migrations "
             "at start-up take an advisory lock).", "",
             f"Ticket creation: {options.clients} concurrent clients (keep-alive connections) create "
             f"{options.tickets} tickets with `POST /api/tickets` and the bot token (Vietnamese texts, every "
             "channel and kind, a unique `Idempotency-Key` each). Errors are responses other than 201; "
             "\"stored\" counts the run's tickets in the database afterwards (distinct codes):", "",
             "| database | uvicorn workers | tickets | 201 | errors | stored | throughput | p50 | p95 | p99 | target |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in creation:
        if "unavailable" in r:
            lines.append(f"| {r['database']} | {r['workers']} | {r['unavailable']} | | | | | | | | |")
            continue
        stored = f"{r['stored']} ({r['stored_codes']})" + ("" if r["consistent"] else " **mismatch**")
        lines.append(f"| {r['database']} | {r['workers']} | {r['tickets']} | {r['created']} | {r['errors']} | "
                     f"{stored} | {r['throughput_per_s']} tickets/s | {r['p50_ms']} ms | {r['p95_ms']} ms | "
                     f"{r['p99_ms']} ms | {'met' if creation_ok(r) else '**not met**'} |")
    lines += ["", f"Operator inbox: a fresh database filled with {options.inbox_tickets} tickets over a year "
              "(bulk insert after the migrations: statuses, channels, fields, agencies, due dates, history, "
              "public replies), an operator logged in through the login form; each request "
              f"{options.inbox_requests} times, one after another (\"matches\" is the total the page reports):", "",
              "| database | fill | request | p50 | p95 | matches | target |", "|---|---|---|---|---|---|---|"]
    for r in inbox:
        if "unavailable" in r:
            lines.append(f"| {r['database']} | | {r['unavailable']} | | | | |")
            continue
        for q in r["requests"]:
            errors = f" ({q['errors']} errors)" if q["errors"] else ""
            lines.append(f"| {r['database']} | {r['fill_s']} s | {q['request']}{errors} | {q['p50_ms']} ms | "
                         f"{q['p95_ms']} ms | {q['matches']} | {'met' if inbox_ok(q) else '**not met**'} |")
    lines += ["", f"Targets: with 50 concurrent clients, ticket creation p95 ≤ {TARGET_CREATE_P95_MS:.0f} ms, no "
              "errors, exactly one stored ticket per 201; with 100,000 tickets, every inbox request above p95 ≤ "
              f"{TARGET_INBOX_P95_MS:.0f} ms. For scale: a busy province's 3–5 thousand contacts a day average "
              "well under one ticket a second.", END]
    return "\n".join(lines)


def write_section(doc: Path, new: str) -> None:
    """Replace the backend section in `doc` (re-read now: others may have changed it), or add it
    after the assistant section, or at the end."""
    current = doc.read_text(encoding="utf-8") if doc.exists() else "# Benchmarks\n"
    if START in current and END in current:
        current = current[:current.index(START)] + new + current[current.index(END) + len(END):]
    elif AFTER in current:
        at = current.index(AFTER) + len(AFTER)
        current = current[:at] + "\n\n" + new + current[at:]
    else:
        current = current.rstrip() + "\n\n" + new + "\n"
    doc.write_text(current, encoding="utf-8")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=int(env.get("BENCH_TICKETS", "2000")),
                        help="tickets created under load (BENCH_TICKETS, default 2000)")
    parser.add_argument("--clients", type=int, default=int(env.get("BENCH_CLIENTS", "50")),
                        help="concurrent clients (BENCH_CLIENTS, default 50)")
    parser.add_argument("--inbox-tickets", type=int, default=int(env.get("BENCH_INBOX_TICKETS", "100000")),
                        help="tickets in the inbox database (BENCH_INBOX_TICKETS, default 100000)")
    parser.add_argument("--inbox-requests", type=int, default=int(env.get("BENCH_INBOX_REQUESTS", "50")),
                        help="requests per inbox page measured (BENCH_INBOX_REQUESTS, default 50)")
    parser.add_argument("--databases", default=env.get("BENCH_DATABASES", "sqlite,postgresql"),
                        help="comma-separated: sqlite, postgresql (BENCH_DATABASES)")
    parser.add_argument("--postgres-workers", default=env.get("BENCH_POSTGRES_WORKERS", "1,2"),
                        help="uvicorn worker counts measured on PostgreSQL (BENCH_POSTGRES_WORKERS, default 1,2)")
    parser.add_argument("--postgres-url", default=env.get("BENCH_POSTGRES_URL") or env.get("POSTGRES_TEST_URL")
                        or DEFAULT_POSTGRES_URL, help="PostgreSQL database (a schema is created and dropped in it)")
    parser.add_argument("--doc", type=Path, default=Path(env.get("BENCH_DOC", str(DOC))),
                        help="Markdown file whose backend section is replaced (BENCH_DOC)")
    options = parser.parse_args(argv)
    options.databases = [d.strip() for d in options.databases.split(",") if d.strip()]
    unknown = set(options.databases) - set(LABELS)
    if unknown:
        parser.error(f"unknown databases: {sorted(unknown)}")
    options.postgres_workers = [int(w) for w in options.postgres_workers.split(",") if w.strip()]
    if min(options.tickets, options.clients, options.inbox_tickets, options.inbox_requests) < 1:
        parser.error("counts must be positive")
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    options.load_before = os.getloadavg()[0]
    creation, inbox = [], []
    with tempfile.TemporaryDirectory(prefix="backend-bench-") as tmp_name:
        tmp = Path(tmp_name)
        for kind in options.databases:
            for workers in ([1] if kind == "sqlite" else options.postgres_workers):
                creation.append(ticket_creation(kind, workers, options, tmp))
        for kind in options.databases:
            inbox.append(inbox_at_scale(kind, options, tmp))
    met = targets_met(creation, inbox)
    text_section = section(options, creation, inbox)
    write_section(options.doc, text_section)
    print(text_section)
    print(json.dumps({"load_average_before": round(options.load_before, 2), "ticket_creation": creation,
                      "inbox": inbox, "targets_met": met}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

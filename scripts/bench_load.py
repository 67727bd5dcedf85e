"""Load test (`make bench-load`): simulated citizens hold multi-turn conversations over the REST
channel against the whole system, in the embedded default and in the scale-out configuration.

    CONVERSATIONS=100 DURATION_S=120 CONFIGS=embedded,scaled .venv/app/bin/python scripts/bench_load.py

Each configuration is started from scripts/run.py's own service definitions on free ports, with
databases of its own (a temporary SQLite folder; throw-away PostgreSQL databases and Redis keys for
the scale-out), warmed up, loaded for DURATION_S seconds by CONVERSATIONS concurrent citizens, and
stopped. Citizens read the answer and type the next message (THINK_S, default 8-25 s: an answer
runs to several lines, and Vietnamese is typed on a phone), ask with and without
diacritics, follow up, pick a clarification button, file complaints that become tickets, and ask
for their ticket's status.

Reported per configuration: throughput, p50/p95/p99 reply latency, errors (no reply, an HTTP or
connection error, or the bot's "system busy" apology), tickets expected (complaints the citizen
confirmed) against tickets found in the backend afterwards (lost and duplicated ones named), and
the memory of every process. Results go to docs/benchmarks.md between the load markers; the last
line printed is one JSON object (the last configuration measured, the others under "configs").
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import run as supervisor  # noqa: E402  (scripts/run.py: the services make run starts)
from knowledge_base.bench import machine  # noqa: E402
from tests.stack import free_port  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START, END = "<!-- load:start -->", "<!-- load:end -->"
CODE = re.compile(r"\b(?:HD|PA|YC)-\d{4}-\d{6}\b")
BUSY = "hệ thống đang bận"
QUEUED = "mã phiếu sẽ được gửi cho Anh/Chị"
BOT_TOKEN = "bench-load-bot-token"
RASA_TOKEN = "bench-load-rasa-token"
BUTTON = "<button>"  # send the payload of the first button of the previous reply
COMPLAINT_CONFIRM = "đồng ý"
POSTGRES = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")

WARM_UP = ["đăng ký thường trú hết bao nhiêu tiền", "lam ho chieu mat bao lau", "khai sinh cần giấy tờ gì"]

# Conversations as citizens hold them. A complaint goes through the ticket form (what and where,
# phone, name), is confirmed, becomes a ticket, and the citizen then asks how it is going.
SCRIPTS = [
    ["chào ad", "đăng ký thường trú hết bao nhiêu tiền", "còn thời gian giải quyết thì sao?", "cảm ơn"],
    ["dang ky thuong tru can giay to gi", "le phi bao nhieu", "lam online dc ko"],
    ["làm hộ chiếu mất bao lâu", "nộp ở đâu ạ", "cần mang gì"],
    ["ho chieu lam o dau", BUTTON, "le phi bao nhieu"],
    ["cho e hỏi làm khai sinh cho con cần giấy tờ j ạ", "có mất phí không", "xem đầy đủ"],
    ["cấp đổi cccd hết hạn làm ở đâu", "mất bao lâu", "cảm ơn ad nhiều"],
    ["gplx bi mat lam lai the nao", "phi bao nhieu"],
    ["sổ đỏ lần đầu cần những gì", "nộp ở xã được không"],
    ["Đèn đường trước ngõ 12 Lê Lợi, phường Hòa An hỏng cả tuần nay, tối rất nguy hiểm", "sdt 0912345678",
     "bỏ qua", COMPLAINT_CONFIRM, "ho so cua toi the nao"],
    ["rac thai do trom o dau hem 45 Nguyen Trai phuong 3 may ngay chua ai don, boc mui qua", "0987654321",
     "Tran Van Binh", COMPLAINT_CONFIRM, "phản ánh của tôi xử lý đến đâu rồi"],
]


def post_json(url: str, body: dict, timeout: float = 60) -> list[dict]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def first_button(replies: list[dict]) -> str | None:
    for reply in replies:
        for button in reply.get("buttons") or []:
            if button.get("payload"):
                return button["payload"]
    return None


class Tally:
    def __init__(self):
        self.lock = threading.Lock()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.conversations = 0
        self.confirmed: dict[str, str | None] = {}  # sender -> the code the bot gave (None: queued)
        self.status_answered = 0
        self.status_asked = 0
        self.senders: list[str] = []
        self.replies: dict[str, str] = {}  # sender -> the acknowledgement, to explain a lost ticket


def citizen(n: int, rasa_url: str, stop_at: float, think: tuple[float, float], tally: Tally,
            scripts: list[list[str]] = SCRIPTS, stop: threading.Event | None = None) -> None:
    """One simulated citizen: conversation after conversation until stop_at (or `stop` is set)."""
    rng = random.Random(n)

    def over() -> bool:
        return time.monotonic() >= stop_at or (stop is not None and stop.is_set())

    time.sleep(rng.uniform(0, think[1]))  # citizens do not all arrive in the same second
    while not over():
        sender = f"load-{n}-{uuid.uuid4().hex[:10]}"
        with tally.lock:
            tally.senders.append(sender)
        replies: list[dict] = []
        code = None
        for text in rng.choice(scripts):
            if text == BUTTON:
                text = first_button(replies) or "1"
            started = time.perf_counter()
            try:
                replies = post_json(f"{rasa_url}/webhooks/rest/webhook", {"sender": sender, "message": text})
                said = "\n".join(r.get("text") or "" for r in replies)
                error = None if replies and BUSY not in said else ("busy reply" if replies else "no reply")
            except Exception as exc:  # counted, not raised: the benchmark reports errors
                replies, said, error = [], "", type(exc).__name__
            elapsed = (time.perf_counter() - started) * 1000
            with tally.lock:
                tally.latencies.append(elapsed)
                if error:
                    tally.errors.append(f"{error}: {text[:40]}")
                if text == COMPLAINT_CONFIRM and not error:
                    # Acknowledged: the bot gave the code, or said the ticket is recorded and its
                    # code will follow (the backend was down). Anything else is no promise.
                    found = CODE.search(said)
                    code = found.group(0) if found else None
                    if code or QUEUED in said:
                        tally.confirmed[sender] = code
                        tally.replies[sender] = said[:300]
                    else:
                        tally.errors.append(f"complaint not acknowledged: {said[:80]}")
                elif code and text not in (COMPLAINT_CONFIRM,) and ("hồ sơ" in text or "phản ánh" in text
                                                                    or "ho so" in text):
                    tally.status_asked += 1
                    tally.status_answered += code in said
            if over():
                break
            time.sleep(rng.uniform(*think))
        with tally.lock:
            tally.conversations += 1


def tickets_of(backend_url: str, sender: str) -> list[str]:
    request = urllib.request.Request(f"{backend_url}/api/tickets?channel_user_id={sender}&limit=100",
                                     headers={"Authorization": f"Bearer {BOT_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return [t["code"] for t in json.loads(response.read())["items"]]


def count_tickets(backend_url: str, confirmed: dict[str, str | None], wait_s: float = 60) -> dict:
    """Every confirmed complaint must exist exactly once (queued ones may take a moment)."""
    deadline = time.monotonic() + wait_s
    while True:
        found = {sender: tickets_of(backend_url, sender) for sender in confirmed}
        missing = [s for s, codes in found.items() if not codes]
        if not missing or time.monotonic() > deadline:
            break
        time.sleep(2)
    duplicated = [s for s, codes in found.items() if len(codes) > 1]
    wrong_code = [s for s, code in confirmed.items() if code and code not in found[s]]
    return {"tickets_expected": len(confirmed), "tickets_created": sum(len(c) for c in found.values()),
            "tickets_lost": len(missing), "tickets_duplicated": len(duplicated),
            "tickets_code_mismatch": len(wrong_code), "lost_senders": missing[:5]}


def run_load(rasa_url: str, conversations: int, duration_s: float, think: tuple[float, float],
             scripts: list[list[str]] = SCRIPTS) -> tuple[dict, Tally]:
    tally = Tally()
    stop_at = time.monotonic() + duration_s
    threads = [threading.Thread(target=citizen, args=(i, rasa_url, stop_at, think, tally, scripts), daemon=True)
               for i in range(conversations)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    ordered = sorted(tally.latencies)

    def pct(p: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(p * len(ordered)))], 1) if ordered else 0.0

    return ({"conversations": conversations, "duration_s": round(wall, 1), "messages": len(ordered),
             "conversations_held": tally.conversations, "errors": len(tally.errors),
             "throughput_msg_s": round(len(ordered) / wall, 2) if wall else 0.0,
             "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
             "status_checks": tally.status_asked, "status_checks_answered": tally.status_answered,
             "error_samples": sorted(set(tally.errors))[:5]}, tally)


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (its process group)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != pid:
                continue
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total / 1024


# --- starting a configuration -----------------------------------------------------------------------


def _postgres_admin(sql: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES)
    with psycopg.connect(host=url.host, port=url.port or 5432, user=url.username, password=url.password,
                         dbname=url.database, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


@contextmanager
def configuration(name: str, tmp: Path):
    """Start a configuration on free ports with stores of its own; yields (rasa_url, backend_url,
    {service: pid})."""
    ports = {"RASA_PORT": free_port(), "BACKEND_PORT": free_port()}
    env = {**ports, "BACKEND_BOT_TOKEN": BOT_TOKEN, "RASA_API_TOKEN": RASA_TOKEN, "SEED_DEMO_DATA": "0",
           "TICKET_OUTBOX_DB": str(tmp / "outbox.db"), "RASA_MAILBOX_DB": str(tmp / "mailbox.db"),
           "CHANNEL_STATE_DIR": str(tmp), "DELIVERY_POLL_SECONDS": "1"}
    dropped: list[str] = []
    if name == "embedded":
        env.update({"ACTION_SERVER_PORT": free_port(), "RASA_TRACKER_DB": str(tmp / "tracker.db"),
                    "DATABASE_URL": f"sqlite:///{tmp / 'backend.db'}"})
    else:
        suffix = uuid.uuid4().hex[:8]
        backend_db, tracker_db = f"bench_backend_{suffix}", f"bench_rasa_{suffix}"
        env.update({"ACTION_SERVER_PORT": free_port(), "ACTION_FIRST_PORT": free_port(),
                    "RASA_FIRST_PORT": free_port(),
                    "DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{backend_db}",
                    "RASA_TRACKER_DB": tracker_db, "REDIS_LOCK_DB": "3",
                    "SOCKETIO_REDIS_URL": "redis://127.0.0.1:6379/4"})
        dropped = [backend_db, tracker_db]
    env = {k: str(v) for k, v in env.items()}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    children: dict[str, subprocess.Popen] = {}
    logs = []
    try:
        if name == "scaled":
            supervisor.ensure_postgres_databases()
        services = supervisor.services(scaled=(name == "scaled"))
        full_env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
        for svc in services:
            log = open(tmp / f"{svc.name}.log", "w")
            logs.append(log)
            children[svc.name] = subprocess.Popen(svc.argv, cwd=ROOT, env={**full_env, **svc.env},
                                                  stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 600
        waiting = {svc.name: svc.health_url for svc in services if svc.health_url}
        while waiting:
            for svc_name, url in list(waiting.items()):
                if supervisor.healthy(url):
                    del waiting[svc_name]
            dead = [n for n, p in children.items() if p.poll() is not None]
            if dead or time.monotonic() > deadline:
                raise RuntimeError(f"{name}: {', '.join(dead) or ', '.join(waiting)} did not start; see {tmp}")
            time.sleep(1)
        rasa_url = f"http://127.0.0.1:{ports['RASA_PORT']}"
        backend_url = f"http://127.0.0.1:{ports['BACKEND_PORT']}"
        # Warm every server up: TensorFlow traces its graphs on a Rasa server's first message, an
        # action server loads the search index on its first question (the action balancer takes
        # turns, so a few questions reach them all).
        for svc in services:
            if svc.name == "rasa" or (svc.name.startswith("rasa-") and svc.name != "rasa-balancer"):
                for n, question in enumerate(WARM_UP):
                    post_json(f"http://127.0.0.1:{svc.port}/webhooks/rest/webhook",
                              {"sender": f"warm-{svc.name}-{n}", "message": question}, timeout=300)
        yield rasa_url, backend_url, {n: p.pid for n, p in children.items()}
    finally:
        supervisor.stop_all(children)
        for log in logs:
            log.close()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        for database in dropped:
            try:
                _postgres_admin(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            except Exception as e:
                print(f">> could not drop {database}: {e}", file=sys.stderr)


def measure(name: str, conversations: int, duration_s: float, think: tuple[float, float]) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-load-{name}-") as tmp:
        print(f">> {name}: starting the services", file=sys.stderr, flush=True)
        with configuration(name, Path(tmp)) as (rasa_url, backend_url, pids):
            print(f">> {name}: {conversations} citizens for {duration_s:.0f} s", file=sys.stderr, flush=True)
            result, tally = run_load(rasa_url, conversations, duration_s, think)
            memory = {service: round(rss_mb(pid)) for service, pid in pids.items()}
            result.update(count_tickets(backend_url, tally.confirmed))
            result["memory_mb"] = memory
            result["memory_total_mb"] = sum(memory.values())
            result["configuration"] = name
    print(f">> {name}: {json.dumps(result, ensure_ascii=False)}", file=sys.stderr, flush=True)
    return result


LABELS = {"embedded": "embedded default (1 Rasa, 1 action server, backend on SQLite)",
          "scaled": "scale-out (2 Rasa and 2 action servers behind balancers, PostgreSQL trackers, Redis locks, "
                    "backend on PostgreSQL with 2 workers)"}


def write_doc(results: list[dict], think: tuple[float, float]) -> None:
    lines = [START, "## Load (`make bench-load`)", "",
             f"Measured {time.strftime('%Y-%m-%d')} on {machine()}. The load generator runs on the same "
             f"machine and shares its 2 cores. Each simulated citizen holds one conversation after another over "
             f"the REST channel (questions with and without diacritics, follow-ups, a clarification button, "
             f"complaints that become tickets, status checks), pausing {think[0]:g}–{think[1]:g} s between "
             f"messages. Errors: no reply, an HTTP or connection error, or the bot's “system busy” apology. "
             f"Tickets: every complaint the citizen confirmed must exist exactly once in the backend.", "",
             "| configuration | conversations | duration | messages | errors | throughput | p50 | p95 | p99 "
             "| tickets expected | created | lost | duplicated | status checks answered | target (p95 ≤ 1.5 s, "
             "0 errors, 0 lost) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        met = r["p95_ms"] <= 1500 and r["errors"] == 0 and r["tickets_lost"] == 0 and r["tickets_duplicated"] == 0
        lines.append(f"| {LABELS[r['configuration']]} | {r['conversations']} | {r['duration_s']:.0f} s | "
                     f"{r['messages']} | {r['errors']} | {r['throughput_msg_s']} msg/s | {r['p50_ms']} ms | "
                     f"{r['p95_ms']} ms | {r['p99_ms']} ms | {r['tickets_expected']} | {r['tickets_created']} | "
                     f"{r['tickets_lost']} | {r['tickets_duplicated']} | {r['status_checks_answered']}/"
                     f"{r['status_checks']} | {'met' if met else '**not met**'} |")
    lines += ["", "Memory after the load (resident, each process with its children):", "",
              "| configuration | " + " | ".join(["process", "MB"]) + " |", "|---|---|---|"]
    for r in results:
        for service, mb in r["memory_mb"].items():
            lines.append(f"| {r['configuration']} | {service} | {mb} |")
        lines.append(f"| {r['configuration']} | **total** | **{r['memory_total_mb']}** |")
    lines.append(END)
    block = "\n".join(lines)
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    if START in text and END in text:
        text = text[: text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text, encoding="utf-8")


def main() -> int:
    conversations = int(os.environ.get("CONVERSATIONS", "100"))
    duration_s = float(os.environ.get("DURATION_S", "120"))
    low, _, high = os.environ.get("THINK_S", "8-25").partition("-")
    think = (float(low), float(high or low))
    configs = [c.strip() for c in os.environ.get("CONFIGS", "embedded,scaled").split(",") if c.strip()]
    unknown = set(configs) - set(LABELS)
    if unknown:
        print(f"CONFIGS: unknown configuration(s) {', '.join(sorted(unknown))}; known: {', '.join(LABELS)}",
              file=sys.stderr)
        return 2
    results = [measure(name, conversations, duration_s, think) for name in configs]
    if os.environ.get("BENCH_WRITE_DOC", "1") != "0":
        write_doc(results, think)
    last = dict(results[-1])
    last["configs"] = {r["configuration"]: {k: r[k] for k in ("messages", "errors", "p50_ms", "p95_ms", "p99_ms",
                                                                "tickets_expected", "tickets_created")}
                       for r in results}
    print(json.dumps(last, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

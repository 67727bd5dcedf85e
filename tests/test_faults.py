"""Faults under load, in the scale-out configuration (`make run-scaled`, scripts/run.py --scaled).

The whole configuration runs under its own supervisor, with a PostgreSQL and a Redis of the test's
own (so they can be killed without touching the machine's). While simulated citizens talk to it
(questions and complaints that become tickets), a Rasa server, an action server, the backend and
PostgreSQL are killed with SIGKILL one after the other; the supervisor starts the processes again,
the test restarts PostgreSQL. Afterwards every ticket a citizen confirmed exists exactly once and
every conversation goes on. Then Redis, the lock store, goes away: citizens get a clear apology,
not silence, and once it is back their conversations continue with intact trackers.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.private_postgres import PrivatePostgres, postgres_bin
from tests.stack import APP_PY, MODEL, ROOT, free_port, healthy, stop_supervisor

sys.path.insert(0, str(ROOT / "scripts"))
import bench_load  # noqa: E402  (scripts/bench_load.py: the simulated citizens)

pytestmark = [pytest.mark.skipif(not MODEL.exists(), reason="no trained model: run `make model`"),
              pytest.mark.skipif(postgres_bin() is None, reason="no PostgreSQL server binaries"),
              pytest.mark.skipif(not Path("/usr/bin/redis-server").exists(), reason="no redis-server")]

BUSY = "hệ thống đang bận"
COMPLAINTS = [s for s in bench_load.SCRIPTS if bench_load.COMPLAINT_CONFIRM in s]
MIXED = COMPLAINTS * 2 + [s for s in bench_load.SCRIPTS if bench_load.BUTTON not in s][:4]


class PrivateRedis:
    def __init__(self, port: int, folder: Path):
        self.port, self.folder, self.proc = port, folder, None

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                      "--save", "", "--appendonly", "no", "--dir", str(self.folder)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_until(lambda: _redis_ping(self.port), 20, "private Redis did not start")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def _redis_ping(port: int) -> bool:
    import socket

    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_until(check, timeout: float, message: str):
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(message)
        time.sleep(0.5)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("faults")
    pg = PrivatePostgres(free_port())
    pg.init()
    pg.start()
    redis = PrivateRedis(free_port(), tmp)
    redis.start()
    ports = {"RASA_PORT": free_port(), "BACKEND_PORT": free_port(), "ACTION_SERVER_PORT": free_port(),
             "RASA_FIRST_PORT": free_port(), "ACTION_FIRST_PORT": free_port()}
    env = dict(os.environ, PYTHONPATH=str(ROOT), **{k: str(v) for k, v in ports.items()},
               DATABASE_URL=pg.url("tongdai1022"), RASA_TRACKER_PORT=str(pg.port), RASA_TRACKER_DB="tongdai1022_rasa",
               REDIS_PORT=str(redis.port), REDIS_LOCK_DB="1", SOCKETIO_REDIS_URL=f"redis://127.0.0.1:{redis.port}/2",
               BACKEND_BOT_TOKEN=bench_load.BOT_TOKEN, RASA_API_TOKEN=bench_load.RASA_TOKEN, BACKEND_LOAD_KB="0",
               TICKET_OUTBOX_DB=str(tmp / "outbox.db"), RASA_MAILBOX_DB=str(tmp / "mailbox.db"),
               CHANNEL_STATE_DIR=str(tmp), OUTBOX_RETRY_SECONDS="1", DELIVERY_POLL_SECONDS="1",
               RUN_PIDS_FILE=str(tmp / "pids.json"), RASA_TELEMETRY_ENABLED="false")
    log = open(tmp / "run-scaled.log", "w")
    supervisor = subprocess.Popen([str(APP_PY), "scripts/run.py", "--scaled"], cwd=ROOT, env=env, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
    rasa_url, backend_url = f"http://127.0.0.1:{ports['RASA_PORT']}", f"http://127.0.0.1:{ports['BACKEND_PORT']}"
    rasa_direct = [f"http://127.0.0.1:{ports['RASA_FIRST_PORT'] + i}" for i in range(2)]
    try:
        wait_until(lambda: ">> ready" in (tmp / "run-scaled.log").read_text() or supervisor.poll() is not None,
                   900, "the scale-out configuration did not start")
        assert supervisor.poll() is None, (tmp / "run-scaled.log").read_text()[-3000:]
        for url in rasa_direct:  # TensorFlow traces its graphs on a server's first message
            bench_load.post_json(f"{url}/webhooks/rest/webhook",
                                 {"sender": "warm-up", "message": "đăng ký thường trú hết bao nhiêu tiền"}, timeout=300)
        yield {"rasa": rasa_url, "backend": backend_url, "rasa_direct": rasa_direct, "pg": pg, "redis": redis,
               "pids": tmp / "pids.json", "log": tmp / "run-scaled.log", "tmp": tmp}
    finally:
        stop_supervisor(supervisor, timeout=60)
        log.close()
        redis.kill()
        pg.remove()


def kill_service(stack, name: str) -> None:
    pid = json.loads(stack["pids"].read_text())[name]
    os.killpg(pid, signal.SIGKILL)
    # The supervisor notices and starts it again with a new process id.
    wait_until(lambda: json.loads(stack["pids"].read_text())[name] != pid, 30, f"{name} was not restarted")


def outbox_rows(stack, sender: str) -> list[tuple]:
    import sqlite3

    with sqlite3.connect(stack["tmp"] / "outbox.db") as db:
        return db.execute("SELECT kind, state, attempts, last_error, code FROM outbox WHERE sender_id = ?",
                          (sender,)).fetchall()


def all_ready(stack) -> bool:
    return (all(healthy(f"{url}/webhooks/rest/") for url in stack["rasa_direct"])
            and healthy(f"{stack['backend']}/health/ready"))


def test_kill_9_rasa_actions_backend_and_postgres_under_load(stack):
    tally = bench_load.Tally()
    stop = threading.Event()  # set once the faults are over
    threads = [threading.Thread(target=bench_load.citizen, daemon=True,
                                args=(n, stack["rasa"], time.monotonic() + 3600, (0.3, 1.0), tally, MIXED, stop))
               for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(8)
        kill_service(stack, "rasa-1")
        time.sleep(8)
        kill_service(stack, "actions-1")
        time.sleep(8)
        kill_service(stack, "backend")
        time.sleep(8)
        stack["pg"].kill()
        time.sleep(3)
        stack["pg"].start()
        wait_until(lambda: all_ready(stack), 300, "the services did not all come back")
        time.sleep(10)  # load on the recovered system
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=120)
    assert tally.confirmed, "no citizen got as far as confirming a complaint"
    assert len(tally.latencies) > 50

    # Every confirmed complaint is stored exactly once (those queued while the backend or the
    # database was down included), under the code the citizen was given.
    # A queued ticket is retried with a backoff of up to five minutes (actions/outbox.py).
    tickets = bench_load.count_tickets(stack["backend"], tally.confirmed, wait_s=330)
    lost = {s: (tally.replies.get(s), outbox_rows(stack, s)) for s in tickets["lost_senders"]}
    assert tickets["tickets_lost"] == 0 and tickets["tickets_duplicated"] == 0, (tickets, lost)
    assert tickets["tickets_code_mismatch"] == 0 and tickets["tickets_created"] == len(tally.confirmed), tickets

    # Every conversation goes on, on whichever server, with its tracker readable.
    for sender in tally.senders:
        replies = bench_load.post_json(f"{stack['rasa']}/webhooks/rest/webhook", {"sender": sender, "message": "cảm ơn"})
        said = "\n".join(r.get("text") or "" for r in replies)
        assert replies and BUSY not in said, (sender, replies)
    for sender in tally.senders[:10]:
        with urllib.request.urlopen(f"{stack['rasa']}/conversations/{sender}/tracker?token={bench_load.RASA_TOKEN}",
                                    timeout=30) as response:
            events = json.loads(response.read())["events"]
        assert [e for e in events if e["event"] == "user"], sender


def test_lock_store_unavailable_gives_a_clear_error_and_no_corrupted_tracker(stack):
    sender = "faults-redis-1"
    before = bench_load.post_json(f"{stack['rasa']}/webhooks/rest/webhook",
                                  {"sender": sender, "message": "làm hộ chiếu mất bao lâu"})
    assert "1.00" in "\n".join(r.get("text") or "" for r in before)
    stack["redis"].kill()
    try:
        during = bench_load.post_json(f"{stack['rasa']}/webhooks/rest/webhook",
                                      {"sender": sender, "message": "nộp ở đâu ạ"}, timeout=120)
        # The citizen is told plainly that the system is busy; the log names the cause.
        assert BUSY in "\n".join(r.get("text") or "" for r in during), during
        log = stack["log"].read_text()
        assert "LockError" in log or "ConnectionError" in log or "Redis" in log, log[-2000:]
    finally:
        stack["redis"].start()
    after = bench_load.post_json(f"{stack['rasa']}/webhooks/rest/webhook",
                                 {"sender": sender, "message": "nộp ở đâu ạ"}, timeout=120)
    said = "\n".join(r.get("text") or "" for r in after)
    assert BUSY not in said and "hộ chiếu" in said.lower(), after  # the follow-up still knows the procedure
    with urllib.request.urlopen(f"{stack['rasa']}/conversations/{sender}/tracker?token={bench_load.RASA_TOKEN}",
                                timeout=30) as response:
        events = json.loads(response.read())["events"]
    user_turns = [e["text"] for e in events if e["event"] == "user"]
    assert user_turns[0] == "làm hộ chiếu mất bao lâu" and user_turns[-1] == "nộp ở đâu ạ", user_turns

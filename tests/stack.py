"""Start the assistant's real processes for a test, on free ports, and always stop them."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from scripts.run import healthy

ROOT = Path(__file__).resolve().parent.parent
APP_PY = ROOT / ".venv" / "app" / "bin" / "python"
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"
MODEL = ROOT / "models" / "tongdai1022.tar.gz"
QUIET = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}; log:\n{log.read_text()[-3000:]}")
        if healthy(url):
            return
        time.sleep(0.5)
    raise TimeoutError(f"{url} not healthy after {timeout} s; log:\n{log.read_text()[-3000:]}")


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        except ProcessLookupError:
            pass


def children_of(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stop_supervisor(proc: subprocess.Popen, timeout: float = 30) -> None:
    """SIGTERM makes scripts/run.py stop its services; anything still alive afterwards is killed."""
    services = children_of(proc.pid)  # each leads a process group of its own
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    for pid in services:
        try:
            os.killpg(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def process(argv: list[str], log: Path, env: dict[str, str] | None = None, health_url: str = "",
            timeout: float = 120.0):
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1", **QUIET, **(env or {}))
    with open(log, "wb") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)
    try:
        if health_url:
            wait_healthy(health_url, proc, timeout, log)
        yield proc
    finally:
        stop(proc)


RASA_API_TOKEN = "test-rasa-token"
BACKEND_BOT_TOKEN = "test-bot-token"  # the backend processes tests start and the action server share it


def backend_server(port: int, database: Path, log: Path, rasa_port: int | None = None):
    """The backend on its own SQLite file, without the knowledge base; with `rasa_port` its delivery
    dispatcher sends to that Rasa every half second."""
    env = {"DATABASE_URL": f"sqlite:///{database}", "BACKEND_BOT_TOKEN": BACKEND_BOT_TOKEN, "BACKEND_LOAD_KB": "0"}
    if rasa_port:
        env.update({"RASA_URL": f"http://127.0.0.1:{rasa_port}", "RASA_API_TOKEN": RASA_API_TOKEN,
                    "DELIVERY_POLL_SECONDS": "0.5"})
    return process([str(APP_PY), "-m", "uvicorn", "backend.app.main:app", "--host", "127.0.0.1",
                    "--port", str(port)], log, env=env, health_url=f"http://127.0.0.1:{port}/health")


def action_server(port: int, log: Path, backend_port: int | None = None, rasa_port: int | None = None,
                  outbox: Path | None = None):
    """The action server; with `backend_port` it talks to that backend (otherwise to a port where
    nothing listens: tickets then wait in the outbox), with `rasa_port` it can push to Rasa."""
    env = {"BACKEND_URL": f"http://127.0.0.1:{backend_port or 9}", "BACKEND_BOT_TOKEN": BACKEND_BOT_TOKEN,
           "RASA_API_TOKEN": RASA_API_TOKEN,
           "TICKET_OUTBOX_DB": str(outbox or log.with_name(log.stem + "-outbox.db")), "OUTBOX_RETRY_SECONDS": "1"}
    if rasa_port:
        env["RASA_URL"] = f"http://127.0.0.1:{rasa_port}"
    return process([str(APP_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)], log, env=env,
                   health_url=f"http://127.0.0.1:{port}/health")


def rasa_server(port: int, action_port: int, tmp: Path, log: Path, mailbox: Path | None = None,
                env: dict[str, str] | None = None):
    return process(
        [str(RASA_PY), "-m", "rasa", "run", "--model", str(MODEL), "--endpoints", "bot/endpoints.yml",
         "--credentials", "bot/credentials.yml", "--port", str(port), "--interface", "127.0.0.1",
         "--enable-api", "--auth-token", RASA_API_TOKEN],
        log, env={"ACTION_ENDPOINT_URL": f"http://127.0.0.1:{action_port}/webhook",
                  "RASA_TRACKER_DB": str(tmp / "tracker.db"),
                  "RASA_MAILBOX_DB": str(mailbox or tmp / "mailbox.db"), "CHANNEL_STATE_DIR": str(tmp),
                  **(env or {})},
        health_url=f"http://127.0.0.1:{port}/webhooks/rest/", timeout=240)


def say(rasa_port: int, sender: str, text: str, timeout: float = 60) -> list[dict]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{rasa_port}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": text}).encode(),
        headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def warm_up(rasa_port: int, timeout: float = 300) -> None:
    """One conversation through NLU, dialogue and an action: the first message after start-up
    traces the TensorFlow graphs and loads the knowledge base in the action server, which on a
    busy 2-core machine can take longer than any single test should wait."""
    say(rasa_port, "warm-up", "đăng ký thường trú hết bao nhiêu tiền", timeout=timeout)


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)

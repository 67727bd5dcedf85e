"""Start the 1022 assistant's processes and keep them in one process group.

`make run` calls this after the environments, the index and the Rasa model are built:

    action server  (app env)   ACTION_SERVER_PORT, default 5055
    Rasa server    (rasa env)  RASA_PORT, default 5005: REST and socketio channels
    1022 backend   (app env)   BACKEND_PORT, default 8000: the widget demo page and APIs

`make run-scaled` (`--scaled`) starts the scale-out configuration on this machine instead: two Rasa
servers (RASA_SERVERS, ports 5105...) with their tracker store on PostgreSQL and their lock store
on Redis, behind a load balancer on RASA_PORT (scripts/balancer.py); two action servers
(ACTION_SERVERS, ports 5155...) behind a balancer on ACTION_SERVER_PORT; the backend on PostgreSQL
with BACKEND_WORKERS (default 2) uvicorn workers. A child that dies is started again (as an
orchestrator would restart a container), unless it keeps dying. See docs/scaling.md.

RUN_PIDS_FILE, when set, names a JSON file kept up to date with each service's process id.
LOG_FORMAT=json makes every process log one JSON object a line (bot/logging-json.yml).

Every child runs in a process group of its own; on Ctrl-C, SIGTERM, or the death of any child,
all groups are terminated (then killed after a grace period), so an interrupted run leaves no
stray processes. Once every service answers its health check, the addresses are printed.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PY = ROOT / ".venv" / "app" / "bin" / "python"
RASA_PY = ROOT / ".venv" / "rasa" / "bin" / "python"
MODEL = ROOT / "models" / "tongdai1022.tar.gz"
GRACE_SECONDS = 10


@dataclass
class Service:
    name: str
    argv: list[str]
    port: int
    health_url: str = ""
    env: dict[str, str] = field(default_factory=dict)


def thread_limits() -> dict[str, str]:
    """One compute thread per request in Rasa (TensorFlow) and the action server (OpenMP): with
    concurrent conversations, more threads only spin against each other. Measured with 8
    concurrent conversations: 2.0 messages a second with the libraries' defaults, 7.5 with this
    (the action server's CPU per message fell from 422 to 36 ms, Rasa's from 504 to 130 ms).
    The search's encoder has an OpenMP runtime of its own, with KB_QUERY_THREADS threads that
    sleep while waiting. The environment can still set other values."""
    return {name: os.environ.get(name, "1")
            for name in ("OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS")}


def services(scaled: bool = False) -> list[Service]:
    if scaled:
        return scaled_services()
    host = os.environ.get("BIND_HOST", "127.0.0.1")
    backend_port = int(os.environ.get("BACKEND_PORT", "8000"))
    rasa_port = int(os.environ.get("RASA_PORT", "5005"))
    actions_port = int(os.environ.get("ACTION_SERVER_PORT", "5055"))
    tracker_db = os.environ.get("RASA_TRACKER_DB", str(ROOT / "var" / "rasa" / "tracker.db"))
    Path(tracker_db).parent.mkdir(parents=True, exist_ok=True)
    # Rasa's HTTP API lets the backend and the actions reach a citizen between messages (operator
    # replies, status changes, a queued ticket's code); it is protected by this token.
    rasa_token = os.environ.get("RASA_API_TOKEN", "dev-rasa-token")
    rasa_url = os.environ.get("RASA_URL", f"http://127.0.0.1:{rasa_port}")
    return [
        Service(
            "actions",
            [str(APP_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(actions_port)],
            actions_port, f"http://127.0.0.1:{actions_port}/health",
            env={"BACKEND_URL": os.environ.get("BACKEND_URL", f"http://127.0.0.1:{backend_port}"),
                 "RASA_URL": rasa_url, "RASA_API_TOKEN": rasa_token, **thread_limits()},
        ),
        Service(
            "rasa",
            [str(RASA_PY), "-m", "rasa", "run", "--model", os.environ.get("RASA_MODEL", str(MODEL)),
             "--endpoints", "bot/endpoints.yml", "--credentials", "bot/credentials.yml",
             "--interface", host, "--port", str(rasa_port), "--cors", "*",
             "--enable-api", "--auth-token", rasa_token],
            rasa_port, f"http://127.0.0.1:{rasa_port}/webhooks/rest/",
            env={"ACTION_ENDPOINT_URL": os.environ.get("ACTION_ENDPOINT_URL",
                                                       f"http://127.0.0.1:{actions_port}/webhook"),
                 "RASA_TRACKER_DB": tracker_db, "RASA_TELEMETRY_ENABLED": "false",
                 # The messaging connectors report to the backend whether a delivery reached the citizen.
                 "BACKEND_URL": os.environ.get("BACKEND_URL", f"http://127.0.0.1:{backend_port}"),
                 "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **thread_limits()},
        ),
        Service(
            "backend",
            [str(APP_PY), "-m", "uvicorn", "backend.app.main:app",
             "--host", os.environ.get("BACKEND_HOST", host), "--port", str(backend_port)],
            backend_port, f"http://127.0.0.1:{backend_port}/health",
            env={"RASA_PUBLIC_URL": os.environ.get("RASA_PUBLIC_URL", f"http://localhost:{rasa_port}"),
                 "RASA_URL": rasa_url, "RASA_API_TOKEN": rasa_token},
        ),
    ]


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def scaled_services() -> list[Service]:
    """The scale-out configuration on one machine, against the local PostgreSQL and Redis."""
    host = _env("BIND_HOST", "127.0.0.1")
    backend_port, balancer_port = int(_env("BACKEND_PORT", "8000")), int(_env("RASA_PORT", "5005"))
    rasa_servers, action_servers = int(_env("RASA_SERVERS", "2")), int(_env("ACTION_SERVERS", "2"))
    rasa_token = _env("RASA_API_TOKEN", "dev-rasa-token")
    balancer_url = f"http://127.0.0.1:{balancer_port}"
    backend_url = _env("BACKEND_URL", f"http://127.0.0.1:{backend_port}")
    redis_host, redis_port = _env("REDIS_HOST", "127.0.0.1"), _env("REDIS_PORT", "6379")
    tracker = {"RASA_TRACKER_HOST": _env("RASA_TRACKER_HOST", "127.0.0.1"),
               "RASA_TRACKER_PORT": _env("RASA_TRACKER_PORT", "5432"),
               "RASA_TRACKER_DB": _env("RASA_TRACKER_DB", "tongdai1022_rasa"),
               "RASA_TRACKER_USER": _env("RASA_TRACKER_USER", "postgres"),
               "RASA_TRACKER_PASSWORD": os.environ.get("RASA_TRACKER_PASSWORD", "")}
    out: list[Service] = []
    # The action servers sit behind a balancer of their own (a Service in Kubernetes): a Rasa
    # server whose action server died is served by another one.
    actions_port = int(_env("ACTION_SERVER_PORT", "5055"))
    action_ports = [int(_env("ACTION_FIRST_PORT", "5155")) + i for i in range(action_servers)]
    for i, port in enumerate(action_ports, start=1):
        out.append(Service(
            f"actions-{i}", [str(APP_PY), "-m", "rasa_sdk", "--actions", "actions", "--port", str(port)],
            port, f"http://127.0.0.1:{port}/health",
            env={"BACKEND_URL": backend_url, "RASA_URL": balancer_url, "RASA_API_TOKEN": rasa_token,
                 **thread_limits()}))
    out.append(Service(
        "actions-balancer", [str(APP_PY), "scripts/balancer.py", "--listen", f"127.0.0.1:{actions_port}"]
        + [arg for port in action_ports for arg in ("--backend", f"127.0.0.1:{port}")],
        actions_port, f"http://127.0.0.1:{actions_port}/health"))
    rasa_ports = [int(_env("RASA_FIRST_PORT", "5105")) + i for i in range(rasa_servers)]
    for i, port in enumerate(rasa_ports):
        out.append(Service(
            f"rasa-{i + 1}",
            [str(RASA_PY), "-m", "rasa", "run", "--model", _env("RASA_MODEL", str(MODEL)),
             "--endpoints", "bot/endpoints.scaled.yml", "--credentials", "bot/credentials.yml",
             "--interface", host, "--port", str(port), "--cors", "*", "--enable-api", "--auth-token", rasa_token],
            port, f"http://127.0.0.1:{port}/webhooks/rest/",
            env={**tracker, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook",
                 "REDIS_HOST": redis_host, "REDIS_PORT": redis_port, "REDIS_LOCK_DB": _env("REDIS_LOCK_DB", "1"),
                 "SOCKETIO_REDIS_URL": _env("SOCKETIO_REDIS_URL", f"redis://{redis_host}:{redis_port}/2"),
                 "RASA_TELEMETRY_ENABLED": "false", "BACKEND_URL": backend_url,
                 "TF_CPP_MIN_LOG_LEVEL": "2", "SQLALCHEMY_SILENCE_UBER_WARNING": "1", **thread_limits()}))
    out.append(Service(
        "rasa-balancer", [str(APP_PY), "scripts/balancer.py", "--listen", f"{host}:{balancer_port}"]
        + [arg for port in rasa_ports for arg in ("--backend", f"127.0.0.1:{port}")],
        balancer_port, f"{balancer_url}/webhooks/rest/"))
    out.append(Service(
        "backend",
        [str(APP_PY), "-m", "uvicorn", "backend.app.main:app", "--host", _env("BACKEND_HOST", host),
         "--port", str(backend_port), "--workers", _env("BACKEND_WORKERS", "2")],
        backend_port, f"http://127.0.0.1:{backend_port}/health/ready",
        env={"DATABASE_URL": scaled_database_url(), "RASA_URL": balancer_url, "RASA_API_TOKEN": rasa_token,
             "RASA_PUBLIC_URL": _env("RASA_PUBLIC_URL", f"http://localhost:{balancer_port}")}))
    return out


def scaled_database_url() -> str:
    return _env("DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/tongdai1022")


def ensure_postgres_databases() -> None:
    """Create the backend's and the trackers' databases on first use (Rasa would race to create
    its own when two servers start together)."""
    import psycopg
    from sqlalchemy.engine import make_url

    backend = make_url(scaled_database_url())
    wanted = [(backend.host or "127.0.0.1", backend.port or 5432, backend.username, backend.password or "",
               backend.database),
              (_env("RASA_TRACKER_HOST", "127.0.0.1"), int(_env("RASA_TRACKER_PORT", "5432")),
               _env("RASA_TRACKER_USER", "postgres"), os.environ.get("RASA_TRACKER_PASSWORD", ""),
               _env("RASA_TRACKER_DB", "tongdai1022_rasa"))]
    for host, port, user, password, database in wanted:
        with psycopg.connect(host=host, port=port, user=user, password=password or None, dbname="postgres",
                             autocommit=True, connect_timeout=5) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone() is None:
                conn.execute(f'CREATE DATABASE "{database}"')
                print(f">> created PostgreSQL database {database}", flush=True)


def channel_summary(environ: dict[str, str]) -> str:
    """Which messaging connectors the environment switches on, e.g. "zalo on, facebook off, ...",
    decided by the connectors' own settings (make run passes the environment to the Rasa server)."""
    from connectors.facebook import MessengerSettings
    from connectors.telegram import TelegramSettings
    from connectors.zalo import ZaloSettings

    zalo, facebook = ZaloSettings.from_env(environ), MessengerSettings.from_env(environ)
    telegram = TelegramSettings.from_env(environ)
    return ", ".join([
        f"zalo {'on' if zalo else 'off'}", f"facebook {'on' if facebook else 'off'}",
        f"telegram on ({'polling' if telegram.polling else 'webhook'})" if telegram else "telegram off"])


def port_in_use(port: int) -> bool:
    """Something already listens on the port (an earlier `make run` still up, another program)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except Exception:
        return False


RESTART_WINDOW_S = 60.0
MAX_RESTARTS = 5


LOG_CONFIG = "bot/logging-json.yml"


def with_log_format(svc: Service, log_format: str) -> Service:
    """LOG_FORMAT=json: every process logs one JSON object a line (backend/app/json_logs.py)."""
    if log_format != "json":
        return svc
    argv = list(svc.argv)
    if "rasa_sdk" in argv:
        argv += ["--logging-config_file", LOG_CONFIG]
    elif "rasa" in argv:
        argv += ["--logging-config-file", LOG_CONFIG]
    elif "uvicorn" in argv:
        argv += ["--log-config", LOG_CONFIG]
    return Service(svc.name, argv, svc.port, svc.health_url, {**svc.env, "LOG_PROCESS_NAME": svc.name})


def start_service(svc: Service, env: dict[str, str]) -> subprocess.Popen:
    svc = with_log_format(svc, os.environ.get("LOG_FORMAT", "text"))
    return subprocess.Popen(svc.argv, cwd=ROOT, env={**env, **svc.env}, start_new_session=True)


def kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def write_pids(children: dict[str, subprocess.Popen]) -> None:
    target = os.environ.get("RUN_PIDS_FILE")
    if target:
        partial = f"{target}.partial"
        Path(partial).write_text(json.dumps({name: proc.pid for name, proc in children.items()}))
        os.replace(partial, target)


def stop_all(children: dict[str, subprocess.Popen]) -> None:
    for proc in children.values():
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
    deadline = time.monotonic() + GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()


def main(argv: list[str] | None = None) -> int:
    scaled = "--scaled" in (sys.argv[1:] if argv is None else argv)
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    if scaled:
        try:
            ensure_postgres_databases()
        except Exception as e:
            print(f">> PostgreSQL is needed for the scale-out configuration: {type(e).__name__}: {e}", flush=True)
            return 1
    children: dict[str, subprocess.Popen] = {}
    stop = threading.Event()

    def on_signal(signum, _frame):
        # Only a flag: raising from a handler could interrupt the shutdown itself when a second
        # signal arrives (a repeated Ctrl-C, or SIGTERM followed by SIGINT), leaving children behind.
        stop.set()

    # Installed explicitly: a shell that starts us in the background may have set SIGINT to
    # "ignore", and Python then would not react to Ctrl-C at all.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    exit_code = 0
    restarts: dict[str, list[float]] = {}
    try:
        waiting = {}
        started = time.monotonic()
        by_name = {}
        planned = services(scaled)
        # A health check would find the other program's answer and call our service up, while
        # our own process fails to bind: say so and start nothing.
        busy = [svc for svc in planned if svc.port and port_in_use(svc.port)]
        if busy:
            for svc in busy:
                print(f">> port {svc.port} ({svc.name}) is already in use: is `make run` already running? Stop "
                      "it, or choose other ports (RASA_PORT, ACTION_SERVER_PORT, BACKEND_PORT)", flush=True)
            return 1
        for svc in planned:
            if stop.is_set():
                break
            print(f">> starting {svc.name} on port {svc.port}", flush=True)
            by_name[svc.name] = svc
            children[svc.name] = start_service(svc, env)
            if svc.health_url:
                waiting[svc.name] = svc.health_url
        write_pids(children)
        print(">> all services started, waiting until they answer; Ctrl-C stops them", flush=True)
        announced = False
        while not stop.is_set():
            for name, url in list(waiting.items()):
                if not stop.is_set() and healthy(url):
                    del waiting[name]
                    print(f">> {name} is up ({time.monotonic() - started:.0f} s)", flush=True)
                    if not waiting and not announced:
                        announced = True
                        print(">> ready: chat at http://localhost:%s/  (REST: http://localhost:%s/webhooks/rest/webhook)"
                              % (os.environ.get("BACKEND_PORT", "8000"), os.environ.get("RASA_PORT", "5005")),
                              flush=True)
                        print(">> messaging channels: " + channel_summary(os.environ), flush=True)
            for name, proc in list(children.items()):
                code = proc.poll()
                if code is None or stop.is_set():
                    continue
                recent = [t for t in restarts.get(name, []) if time.monotonic() - t < RESTART_WINDOW_S]
                if scaled and len(recent) < MAX_RESTARTS:
                    restarts[name] = recent + [time.monotonic()]
                    print(f">> {name} exited with code {code}; starting it again", flush=True)
                    kill_group(proc)  # what is left of it (a dead uvicorn master's workers)
                    children[name] = start_service(by_name[name], env)
                    if by_name[name].health_url:
                        waiting[name] = by_name[name].health_url
                    write_pids(children)
                    continue
                print(f">> {name} exited with code {code}; stopping the others", flush=True)
                exit_code = code or 1
                stop.set()
            stop.wait(0.5)
    finally:
        print(">> stopping services", flush=True)
        stop_all(children)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

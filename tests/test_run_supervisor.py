"""`make run`'s supervisor must leave no stray processes when interrupted."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except FileNotFoundError:
        return False


def test_interrupt_stops_every_child_and_grandchild(tmp_path):
    pidfile = tmp_path / "pids"
    # Each fake service starts a grandchild, like uvicorn or rasa workers do, and records both pids.
    script = textwrap.dedent(f"""
        import subprocess, sys, time, os
        sys.path.insert(0, {str(ROOT / 'scripts')!r})
        import run
        svc = [sys.executable, "-c",
               "import subprocess, os, time, sys;"
               "g = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']);"
               "open({str(pidfile)!r}, 'a').write(f'{{os.getpid()}} {{g.pid}}\\\\n');"
               "time.sleep(600)"]
        run.services = lambda *_: [run.Service("a", svc, 1), run.Service("b", svc, 2)]
        sys.exit(run.main())
    """)
    # Started with SIGINT ignored, as a non-interactive shell does for background jobs:
    # Ctrl-C must still stop everything.
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    deadline = time.time() + 20
    while time.time() < deadline and (not pidfile.exists() or len(pidfile.read_text().split()) < 4):
        time.sleep(0.1)
    pids = [int(p) for p in pidfile.read_text().split()]
    assert len(pids) == 4 and all(_alive(p) for p in pids)
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=20) == 0
    time.sleep(0.3)
    assert not [p for p in pids if _alive(p)]


def test_a_dying_service_stops_the_rest(tmp_path):
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'scripts')!r})
        import run
        run.services = lambda *_: [
            run.Service("crash", [sys.executable, "-c", "import sys; sys.exit(3)"], 1),
            run.Service("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], 2)]
        sys.exit(run.main())
    """)
    result = subprocess.run([sys.executable, "-c", script], timeout=30, capture_output=True, text=True)
    assert result.returncode == 3
    assert "crash exited with code 3" in result.stdout


def test_make_run_starts_actions_rasa_and_backend_on_their_ports(monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import run

    for var in ("RASA_PORT", "ACTION_SERVER_PORT", "BACKEND_PORT", "ACTION_ENDPOINT_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("RASA_TRACKER_DB", "/tmp/tracker-test.db")
    services = {s.name: s for s in run.services()}
    assert {n: s.port for n, s in services.items()} == {"actions": 5055, "rasa": 5005, "backend": 8000}
    assert ".venv/rasa/bin/python" in services["rasa"].argv[0]
    assert services["rasa"].env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
    assert "bot/credentials.yml" in services["rasa"].argv and all(s.health_url for s in services.values())


def test_repeated_signals_during_shutdown_still_stop_everything(tmp_path):
    pidfile = tmp_path / "pids"
    # A service that takes a while to stop, so further signals arrive during the shutdown.
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'scripts')!r})
        import run
        svc = [sys.executable, "-c",
               "import os, signal, time;"
               "signal.signal(signal.SIGTERM, lambda *a: (time.sleep(1.5), os._exit(0)));"
               "open({str(pidfile)!r}, 'a').write(f'{{os.getpid()}}\\\\n');"
               "time.sleep(600)"]
        run.services = lambda *_: [run.Service("a", svc, 1), run.Service("b", svc, 2)]
        sys.exit(run.main())
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], start_new_session=True)
    deadline = time.time() + 20
    while time.time() < deadline and (not pidfile.exists() or len(pidfile.read_text().split()) < 2):
        time.sleep(0.1)
    pids = [int(p) for p in pidfile.read_text().split()]
    proc.send_signal(signal.SIGTERM)
    for _ in range(5):  # impatient user: Ctrl-C again and again while it stops
        time.sleep(0.2)
        proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 0
    time.sleep(0.3)
    assert not [p for p in pids if _alive(p)]


def test_make_run_says_which_messaging_channels_are_on():
    from scripts.run import channel_summary

    assert channel_summary({}) == "zalo off, facebook off, telegram off"
    zalo_only = {"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "k", "ZALO_REFRESH_TOKEN": "r"}
    assert channel_summary(zalo_only) == "zalo on, facebook off, telegram off"
    assert channel_summary({"ZALO_APP_ID": "1", "ZALO_OA_SECRET_KEY": "k"}).startswith("zalo off")
    assert channel_summary({"TELEGRAM_BOT_TOKEN": "1:x"}).endswith("telegram on (polling)")
    assert channel_summary({"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_SECRET_TOKEN": "s"}).endswith("telegram on (webhook)")



def test_make_run_scaled_layout(monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import run

    for var in ("RASA_PORT", "ACTION_SERVER_PORT", "BACKEND_PORT", "RASA_FIRST_PORT", "ACTION_FIRST_PORT",
                "RASA_SERVERS", "ACTION_SERVERS", "DATABASE_URL", "RASA_TRACKER_DB", "BACKEND_WORKERS",
                # loading the encoder in this process sets OMP_NUM_THREADS to KB_QUERY_THREADS
                "OMP_NUM_THREADS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        monkeypatch.delenv(var, raising=False)
    services = {s.name: s for s in run.services(scaled=True)}
    assert {n: s.port for n, s in services.items()} == {
        "actions-1": 5155, "actions-2": 5156, "actions-balancer": 5055, "rasa-1": 5105, "rasa-2": 5106,
        "rasa-balancer": 5005, "backend": 8000}
    for name in ("rasa-1", "rasa-2"):
        rasa = services[name]
        assert "bot/endpoints.scaled.yml" in rasa.argv and rasa.env["ACTION_ENDPOINT_URL"] == "http://127.0.0.1:5055/webhook"
        assert rasa.env["RASA_TRACKER_DB"] == "tongdai1022_rasa" and rasa.env["SOCKETIO_REDIS_URL"].startswith("redis://")
        assert rasa.env["OMP_NUM_THREADS"] == "1"
    assert services["rasa-balancer"].argv[-4:] == ["--backend", "127.0.0.1:5105", "--backend", "127.0.0.1:5106"]
    backend = services["backend"]
    assert backend.argv[-2:] == ["--workers", "2"] and backend.health_url.endswith("/health/ready")
    assert backend.env["DATABASE_URL"].startswith("postgresql+psycopg://") and backend.env["RASA_URL"].endswith(":5005")


def test_scaled_supervisor_restarts_a_dead_service_and_gives_up_on_a_crash_loop(tmp_path):
    marker, pids = tmp_path / "started-once", tmp_path / "pids.json"
    flaky = (f"import os, sys, time; p = {str(marker)!r}\n"
             "if not os.path.exists(p):\n    open(p, 'w').close(); sys.exit(9)\ntime.sleep(600)")
    script = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'scripts')!r})
        import run
        run.ensure_postgres_databases = lambda: None
        run.services = lambda *_: [run.Service("flaky", [sys.executable, "-c", {flaky!r}], 1),
                                   run.Service("sleeper", [sys.executable, "-c", "import time; time.sleep(600)"], 2)]
        sys.exit(run.main(["--scaled"]))
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], env=dict(os.environ, RUN_PIDS_FILE=str(pids)),
                            stdout=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline and not (marker.exists() and pids.exists() and "flaky" in pids.read_text()):
        time.sleep(0.1)
    time.sleep(2)  # the restart happens within a second of the exit
    import json

    flaky_pid = json.loads(pids.read_text())["flaky"]
    assert _alive(flaky_pid), "the flaky service was not started again"
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=30)
    assert proc.returncode == 0 and "flaky exited with code 9; starting it again" in out
    assert not _alive(flaky_pid)

    always = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(ROOT / 'scripts')!r})
        import run
        run.ensure_postgres_databases = lambda: None
        run.services = lambda *_: [run.Service("broken", [sys.executable, "-c", "import sys; sys.exit(4)"], 1)]
        sys.exit(run.main(["--scaled"]))
    """)
    result = subprocess.run([sys.executable, "-c", always], timeout=60, capture_output=True, text=True)
    assert result.returncode == 4 and result.stdout.count("starting it again") == 5, result.stdout


def test_json_logs_for_every_process(monkeypatch):
    sys.path.insert(0, str(ROOT / "scripts"))
    import json
    import logging

    import run
    from backend.app.json_logs import JsonFormatter

    rasa, actions, backend = (run.Service("rasa", [".venv/rasa/bin/python", "-m", "rasa", "run"], 1),
                              run.Service("actions", ["python", "-m", "rasa_sdk"], 2),
                              run.Service("backend", ["python", "-m", "uvicorn", "app"], 3))
    assert run.with_log_format(rasa, "text") is rasa
    assert run.with_log_format(rasa, "json").argv[-2:] == ["--logging-config-file", run.LOG_CONFIG]
    assert run.with_log_format(actions, "json").argv[-2:] == ["--logging-config_file", run.LOG_CONFIG]
    assert run.with_log_format(backend, "json").argv[-2:] == ["--log-config", run.LOG_CONFIG]
    assert run.with_log_format(backend, "json").env["LOG_PROCESS_NAME"] == "backend"

    monkeypatch.setenv("LOG_PROCESS_NAME", "backend")
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '"GET /api/public/tickets/PA-2612-1?phone_last4=5678 HTTP/1.1" %s', (200,), None)
    line = json.loads(JsonFormatter().format(record))
    assert line["level"] == "INFO" and line["logger"] == "uvicorn.access" and line["process"] == "backend"
    assert "5678" not in line["message"] and "phone_last4=***" in line["message"] and line["time"].endswith("Z")
    import yaml

    config = yaml.safe_load((ROOT / run.LOG_CONFIG).read_text())
    assert config["formatters"]["json"]["()"] == "backend.app.json_logs.JsonFormatter"


def test_a_port_already_in_use_is_named_and_nothing_starts(tmp_path):
    import socket

    marker = tmp_path / "started"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        script = textwrap.dedent(f"""
            import sys
            sys.path.insert(0, {str(ROOT / 'scripts')!r})
            import run
            run.services = lambda *_: [run.Service(
                "rasa", [sys.executable, "-c", "open({str(marker)!r}, 'w')"], {port})]
            sys.exit(run.main())
        """)
        result = subprocess.run([sys.executable, "-c", script], timeout=30, capture_output=True, text=True)
    assert result.returncode == 1
    assert f"port {port} (rasa) is already in use" in result.stdout
    assert not marker.exists()

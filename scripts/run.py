"""Start the 1022 assistant's processes and keep them in one process group.

`make run` calls this after the environments and the index are built. Every child runs in a
process group of its own; on Ctrl-C, SIGTERM, or the death of any child, all groups are
terminated (then killed after a grace period), so an interrupted run leaves no stray processes.

Later issues add the Rasa server and the action server to `services()`.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_PY = ROOT / ".venv" / "app" / "bin" / "python"
GRACE_SECONDS = 10


@dataclass
class Service:
    name: str
    argv: list[str]
    port: int


def services() -> list[Service]:
    backend_port = int(os.environ.get("BACKEND_PORT", "8000"))
    return [
        Service(
            "backend",
            [str(APP_PY), "-m", "uvicorn", "backend.app.main:app",
             "--host", os.environ.get("BACKEND_HOST", "127.0.0.1"), "--port", str(backend_port)],
            backend_port,
        ),
    ]


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


def main() -> int:
    env = dict(os.environ, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1")
    children: dict[str, subprocess.Popen] = {}

    def on_signal(signum, _frame):
        raise KeyboardInterrupt

    # Installed explicitly: a shell that starts us in the background may have set SIGINT to
    # "ignore", and Python then would not turn Ctrl-C into KeyboardInterrupt.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, on_signal)
    exit_code = 0
    try:
        for svc in services():
            print(f">> starting {svc.name} on port {svc.port}", flush=True)
            children[svc.name] = subprocess.Popen(svc.argv, cwd=ROOT, env=env, start_new_session=True)
        print(">> all services started; Ctrl-C stops them", flush=True)
        while True:
            for name, proc in children.items():
                code = proc.poll()
                if code is not None:
                    print(f">> {name} exited with code {code}; stopping the others", flush=True)
                    exit_code = code or 1
                    raise KeyboardInterrupt
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        print(">> stopping services", flush=True)
        stop_all(children)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

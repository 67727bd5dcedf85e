"""A PostgreSQL server of a test's own (initdb in a temporary folder, a free port), so that a fault
test can kill -9 it and start it again without touching the machine's shared server.

Uses the machine's PostgreSQL binaries (Debian's /usr/lib/postgresql/<version>/bin). PostgreSQL
refuses to run as root: as root, the server runs as the `postgres` user through runuser.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg


def postgres_bin() -> Path | None:
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"),
                      key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return versions[-1].parent if versions else None


class PrivatePostgres:
    def __init__(self, port: int):
        self.bin = postgres_bin()
        if self.bin is None:
            raise RuntimeError("no PostgreSQL server binaries under /usr/lib/postgresql")
        # Directly under /tmp: the postgres user must reach it (pytest's tmp_path is root's alone).
        self.folder, self.port = Path(tempfile.mkdtemp(prefix="tongdai1022-pg-")), port
        self.data = self.folder / "pgdata"
        self.proc: subprocess.Popen | None = None
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def init(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres", "postgres")
        subprocess.run(self._as_postgres + [str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                                            "-U", "postgres", "--no-sync", "-E", "UTF8"],
                       check=True, capture_output=True)

    def start(self, timeout: float = 60) -> None:
        log = open(self.folder / "postgres.log", "a")
        self.proc = subprocess.Popen(
            self._as_postgres + [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port),
                                 "-k", str(self.folder), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                 "-c", "max_connections=200"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                                     connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"private PostgreSQL did not start; see {self.folder / 'postgres.log'}")
                time.sleep(0.3)

    def kill(self) -> None:
        """kill -9 the server and everything it started, as a crash would."""
        if self.proc is not None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait()
            # Its backends notice the postmaster's death and exit; wait for the port to be free.
            time.sleep(1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

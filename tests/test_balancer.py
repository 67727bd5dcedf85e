"""The scale-out load balancer (scripts/balancer.py) as a process in front of two small HTTP servers."""

from __future__ import annotations

import http.server
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest

from scripts.balancer import Backends, is_socketio
from tests.stack import ROOT, free_port


class _Named(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def do_GET(self):  # noqa: N802 (http.server's naming)
        body = self.server.name.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@contextmanager
def named_server(name: str, port: int):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), _Named)
    server.name = name
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read().decode()


@pytest.fixture
def balancer():
    ports = [free_port(), free_port()]
    listen = free_port()
    proc = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "balancer.py"), "--listen", f"127.0.0.1:{listen}",
                             "--backend", f"127.0.0.1:{ports[0]}", "--backend", f"127.0.0.1:{ports[1]}"],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{listen}/", timeout=2):
                break
        except urllib.error.HTTPError:  # 503: listening, no server behind it yet
            break
        except OSError:
            assert time.monotonic() < deadline and proc.poll() is None, "the balancer did not start"
            time.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{listen}", ports
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_round_robin_failover_and_stickiness(balancer):
    url, ports = balancer
    with pytest.raises(urllib.error.HTTPError) as nobody:
        get(f"{url}/webhooks/rest/")
    assert nobody.value.code == 503 and b"no Rasa server" in nobody.value.read()

    with named_server("a", ports[0]), named_server("b", ports[1]) as b:
        answers = [get(f"{url}/webhooks/rest/") for _ in range(6)]
        assert sorted(set(answers)) == ["a", "b"] and answers.count("a") == 3  # turns, request by request
        # socket.io sticks to one server for one client address.
        assert len({get(f"{url}/socket.io/?EIO=4&transport=polling") for _ in range(6)}) == 1
        b.shutdown()
        b.server_close()
        # One server gone: every request is still answered, by the other.
        assert {get(f"{url}/webhooks/rest/") for _ in range(6)} == {"a"}


def test_backend_order():
    clock = [100.0]
    backends = Backends([("h", 1), ("h", 2), ("h", 3)], clock=lambda: clock[0])
    firsts = [backends.order(None)[0] for _ in range(3)]
    assert firsts == [("h", 1), ("h", 2), ("h", 3)]
    assert backends.order("10.0.0.7") == backends.order("10.0.0.7")
    backends.mark_down(("h", 1))
    assert backends.order(None)[-1] == ("h", 1)  # tried last while down
    clock[0] += 10
    assert ("h", 1) in [backends.order(None)[0] for _ in range(3)]  # back in turn afterwards
    assert is_socketio(b"GET /socket.io/?EIO=4 HTTP/1.1\r\n") and not is_socketio(b"POST /webhooks/rest/webhook HTTP/1.1")

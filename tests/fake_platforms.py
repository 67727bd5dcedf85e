"""A local stand-in for the Zalo, Messenger and Telegram APIs: records every request our code sends
(method, path, query, headers, body) and answers like the platform, or with scripted answers.
Standard library only, so both Python environments' tests can use it.

    with FakePlatforms() as fake:            # http://127.0.0.1:<port>
        ZALO_API_BASE=fake.url ... ; fake.requests ; fake.script("/v3.0/oa/message/cs", [(200, {...})])
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit


class Recorded(dict):
    """One request: method, path, query (dict of first values), headers (lower-case keys), raw, json, form."""

    @property
    def payload(self) -> dict[str, Any]:
        """JSON body, or the form fields (Telegram's client may send either)."""
        if isinstance(self.get("json"), dict):
            return self["json"]
        return self.get("form") or {}


class FakePlatforms:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._scripts: dict[str, list[tuple[int, Any]]] = {}
        self._updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._counter = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                record = Recorded(method=self.command, path=parts.path,
                                  query={k: v[0] for k, v in parse_qs(parts.query).items()},
                                  headers={k.lower(): v for k, v in self.headers.items()}, raw=raw)
                ctype = (self.headers.get("Content-Type") or "").lower()
                if "json" in ctype and raw:
                    try:
                        record["json"] = json.loads(raw)
                    except ValueError:
                        record["json"] = None
                elif "x-www-form-urlencoded" in ctype:
                    record["form"] = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                elif "multipart/form-data" in ctype:
                    record["form"] = _multipart_fields(raw, ctype)
                status, body = fake._answer(record)
                data = json.dumps(body, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> "FakePlatforms":
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- test controls ---------------------------------------------------------------------------
    def script(self, path_suffix: str, answers: list[tuple[int, Any]]) -> None:
        """The next requests whose path ends with `path_suffix` get these answers, in order."""
        with self._lock:
            self._scripts.setdefault(path_suffix, []).extend(answers)

    def queue_update(self, update: dict[str, Any]) -> None:
        """A Telegram update for the next getUpdates (polling mode)."""
        with self._lock:
            self._updates.append(update)

    def sent(self, path_suffix: str) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r["path"].endswith(path_suffix)]

    def wait_for(self, path_suffix: str, count: int = 1, timeout: float = 60.0,
                 where: Optional[Any] = None) -> list[Recorded]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [r for r in self.sent(path_suffix) if where is None or where(r)]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"expected {count} request(s) to …{path_suffix} within {timeout} s; "
                             f"got {[(r['path'], r.get('json') or r.get('form')) for r in self.requests][-5:]}")

    def clear(self) -> None:
        with self._lock:
            self.requests.clear()

    # --- answers ---------------------------------------------------------------------------------
    def _answer(self, record: Recorded) -> tuple[int, Any]:
        path = record["path"]
        with self._lock:
            if path.endswith("/getUpdates"):
                updates, self._updates = self._updates, []
            else:
                self.requests.append(record)
            for suffix, answers in self._scripts.items():
                if path.endswith(suffix) and answers:
                    return answers.pop(0)
            self._counter += 1
            n = self._counter
        if path.endswith("/getUpdates"):
            if not updates:
                time.sleep(0.2)
            return 200, {"ok": True, "result": updates}
        if "/api/deliveries/" in path:  # the backend's delivery result endpoint
            return 200, {"id": int(path.split("/")[3]) if path.split("/")[3].isdigit() else 0}
        if path.endswith("/oa/message/cs"):
            return 200, {"error": 0, "message": "Success", "data": {"message_id": f"zmsg{n}"}}
        if path.endswith("/oa/access_token"):
            return 200, {"access_token": f"access-{n}", "refresh_token": f"refresh-{n}", "expires_in": "90000"}
        if path.endswith("/me/messages"):
            recipient = ((record.get("json") or {}).get("recipient") or {}).get("id", "")
            return 200, {"recipient_id": recipient, "message_id": f"m_{n}"}
        if "/bot" in path:
            method = path.rsplit("/", 1)[-1]
            payload = record.payload
            if method == "sendMessage":
                chat_id = payload.get("chat_id")
                return 200, {"ok": True, "result": {
                    "message_id": n, "date": int(time.time()), "text": payload.get("text", ""),
                    "chat": {"id": int(chat_id) if str(chat_id).lstrip("-").isdigit() else chat_id,
                             "type": "private"}}}
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": 42, "is_bot": True, "first_name": "Tong dai 1022",
                                                    "username": "tongdai1022_bot"}}
            return 200, {"ok": True, "result": True}
        return 404, {"error": "unknown path"}


def _multipart_fields(raw: bytes, ctype: str) -> dict[str, str]:
    boundary = ctype.split("boundary=", 1)[-1].strip().strip('"').encode()
    fields = {}
    for part in raw.split(b"--" + boundary):
        head, _, value = part.partition(b"\r\n\r\n")
        marker = b'name="'
        if marker in head:
            name = head.split(marker, 1)[1].split(b'"', 1)[0].decode()
            fields[name] = value.rstrip(b"\r\n").decode(errors="replace")
    return fields

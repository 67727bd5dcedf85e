"""Refuse oversized request bodies before they are read into memory: 413 with the JSON error body."""

from __future__ import annotations

import json


class _BodyTooLarge(Exception):
    pass


class BodySizeLimit:
    """ASGI middleware: at most `max_bytes` of request body, by Content-Length or as it streams."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def _reject(self, send) -> None:
        body = json.dumps({"error": "payload_too_large",
                           "message": f"Dữ liệu gửi lên quá lớn (tối đa {round(self.max_bytes / 1024)} KB)."},
                          ensure_ascii=False).encode()
        await send({"type": "http.response.start", "status": 413,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            return await self._reject(send)
        received = 0
        started = rejected = False

        async def limited_receive():
            # The framework may turn an exception raised here into its own error (FastAPI answers
            # 400), so the 413 is sent from here and whatever the app answers afterwards is dropped.
            nonlocal received, rejected
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    if not started and not rejected:
                        rejected = True
                        await self._reject(send)
                    raise _BodyTooLarge
            return message

        async def tracking_send(message):
            nonlocal started
            if rejected:
                return
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _BodyTooLarge:
            pass

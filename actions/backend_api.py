"""The 1022 backend as the actions see it: a small HTTP client with the bot's token.

BACKEND_URL (default http://127.0.0.1:8000) and BACKEND_BOT_TOKEN (default the development token
`dev-bot-token`) come from the environment. Two kinds of failure are told apart, because the
citizen is told different things: `BackendUnavailable` (down, timing out, 5xx: the request is
kept and retried) and `BackendRejected` (4xx: retrying will not help).
"""

from __future__ import annotations

import os
from typing import Any

import httpx

TIMEOUT = httpx.Timeout(5.0, connect=2.0)


class BackendUnavailable(Exception):
    pass


class BackendRejected(Exception):
    def __init__(self, status: int, code: str):
        super().__init__(f"backend answered {status} ({code})")
        self.status = status
        self.code = code


class BackendClient:
    def __init__(self, base_url: str | None = None, token: str | None = None,
                 transport: httpx.BaseTransport | None = None):
        self.base_url = (base_url or os.environ.get("BACKEND_URL") or "http://127.0.0.1:8000").rstrip("/")
        self._token = token or os.environ.get("BACKEND_BOT_TOKEN") or "dev-bot-token"
        self._transport = transport

    def _request(self, method: str, path: str, **kwargs) -> Any:
        headers = {"Authorization": f"Bearer {self._token}", **kwargs.pop("headers", {})}
        try:
            with httpx.Client(base_url=self.base_url, timeout=TIMEOUT, transport=self._transport) as client:
                response = client.request(method, path, headers=headers, **kwargs)
        except httpx.HTTPError as exc:  # refused, reset, timed out: never the URL's secrets in logs
            raise BackendUnavailable(type(exc).__name__) from None
        if response.status_code >= 500:
            raise BackendUnavailable(f"HTTP {response.status_code}")
        if response.status_code >= 400:
            try:
                code = str(response.json().get("error") or response.status_code)
            except (ValueError, AttributeError):
                code = str(response.status_code)
            raise BackendRejected(response.status_code, code)
        return response.json() if response.content else None

    # -- tickets --------------------------------------------------------------------------------
    def create_ticket(self, payload: dict[str, Any], idempotency_key: str) -> dict[str, Any]:
        return self._request("POST", "/api/tickets", json=payload, headers={"Idempotency-Key": idempotency_key})

    def citizen_status(self, code: str, sender_id: str = "", phone_last4: str = "") -> dict[str, Any]:
        params = {k: v for k, v in (("sender_id", sender_id), ("phone_last4", phone_last4)) if v}
        return self._request("GET", f"/api/tickets/{code}/citizen-status", params=params)

    def tickets_of(self, sender_id: str) -> list[dict[str, Any]]:
        page = self._request("GET", "/api/tickets", params={"channel_user_id": sender_id})
        return list((page or {}).get("items") or [])

    def add_citizen_message(self, code: str, text: str, message_id: str | None) -> dict[str, Any]:
        return self._request("POST", f"/api/tickets/{code}/citizen-messages",
                             json={"text": text[:4000], "message_id": message_id})

    def rate(self, code: str, rating: int) -> dict[str, Any]:
        return self._request("POST", f"/api/tickets/{code}/satisfaction", json={"rating": rating})

    def delivery(self, delivery_id: str) -> dict[str, Any]:
        return self._request("GET", f"/api/deliveries/{delivery_id}")

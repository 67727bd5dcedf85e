"""Facebook Messenger: verification handshake, payload signature, event parsing and a Send API
client (requests). No Rasa here: `connectors/facebook_channel.py` is the Rasa glue.

Protocol facts, with sources, are in ../shared/channels-reference.md §2:
- GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=… → the challenge, else 403.
- POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`.
- `entry[].messaging[]`: `message` (text, `quick_reply.payload`, attachments; echoes have
  `is_echo`), `postback` (payload), `delivery`, `read`, `reaction`: only text, quick replies and
  postbacks reach the bot.
- Send API: POST {graph}/{version}/me/messages?access_token=…, `messaging_type` RESPONSE, or
  MESSAGE_TAG with `tag: HUMAN_AGENT` for a human's reply after 24 h; text up to 2,000
  characters; at most 13 quick replies with titles up to 20 characters.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Optional

import requests

from connectors.common import (Button, PlatformError, as_dict, as_list, env_or_none, scrub, split_text,
                               with_retries)


GRAPH_BASE = "https://graph.facebook.com"
GRAPH_VERSION = "v25.0"
TEXT_LIMIT = 2000
QUICK_REPLY_LIMIT = 13
QUICK_REPLY_TITLE = 20
PAYLOAD_LIMIT = 1000
RETRYABLE_CODES = {1, 2, 4, 17, 32, 613}  # temporary / rate-limit codes of the Graph API


@dataclass(frozen=True)
class MessengerSettings:
    verify_token: str
    app_secret: str
    page_access_token: str
    graph_base: str = GRAPH_BASE
    graph_version: str = GRAPH_VERSION

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["MessengerSettings"]:
        env = lambda name: env_or_none(name, environ)  # noqa: E731
        verify, secret = env("FACEBOOK_VERIFY_TOKEN"), env("FACEBOOK_APP_SECRET")
        token = env("FACEBOOK_PAGE_ACCESS_TOKEN")
        if not (verify and secret and token):
            return None
        return cls(verify, secret, token, (env("FACEBOOK_GRAPH_BASE") or GRAPH_BASE).rstrip("/"),
                   env("FACEBOOK_GRAPH_VERSION") or GRAPH_VERSION)


def verify_handshake(params: dict[str, str], verify_token: str) -> Optional[str]:
    """The challenge to echo back when the subscription request is ours, else None (→ 403)."""
    if params.get("hub.mode") != "subscribe":
        return None
    given = params.get("hub.verify_token") or ""
    if not hmac.compare_digest(given.encode(), verify_token.encode()):
        return None
    return params.get("hub.challenge") or ""


def signature_ok(raw_body: bytes, header: Optional[str], app_secret: str) -> bool:
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(app_secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(header[len("sha256="):].strip().lower().encode(), expected.encode())


@dataclass(frozen=True)
class MessengerEvent:
    kind: str  # "text" | "media" | "ignored"
    user_id: str = ""  # the page-scoped id (PSID)
    message_id: str = ""
    text: str = ""  # for quick replies and postbacks: the payload


def parse_events(body: Any) -> list[MessengerEvent]:
    """Every messaging item of every entry; what is not for the bot comes back as "ignored".
    A signed body can still hold anything: fields of the wrong type are skipped, never trusted."""
    if not isinstance(body, dict) or body.get("object") != "page":
        return []
    events = []
    for entry in as_list(body.get("entry")):
        for item in as_list(as_dict(entry).get("messaging")):
            if isinstance(item, dict):
                events.append(_parse_item(item))
    return events


def _parse_item(item: dict[str, Any]) -> MessengerEvent:
    sender = str(as_dict(item.get("sender")).get("id") or "")
    message = item.get("message")
    if isinstance(message, dict):
        mid = str(message.get("mid") or "")
        if message.get("is_echo"):
            return MessengerEvent("ignored", sender, mid)
        quick = as_dict(message.get("quick_reply"))
        text = str(quick.get("payload") or message.get("text") or "").strip()
        if text and sender and mid:
            return MessengerEvent("text", sender, mid, text)
        if message.get("attachments") and sender:
            return MessengerEvent("media", sender, mid or f"media:{sender}:{item.get('timestamp')}")
        return MessengerEvent("ignored", sender, mid)
    postback = item.get("postback")
    if isinstance(postback, dict):
        text = str(postback.get("payload") or postback.get("title") or "").strip()
        mid = str(postback.get("mid") or f"postback:{sender}:{item.get('timestamp')}")
        if text and sender:
            return MessengerEvent("text", sender, mid, text)
    return MessengerEvent("ignored", sender)  # delivery, read, reaction, handover...


def quick_replies(buttons: list[Button], start: int = 1) -> list[dict[str, Any]]:
    """Messenger cuts quick-reply titles at 20 characters: they are numbered (from `start`, as in
    the text, which lists the full titles)."""
    out = []
    for i, b in enumerate(buttons[:QUICK_REPLY_LIMIT], start=start):
        title = f"{i}. {b.title}"
        if len(title) > QUICK_REPLY_TITLE:
            title = title[:QUICK_REPLY_TITLE - 1].rstrip() + "…"
        out.append({"content_type": "text", "title": title, "payload": b.payload[:PAYLOAD_LIMIT]})
    return out


@dataclass
class MessengerClient:
    settings: MessengerSettings
    session: requests.Session = field(default_factory=requests.Session)
    timeout_s: float = 15.0
    sleep: Callable[[float], None] = time.sleep

    @property
    def url(self) -> str:
        s = self.settings
        return f"{s.graph_base}/{s.graph_version}/me/messages"

    def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        def call() -> dict[str, Any]:
            response = self.session.post(self.url, params={"access_token": self.settings.page_access_token},
                                         json=body, timeout=self.timeout_s)
            try:
                data = response.json()
            except ValueError:
                data = {}
            if response.status_code >= 500 or response.status_code == 429:
                raise PlatformError("messenger", response.status_code, "server error", retryable=True)
            if response.status_code >= 400 or "error" in data:
                error = data.get("error") or {}
                code = error.get("code", response.status_code)
                raise PlatformError("messenger", code, scrub(error.get("message") or "request refused"),
                                    retryable=code in RETRYABLE_CODES)
            return data

        return with_retries(call, sleep=self.sleep, what="Messenger send")

    def send_text(self, psid: str, text: str, messaging_type: str = "RESPONSE", tag: Optional[str] = None,
                  quick: Optional[list[dict[str, Any]]] = None) -> list[str]:
        """Sends the text in pieces of at most 2,000 characters; quick replies go with the last."""
        pieces = split_text(text, TEXT_LIMIT) or [""]
        ids = []
        for n, piece in enumerate(pieces):
            message: dict[str, Any] = {"text": piece}
            if quick and n == len(pieces) - 1:
                message["quick_replies"] = quick
            body: dict[str, Any] = {"recipient": {"id": psid}, "messaging_type": messaging_type, "message": message}
            if messaging_type == "MESSAGE_TAG":
                body["tag"] = tag or "HUMAN_AGENT"
            ids.append(str(self._post(body).get("message_id") or ""))
        return ids

"""Zalo Official Account: webhook signature, event parsing and a small Open API client (requests).

No Rasa here: `connectors/zalo_channel.py` is the Rasa glue. Protocol facts, with sources, are in
../shared/channels-reference.md §1:

- Webhook: `X-ZEvent-Signature: mac=<hex sha256(app_id + raw body + timestamp + OA secret key)>`,
  the timestamp being the body's `timestamp` field (milliseconds, as text).
- Customer-service message: POST {api}/v3.0/oa/message/cs with the `access_token` header; the
  HTTP status is 200 even on failure, `error` != 0 says why. Text up to 2,000 characters.
- Token: POST {oauth}/v4/oa/access_token (form: refresh_token, app_id, grant_type=refresh_token;
  header `secret_key` = the app secret). The access token lives about 25 h; the refresh token is
  single-use, so the new one is saved before anything else, under a lock shared by threads and
  processes (two workers must not spend the same refresh token).
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import logging
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

import requests

from connectors.common import PlatformError, as_dict, env_or_none, scrub, split_text, state_dir, with_retries

logger = logging.getLogger(__name__)

API_BASE = "https://openapi.zalo.me"
OAUTH_BASE = "https://oauth.zaloapp.com"
TEXT_LIMIT = 2000
REFRESH_AHEAD_S = 3600  # refresh when less than an hour is left
DEFAULT_LIFETIME_S = 25 * 3600
MAX_EVENT_AGE_S = 15 * 60  # older signed events are refused as replays
TOKEN_ERRORS = {-216, -220}  # invalid / expired token: refresh once, then try again
RETRYABLE_ERRORS = {-32}  # rate limit
# Errors saying the user cannot be reached now (window closed, unfollowed, blocked): never retried.
UNREACHABLE_ERRORS = {-213, -217, -227, -230, -232, -234, -244}

USER_MESSAGE_EVENTS = {"user_send_text"}
MEDIA_EVENTS = {"user_send_image", "user_send_link", "user_send_audio", "user_send_video", "user_send_sticker",
                "user_send_gif", "user_send_location", "user_send_file", "user_send_business_card"}


@dataclass(frozen=True)
class ZaloSettings:
    app_id: str
    app_secret: Optional[str]
    oa_secret_key: str
    access_token: Optional[str]
    refresh_token: Optional[str]
    api_base: str = API_BASE
    oauth_base: str = OAUTH_BASE
    token_file: Optional[Path] = None

    @classmethod
    def from_env(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["ZaloSettings"]:
        """The channel is on when the app id, the OA secret key and a token are set."""
        env = lambda name: env_or_none(name, environ)  # noqa: E731
        app_id, oa_secret = env("ZALO_APP_ID"), env("ZALO_OA_SECRET_KEY")
        access, refresh = env("ZALO_ACCESS_TOKEN"), env("ZALO_REFRESH_TOKEN")
        if not (app_id and oa_secret and (access or refresh)):
            return None
        token_file = env("ZALO_TOKEN_FILE")  # unset: the client keeps it in the channel state folder
        return cls(app_id=app_id, app_secret=env("ZALO_APP_SECRET"), oa_secret_key=oa_secret,
                   access_token=access, refresh_token=refresh,
                   api_base=(env("ZALO_API_BASE") or API_BASE).rstrip("/"),
                   oauth_base=(env("ZALO_OAUTH_BASE") or OAUTH_BASE).rstrip("/"),
                   token_file=Path(token_file) if token_file else None)


# --- webhook -----------------------------------------------------------------------------------------


def signature(app_id: str, raw_body: bytes, timestamp: str, oa_secret_key: str) -> str:
    digest = hashlib.sha256(app_id.encode() + raw_body + str(timestamp).encode() + oa_secret_key.encode())
    return "mac=" + digest.hexdigest()


def signature_ok(raw_body: bytes, header: Optional[str], app_id: str, oa_secret_key: str,
                 now_ms: Optional[float] = None, max_age_s: float = MAX_EVENT_AGE_S) -> tuple[bool, str]:
    """(valid, reason). Checks the MAC over the raw bytes with the body's own timestamp, that the
    event is for this app, and that it is recent (a captured event cannot be replayed later)."""
    if not header:
        return False, "missing signature"
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return False, "body is not JSON"
    if not isinstance(body, dict):
        return False, "body is not an object"
    timestamp = str(body.get("timestamp", ""))
    expected = signature(app_id, raw_body, timestamp, oa_secret_key)
    if not hmac.compare_digest(header.strip().lower().encode(), expected.encode()):
        return False, "bad signature"
    if str(body.get("app_id", app_id)) != app_id:
        return False, "event for another app"
    try:
        age_s = abs((now_ms if now_ms is not None else time.time() * 1000) - float(timestamp)) / 1000
    except ValueError:
        return False, "bad timestamp"
    if age_s > max_age_s:
        return False, "stale event"
    return True, ""


@dataclass(frozen=True)
class ZaloEvent:
    kind: str  # "text" | "media" | "follow" | "ignored"
    user_id: str = ""
    message_id: str = ""  # the dedupe key
    text: str = ""
    event_name: str = ""
    media_type: str = ""


def parse_event(body: dict[str, Any]) -> ZaloEvent:
    """What an event means for the bot. Ids stay strings (they overflow 64-bit in some tools)."""
    name = str(body.get("event_name") or "")
    sender = str(as_dict(body.get("sender")).get("id") or "")
    message = as_dict(body.get("message"))
    msg_id = str(message.get("msg_id") or "")
    if name in USER_MESSAGE_EVENTS:
        text = str(message.get("text") or "").strip()
        if sender and msg_id and text:
            return ZaloEvent("text", sender, msg_id, text, name)
        return ZaloEvent("ignored", sender, msg_id, event_name=name)
    if name in MEDIA_EVENTS:
        return ZaloEvent("media", sender, msg_id or f"{name}:{sender}:{body.get('timestamp')}", event_name=name,
                         media_type=name.removeprefix("user_send_"))
    if name == "follow":
        follower = str(as_dict(body.get("follower")).get("id") or sender)
        return ZaloEvent("follow", follower, f"follow:{follower}:{body.get('timestamp')}", event_name=name)
    # Echoes of the OA's own messages (oa_send_*), receipts, unfollow, anonymous users...
    return ZaloEvent("ignored", sender, msg_id, event_name=name)


# --- tokens ------------------------------------------------------------------------------------------


@dataclass
class TokenPair:
    access_token: Optional[str]
    refresh_token: Optional[str]
    expires_at: Optional[float]  # epoch seconds; None when unknown (a token given in the environment)


class ZaloTokenStore:
    """The current token pair in a JSON file (mode 600), guarded by a thread lock and an fcntl lock
    on a side file so that only one thread of one process refreshes at a time. Seeded from the
    environment the first time."""

    def __init__(self, path: Path, seed: TokenPair) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")
        self.seed = seed
        self._thread_lock = threading.Lock()

    def _read(self) -> TokenPair:
        try:
            data = json.loads(self.path.read_text())
            return TokenPair(data.get("access_token"), data.get("refresh_token"), data.get("expires_at"))
        except (OSError, ValueError):
            return TokenPair(self.seed.access_token, self.seed.refresh_token, self.seed.expires_at)

    def _write(self, pair: TokenPair) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + f".{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(pair.__dict__, out)
        os.replace(tmp, self.path)

    def current(self) -> TokenPair:
        return self._read()

    def refresh_if(self, needs_refresh: Callable[[TokenPair], bool],
                   refresh: Callable[[str], TokenPair]) -> TokenPair:
        """Under both locks: re-read (another process may have refreshed meanwhile), refresh when
        still needed, save the new pair at once."""
        with self._thread_lock:
            self.lock_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.lock_path, "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)
                try:
                    pair = self._read()
                    if not needs_refresh(pair):
                        return pair
                    if not pair.refresh_token:
                        raise PlatformError("zalo", "no_refresh_token",
                                            "the access token expired and no refresh token is configured")
                    new = refresh(pair.refresh_token)
                    self._write(new)
                    return new
                finally:
                    fcntl.flock(lock, fcntl.LOCK_UN)


# --- API client --------------------------------------------------------------------------------------


@dataclass
class ZaloClient:
    settings: ZaloSettings
    session: requests.Session = field(default_factory=requests.Session)
    timeout_s: float = 15.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time

    def __post_init__(self) -> None:
        s = self.settings
        self.tokens = ZaloTokenStore(s.token_file or state_dir() / "zalo-token.json",
                                     TokenPair(s.access_token, s.refresh_token, None))

    # tokens
    def _refresh(self, refresh_token: str) -> TokenPair:
        s = self.settings
        if not s.app_secret:
            raise PlatformError("zalo", "no_app_secret", "ZALO_APP_SECRET is needed to refresh the token")

        def call() -> TokenPair:
            response = self.session.post(
                f"{s.oauth_base}/v4/oa/access_token", timeout=self.timeout_s,
                headers={"secret_key": s.app_secret, "Content-Type": "application/x-www-form-urlencoded"},
                data={"refresh_token": refresh_token, "app_id": s.app_id, "grant_type": "refresh_token"})
            if response.status_code >= 500 or response.status_code == 429:
                raise PlatformError("zalo", response.status_code, "token endpoint unavailable", retryable=True)
            try:
                data = response.json()
            except ValueError:
                raise PlatformError("zalo", response.status_code, "token endpoint answered no JSON") from None
            # The SDK's shape has the tokens at the top level; an older one nests them under "data".
            if isinstance(data.get("data"), dict) and "access_token" not in data:
                data = data["data"]
            if not data.get("access_token"):
                raise PlatformError("zalo", data.get("error", response.status_code),
                                    scrub(data.get("message") or data.get("error_description") or "refresh refused"))
            lifetime = float(data.get("expires_in") or DEFAULT_LIFETIME_S)
            return TokenPair(data["access_token"], data.get("refresh_token") or refresh_token,
                             self.clock() + lifetime)

        pair = with_retries(call, sleep=self.sleep, what="Zalo token refresh")
        logger.info("Zalo access token refreshed; valid for %.0f h", (pair.expires_at - self.clock()) / 3600)
        return pair

    def access_token(self) -> str:
        pair = self.tokens.current()
        if pair.access_token and (pair.expires_at is None or pair.expires_at - self.clock() > REFRESH_AHEAD_S):
            return pair.access_token
        pair = self.tokens.refresh_if(
            lambda p: not p.access_token or (p.expires_at is not None and p.expires_at - self.clock() <= REFRESH_AHEAD_S),
            self._refresh)
        return pair.access_token or ""

    def _force_refresh(self, rejected: str) -> str:
        pair = self.tokens.refresh_if(lambda p: p.access_token == rejected, self._refresh)
        return pair.access_token or ""

    # messages
    def _post_cs(self, body: dict[str, Any]) -> dict[str, Any]:
        url = f"{self.settings.api_base}/v3.0/oa/message/cs"
        token = self.access_token()
        refreshed = False
        while True:
            def call() -> dict[str, Any]:
                response = self.session.post(url, json=body, timeout=self.timeout_s,
                                             headers={"access_token": token})
                if response.status_code >= 500 or response.status_code == 429:
                    raise PlatformError("zalo", response.status_code, "server error", retryable=True)
                try:
                    data = response.json()
                except ValueError:
                    raise PlatformError("zalo", response.status_code, "answer is not JSON", retryable=True) from None
                code = int(data.get("error") or 0)
                if code != 0:
                    raise PlatformError("zalo", code, scrub(data.get("message") or ""),
                                        retryable=code in RETRYABLE_ERRORS)
                return data

            try:
                return with_retries(call, sleep=self.sleep, what="Zalo send")
            except PlatformError as exc:
                if exc.code in TOKEN_ERRORS and not refreshed:
                    refreshed = True
                    token = self._force_refresh(token)
                    continue
                raise

    def send_text(self, user_id: str, text: str) -> list[str]:
        """Sends the text as one or more CS messages; returns Zalo's message ids."""
        ids = []
        for piece in split_text(text, TEXT_LIMIT):
            data = self._post_cs({"recipient": {"user_id": user_id}, "message": {"text": piece}})
            ids.append(str((data.get("data") or {}).get("message_id") or ""))
        return ids

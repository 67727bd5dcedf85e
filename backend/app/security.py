"""Who is calling: the bot's bearer token (operator sessions come with the inbox)."""

from __future__ import annotations

import hmac

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from backend.app.errors import ApiError

_bearer = HTTPBearer(auto_error=False, description="BACKEND_BOT_TOKEN")
BOT_ACTOR = "bot"


def require_bot_token(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    """The actor name for history rows; 401 unless the bearer token matches (constant time)."""
    expected = request.app.state.settings.bot_token.encode()
    given = credentials.credentials.encode() if credentials else b""
    if not credentials or not hmac.compare_digest(given, expected):
        raise ApiError(401, "unauthorized", "Thiếu hoặc sai mã xác thực (Authorization: Bearer ...).",
                       headers={"WWW-Authenticate": "Bearer"})
    return BOT_ACTOR


def client_ip(request: Request) -> str:
    # Behind a reverse proxy, run uvicorn with --proxy-headers/--forwarded-allow-ips so this is
    # the citizen's address, not the proxy's.
    return request.client.host if request.client else "unknown"

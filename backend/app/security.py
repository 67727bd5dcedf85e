"""Who is calling, and what they may do.

Two kinds of callers:
- the bot (action server), with `Authorization: Bearer <BACKEND_BOT_TOKEN>`: the history records
  "bot" (or, on operator endpoints, the body's optional `actor`);
- staff with a login session (inbox): an HttpOnly cookie holding a random token (stored hashed),
  plus the session's CSRF token on every state-changing request (`X-CSRF-Token` header for the
  JSON API, a `csrf_token` form field for inbox forms). The history records their user name.

Roles: operator (every ticket), agency_staff (only tickets forwarded to their agency; others are
404 as if they did not exist), supervisor (everything, plus users and reports).

Dependencies: `require_staff` (JSON API: bot token or session), `require_page_login` (HTML pages:
redirects to the login form), `require_supervisor` (HTML pages for supervisors only; 403 for
other staff). The last two return a `Principal`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qsl

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.errors import ApiError
from backend.app.models import Role, Ticket, User, UserSession
from backend.app.services.users import SessionPolicy, resolve_session

_bearer = HTTPBearer(auto_error=False, description="BACKEND_BOT_TOKEN")
BOT_ACTOR = "bot"
SESSION_COOKIE = "tongdai1022_session"
LOGIN_CSRF_COOKIE = "tongdai1022_login_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
LOGIN_PATH = "/inbox/login"


@dataclass
class Principal:
    """The caller: the bot, or a logged-in staff member."""

    actor: str  # written to ticket history
    role: str  # "bot" or a Role value
    user: User | None = None
    login: UserSession | None = None

    @property
    def is_bot(self) -> bool:
        return self.user is None

    @property
    def csrf_token(self) -> str:
        return self.login.csrf_token if self.login else ""

    @property
    def agency_id(self) -> int | None:
        return self.user.agency_id if self.user else None

    @property
    def is_supervisor(self) -> bool:
        return self.role == Role.SUPERVISOR

    @property
    def is_agency_staff(self) -> bool:
        return self.role == Role.AGENCY_STAFF

    def can_see(self, ticket: Ticket) -> bool:
        return not self.is_agency_staff or (ticket.agency_id is not None and ticket.agency_id == self.agency_id)

    def scope_agency_id(self) -> int | None:
        """The only agency whose tickets this caller sees (None: all)."""
        return self.agency_id if self.is_agency_staff else None


def session_policy(request: Request) -> SessionPolicy:
    settings = request.app.state.settings
    return SessionPolicy(lifetime=timedelta(hours=settings.session_lifetime_hours),
                         idle=timedelta(minutes=settings.session_idle_minutes))


def bot_token_matches(request: Request, given: str) -> bool:
    expected = request.app.state.settings.bot_token.encode()
    return hmac.compare_digest(given.encode(), expected)


def _unauthorized() -> ApiError:
    return ApiError(401, "unauthorized", "Thiếu hoặc sai mã xác thực (Authorization: Bearer ...).",
                    headers={"WWW-Authenticate": "Bearer"})


def require_bot_token(request: Request,
                      credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    """The actor name for history rows; 401 unless the bearer token matches (constant time)."""
    if not credentials or not bot_token_matches(request, credentials.credentials):
        raise _unauthorized()
    return BOT_ACTOR


def login_from_cookie(request: Request, session: Session) -> UserSession | None:
    """The caller's live login session (looked up once per request)."""
    if not hasattr(request.state, "login"):
        request.state.login = resolve_session(session, request.cookies.get(SESSION_COOKIE), session_policy(request))
    return request.state.login


def _principal(login: UserSession) -> Principal:
    return Principal(actor=login.user.username, role=login.user.role, user=login.user, login=login)


def csrf_matches(login: UserSession, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), login.csrf_token.encode())


def require_staff(request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer),
                  session: Session = Depends(get_session)) -> Principal:
    """JSON API: the bot's bearer token, or a staff session cookie (with the CSRF header on
    unsafe methods: 403 without it). 401 otherwise."""
    if credentials is not None:
        if not bot_token_matches(request, credentials.credentials):
            raise _unauthorized()
        return Principal(actor=BOT_ACTOR, role="bot")
    login = login_from_cookie(request, session)
    if login is None:
        raise _unauthorized()
    if request.method not in SAFE_METHODS and not csrf_matches(login, request.headers.get(CSRF_HEADER)):
        raise ApiError(403, "csrf_failed", "Thiếu hoặc sai mã chống giả mạo yêu cầu (X-CSRF-Token).")
    return _principal(login)


def forbid_agency_staff(principal: Principal) -> None:
    if principal.is_agency_staff:
        raise ApiError(403, "forbidden", "Tài khoản cán bộ cơ quan không được thực hiện thao tác này.")


# --- HTML pages ---------------------------------------------------------------------------------

class LoginRequired(Exception):
    """Not logged in: the page handler sends the browser to the login form."""


class PageForbidden(Exception):
    def __init__(self, message: str = "Anh/Chị không có quyền truy cập trang này."):
        super().__init__(message)
        self.message = message


class CsrfFailed(Exception):
    pass


def require_page_login(request: Request, session: Session = Depends(get_session)) -> Principal:
    login = login_from_cookie(request, session)
    if login is None:
        raise LoginRequired()
    return _principal(login)


def require_supervisor(principal: Principal = Depends(require_page_login)) -> Principal:
    """HTML pages for supervisors (user management, reports): login form when logged out, 403
    for other roles."""
    if not principal.is_supervisor:
        raise PageForbidden("Trang này chỉ dành cho giám sát viên.")
    return principal


class FormError(Exception):
    pass


async def read_form(request: Request, max_fields: int = 100) -> dict[str, str]:
    """An application/x-www-form-urlencoded body as {name: first value} (the body size is already
    capped by the BodySizeLimit middleware)."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormError("unsupported content type")
    try:
        pairs = parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True,
                          max_num_fields=max_fields)
    except (UnicodeDecodeError, ValueError) as e:
        raise FormError(str(e)) from None
    form: dict[str, str] = {}
    for name, value in pairs:
        form.setdefault(name, value)
    return form


async def read_checked_form(request: Request, principal: Principal) -> dict[str, str]:
    """The form of a state-changing inbox request; CsrfFailed (403) unless its csrf_token is the
    session's."""
    try:
        form = await read_form(request)
    except FormError:
        raise CsrfFailed() from None
    if principal.login is None or not csrf_matches(principal.login, form.get(CSRF_FIELD)):
        raise CsrfFailed()
    return form


SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
                                "base-uri 'none'; object-src 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _simple_page(title: str, message: str, status_code: int) -> HTMLResponse:
    from html import escape

    html = (f'<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width, initial-scale=1"><title>{escape(title)}</title>'
            f'<link rel="stylesheet" href="/inbox/static/inbox.css"></head><body><main class="narrow">'
            f'<h1>{escape(title)}</h1><p>{escape(message)}</p><p><a href="/inbox">Về hộp thư</a></p>'
            f'</main></body></html>')
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def install_page_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login_required(_request: Request, _exc: LoginRequired):
        return RedirectResponse(LOGIN_PATH, status_code=303, headers={"Cache-Control": "no-store"})

    @app.exception_handler(PageForbidden)
    async def _forbidden(_request: Request, exc: PageForbidden):
        return _simple_page("Không có quyền truy cập", exc.message, 403)

    @app.exception_handler(CsrfFailed)
    async def _csrf_failed(_request: Request, _exc: CsrfFailed):
        return _simple_page("Yêu cầu không hợp lệ",
                            "Biểu mẫu đã hết hạn hoặc không hợp lệ. Anh/Chị vui lòng tải lại trang và thử lại.", 403)


def client_ip(request: Request) -> str:
    # Behind a reverse proxy, run uvicorn with --proxy-headers/--forwarded-allow-ips so this is
    # the citizen's address, not the proxy's.
    return request.client.host if request.client else "unknown"

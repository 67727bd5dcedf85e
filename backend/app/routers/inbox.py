"""The operator inbox (server-rendered, Vietnamese): login, ticket queue, ticket page with replies,
notes, forwarding and status changes, manual entry of phone/counter/email contacts, procedure
look-up, and user management for supervisors.

Every state-changing form carries the session's CSRF token (403 without it). Personal data (phone
numbers, names) never goes into a URL: the queue's free-text search is a POST form.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.app.db import get_session, utc_now
from backend.app.models import CHANNELS, ROLE_LABELS, Agency, Delivery, Role, Ticket, User
from backend.app.models.tickets import KIND_LABELS, TicketKind
from backend.app.routers.procedures import knowledge_base
from backend.app.schemas.tickets import TicketCreate
from backend.app.security import (CSRF_FIELD, LOGIN_CSRF_COOKIE, SECURITY_HEADERS, SESSION_COOKIE, CsrfFailed,
                                  FormError, PageForbidden, Principal, client_ip, login_from_cookie,
                                  read_checked_form, read_form, require_page_login, require_supervisor,
                                  session_policy)
from backend.app.services import deliveries as delivery_service
from backend.app.services import tickets as ticket_service
from backend.app.services import users as user_service
from backend.app.services.canned_replies import load_canned_replies
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services.statuses import (OVERDUE_LABEL, STATUS_LABELS, TicketStatus, TransitionNotAllowed,
                                           can_transition, is_overdue, status_label)
from backend.app.services.ticket_codes import normalize_ticket_code

router = APIRouter(prefix="/inbox", include_in_schema=False)

APP_DIR = Path(__file__).resolve().parents[1]
TEMPLATES = Jinja2Templates(directory=str(APP_DIR / "templates"))  # autoescape is on
STATIC_DIR = APP_DIR / "static" / "inbox"
STATIC_FILES = {"inbox.css": "text/css; charset=utf-8", "inbox.js": "text/javascript; charset=utf-8",
                "ticket_live.js": "text/javascript; charset=utf-8"}
PAGE_SIZE = 25
VIETNAM = timezone(timedelta(hours=7))  # no daylight saving time

CHANNEL_LABELS = {"web": "Website", "zalo": "Zalo", "messenger": "Messenger", "telegram": "Telegram",
                  "phone": "Điện thoại", "email": "Thư điện tử", "counter": "Trực tiếp tại quầy"}
MANUAL_CHANNELS = ("phone", "counter", "email")
ACTION_LABELS = {"assignee": "Nhận xử lý", "created": "Tạo phiếu", "status": "Đổi trạng thái", "agency": "Chuyển cơ quan xử lý",
                 "reply": "Trả lời công dân", "note": "Ghi chú nội bộ", "satisfaction": "Đánh giá hài lòng",
                 "citizen_message": "Công dân nhắn tin", "handback": "Trả lại cho trợ lý ảo"}
SENDER_LABELS = {"user": "Công dân", "bot": "Trợ lý ảo", "operator": "Tổng đài viên"}
# Status buttons on the ticket page (forwarding to an agency has a form of its own).
STATUS_ACTIONS = {TicketStatus.IN_PROGRESS: "Chuyển sang Đang xử lý", TicketStatus.ANSWERED: "Đánh dấu Đã trả lời",
                  TicketStatus.CLOSED: "Đóng phiếu"}
FIELD_MESSAGES = {"summary": "Tóm tắt nội dung", "citizen_phone": "Số điện thoại", "description": "Nội dung chi tiết",
                  "citizen_name": "Họ tên", "location": "Địa điểm", "field": "Lĩnh vực",
                  "procedure_code": "Mã thủ tục", "kind": "Loại phiếu", "channel": "Kênh tiếp nhận"}


def vn_time(value: datetime | None, with_time: bool = True) -> str:
    if value is None:
        return ""
    local = value.astimezone(VIETNAM)
    return local.strftime("%d/%m/%Y %H:%M" if with_time else "%d/%m/%Y")


TEMPLATES.env.filters["vn_time"] = vn_time
TEMPLATES.env.globals.update(STATUS_LABELS={s.value: label for s, label in STATUS_LABELS.items()},
                             CHANNEL_LABELS=CHANNEL_LABELS, KIND_LABELS={k.value: v for k, v in KIND_LABELS.items()},
                             ACTION_LABELS=ACTION_LABELS, SENDER_LABELS=SENDER_LABELS, OVERDUE_LABEL=OVERDUE_LABEL,
                             ROLE_LABELS={r.value: v for r, v in ROLE_LABELS.items()}, CSRF_FIELD=CSRF_FIELD,
                             DELIVERY_KIND_LABELS=delivery_service.KIND_LABELS,
                             DELIVERY_STATUS_LABELS=delivery_service.STATUS_LABELS)


def render(request: Request, template: str, principal: Principal | None, status_code: int = 200,
           **context) -> HTMLResponse:
    context.update(principal=principal, user=principal.user if principal else None,
                   csrf_token=principal.csrf_token if principal else "")
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code,
                                      headers=SECURITY_HEADERS)


def _redirect(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303, headers={"Cache-Control": "no-store"})


@router.get("/static/{name}", name="inbox_static")
def static_file(name: str, request: Request) -> Response:
    media_type = STATIC_FILES.get(name)
    if media_type is None:
        return Response("Not found", status_code=404)
    body = (STATIC_DIR / name).read_bytes()
    etag = '"%s"' % hashlib.sha256(body).hexdigest()[:24]
    headers = {"Cache-Control": "private, max-age=300", "ETag": etag, "X-Content-Type-Options": "nosniff"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


# --- Login and logout -----------------------------------------------------------------------------

def _login_limiter(request: Request) -> SlidingWindowRateLimiter:
    state = request.app.state
    if getattr(state, "login_limiter", None) is None:
        state.login_limiter = SlidingWindowRateLimiter(state.settings.login_rate_limit, 300.0)
    return state.login_limiter


def _login_page(request: Request, error: str = "", status_code: int = 200, username: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(32)
    response = render(request, "inbox/login.html", None, status_code=status_code, error=error,
                      login_csrf=token, username=username)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", path="/inbox/login",
                        secure=request.app.state.settings.is_production, max_age=3600)
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, session: Session = Depends(get_session)):
    if login_from_cookie(request, session) is not None:
        return _redirect("/inbox")
    return _login_page(request)


@router.post("/login", response_class=HTMLResponse)
async def login(request: Request, session: Session = Depends(get_session)):
    try:
        form = await read_form(request)
    except FormError:
        raise CsrfFailed() from None
    cookie_token = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = form.get(CSRF_FIELD, "")
    if not cookie_token or not given or not secrets.compare_digest(cookie_token, given):
        raise CsrfFailed()
    username = form.get("username", "")[:64]
    wait = _login_limiter(request).hit(client_ip(request))
    if wait:
        response = _login_page(request, "Anh/Chị đã thử đăng nhập quá nhiều lần. Vui lòng thử lại sau ít phút.",
                               429, username)
        response.headers["Retry-After"] = SlidingWindowRateLimiter.retry_after_header(wait)
        return response
    settings = request.app.state.settings
    try:
        user = user_service.authenticate(session, username, form.get("password", ""),
                                         max_failures=settings.login_max_failures,
                                         lockout=timedelta(minutes=settings.login_lockout_minutes))
    except user_service.LockedOut as e:
        return _login_page(request, "Tài khoản tạm khóa do nhập sai mật khẩu nhiều lần. "
                                    f"Anh/Chị vui lòng thử lại sau {vn_time(e.until)}.", 429, username)
    if user is None:
        return _login_page(request, "Tên đăng nhập hoặc mật khẩu không đúng.", 401, username)
    token, _row = user_service.start_session(session, user, session_policy(request))
    response = _redirect("/inbox")
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax", secure=settings.is_production,
                        path="/", max_age=settings.session_lifetime_hours * 3600)
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/inbox/login")
    return response


@router.post("/logout")
async def logout(request: Request, session: Session = Depends(get_session),
                 principal: Principal = Depends(require_page_login)):
    await read_checked_form(request, principal)
    user_service.end_session(session, request.cookies.get(SESSION_COOKIE))
    response = _redirect("/inbox/login")
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


# --- Queue ----------------------------------------------------------------------------------------

def _agencies(session: Session) -> list[Agency]:
    return list(session.scalars(select(Agency).order_by(Agency.name)))


def _fields(session: Session, principal: Principal) -> list[str]:
    query = select(Ticket.field).where(Ticket.field != "").distinct()
    if principal.scope_agency_id() is not None:
        query = query.where(Ticket.agency_id == principal.scope_agency_id())
    return sorted(session.scalars(query))


def _queue_filters(source, allow_query: bool) -> dict[str, str]:
    keys = ("status", "channel", "field", "agency", "overdue", "mine", "undelivered", "page") + (
        ("q",) if allow_query else ())
    return {k: str(source.get(k, "")).strip()[:200] for k in keys}


def _queue(request: Request, session: Session, principal: Principal, raw: dict[str, str]) -> HTMLResponse:
    status = raw["status"] if raw["status"] in [s.value for s in TicketStatus] else ""
    channel = raw["channel"] if raw["channel"] in CHANNELS else ""
    try:
        page = max(1, min(int(raw["page"] or 1), 100_000))
    except ValueError:
        page = 1
    filters = ticket_service.TicketFilters(
        status=status or None, channel=channel or None, field=raw["field"] or None,
        agency_code=raw["agency"] or None, overdue=True if raw["overdue"] == "1" else None,
        query=raw.get("q") or None, agency_id=principal.scope_agency_id(),
        assigned_to=principal.actor if raw["mine"] == "1" else None, undelivered=raw["undelivered"] == "1")
    total, tickets = ticket_service.list_tickets(session, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    now = utc_now()
    undelivered = _undelivered_ticket_ids(session, [t.id for t in tickets])
    rows = [dict(ticket=t, overdue=is_overdue(t.status, t.due_at, now), undelivered=t.id in undelivered)
            for t in tickets]
    pages = max(1, math.ceil(total / PAGE_SIZE))
    return render(request, "inbox/queue.html", principal, filters={**raw, "status": status, "channel": channel},
                  rows=rows, total=total, page=page, pages=pages, agencies=_agencies(session),
                  fields=_fields(session, principal), channels=CHANNELS)


def _undelivered_ticket_ids(session: Session, ticket_ids: list[int]) -> set[int]:
    """The tickets among `ticket_ids` with a message that could not reach the citizen."""
    if not ticket_ids:
        return set()
    return set(session.scalars(select(Delivery.ticket_id).where(
        Delivery.ticket_id.in_(ticket_ids), Delivery.status.in_(delivery_service.NOT_DELIVERED)).distinct()))


@router.get("", response_class=HTMLResponse)
def queue(request: Request, session: Session = Depends(get_session),
          principal: Principal = Depends(require_page_login)):
    """The queue, filtered by the query string (never free text: that may be a phone number)."""
    return _queue(request, session, principal, _queue_filters(request.query_params, allow_query=False))


@router.post("", response_class=HTMLResponse)
async def queue_search(request: Request, session: Session = Depends(get_session),
                       principal: Principal = Depends(require_page_login)):
    """The queue with a free-text search (code, phone number, words): sent in the body."""
    form = await read_checked_form(request, principal)
    return _queue(request, session, principal, _queue_filters(form, allow_query=True))


# --- Ticket page ----------------------------------------------------------------------------------

def _visible_ticket(session: Session, code: str, principal: Principal) -> Ticket | None:
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    return ticket if ticket is not None and principal.can_see(ticket) else None


def _not_found(request: Request, principal: Principal) -> HTMLResponse:
    return render(request, "inbox/message.html", principal, status_code=404, title="Không tìm thấy phiếu",
                  message="Không có phiếu với mã này, hoặc phiếu không thuộc phạm vi xử lý của Anh/Chị.")


def _ticket_page(request: Request, session: Session, principal: Principal, ticket: Ticket, *,
                 error: str = "", notice: str = "", status_code: int = 200) -> HTMLResponse:
    now = utc_now()
    status_actions = [(s.value, label) for s, label in STATUS_ACTIONS.items()
                      if s.value != ticket.status and can_transition(ticket.status, s)]
    agencies = _agencies(session)
    return render(request, "inbox/ticket.html", principal, status_code=status_code, ticket=ticket,
                  agency_names={a.code: a.name for a in agencies},
                  overdue=is_overdue(ticket.status, ticket.due_at, now), status_actions=status_actions,
                  can_forward=not principal.is_agency_staff and can_transition(ticket.status, TicketStatus.ASSIGNED),
                  can_reply=ticket.status != TicketStatus.CLOSED.value,
                  can_answer=can_transition(ticket.status, TicketStatus.ANSWERED),
                  agencies=agencies, canned=request.app.state.canned_replies,
                  replies=[m for m in ticket.messages if m.kind == "reply"],
                  notes=[m for m in ticket.messages if m.kind == "note"],
                  staff_messages=[m for m in ticket.messages if m.kind in ("reply", "note")],
                  citizen_messages=[m for m in ticket.messages if m.kind == "citizen"],
                  has_conversation=delivery_service.has_conversation(ticket),
                  deliveries=list(reversed(ticket.deliveries)),
                  undelivered=[d for d in ticket.deliveries if d.status in delivery_service.NOT_DELIVERED],
                  error=error, notice=notice)


NOTICES = {"take": "Anh/Chị đã nhận xử lý phiếu này.", "release": "Đã bỏ nhận xử lý phiếu.",
           "reply": "Đã gửi trả lời cho công dân.", "note": "Đã lưu ghi chú nội bộ.",
           "status": "Đã cập nhật trạng thái.", "forward": "Đã chuyển phiếu tới cơ quan xử lý.",
           "created": "Đã tạo phiếu.",
           "handback": "Đã trả cuộc trò chuyện cho trợ lý ảo; công dân sẽ được thông báo.",
           "resend": "Đã đưa tin vào hàng đợi để gửi lại cho công dân."}


@router.get("/tickets/{code}", response_class=HTMLResponse)
def ticket_page(code: str, request: Request, session: Session = Depends(get_session),
                principal: Principal = Depends(require_page_login)):
    ticket = _visible_ticket(session, code, principal)
    if ticket is None:
        return _not_found(request, principal)
    return _ticket_page(request, session, principal, ticket, notice=NOTICES.get(request.query_params.get("done", ""), ""))


@router.get("/tickets/{code}/citizen-messages")
def citizen_messages(code: str, request: Request, session: Session = Depends(get_session),
                     principal: Principal = Depends(require_page_login)):
    """The citizen's messages after message id `after` (the ticket page polls this to show them live)."""
    ticket = _visible_ticket(session, code, principal)
    if ticket is None:
        return JSONResponse({"error": "ticket_not_found"}, status_code=404, headers=SECURITY_HEADERS)
    try:
        after = max(0, min(int(request.query_params.get("after", "0")), 2**62))
    except ValueError:
        after = 0
    messages = [{"id": m.id, "text": m.text, "at": vn_time(m.created_at)}
                for m in ticket_service.citizen_messages(session, ticket, after)]
    return JSONResponse({"messages": messages, "handoff_active": ticket.handoff_active}, headers=SECURITY_HEADERS)


@router.post("/tickets/{code}/{action}", response_class=HTMLResponse)
async def ticket_action(code: str, action: str, request: Request, session: Session = Depends(get_session),
                        principal: Principal = Depends(require_page_login)):
    form = await read_checked_form(request, principal)
    ticket = _visible_ticket(session, code, principal)
    if ticket is None or action not in ("reply", "note", "status", "forward", "take", "release", "handback",
                                        "resend"):
        return _not_found(request, principal)

    def fail(message: str, status_code: int) -> HTMLResponse:
        session.rollback()
        return _ticket_page(request, session, principal, ticket, error=message, status_code=status_code)

    try:
        if action in ("reply", "note"):
            text = form.get("text", "").strip()
            if action == "reply" and not text and form.get("canned", "").isdigit():
                replies = request.app.state.canned_replies
                index = int(form["canned"])
                text = replies[index].text if index < len(replies) else ""
            if not text or len(text) > 5000:
                return fail("Nội dung cần từ 1 đến 5.000 ký tự.", 422)
            if action == "reply" and ticket.status == TicketStatus.CLOSED.value:
                return fail("Phiếu đã đóng, không thể gửi trả lời.", 409)
            ticket_service.add_message(session, ticket, action, text, actor=principal.actor)
            if action == "reply" and form.get("mark_answered") == "1" and ticket.status != TicketStatus.ANSWERED.value:
                # The reply just sent tells the citizen: no second message for the status.
                ticket_service.change_status(session, ticket, TicketStatus.ANSWERED, actor=principal.actor,
                                             notify=False)
        elif action == "resend":
            delivery = next((d for d in ticket.deliveries if str(d.id) == form.get("delivery_id", "")), None)
            if delivery is None:
                return fail("Không tìm thấy tin cần gửi lại.", 404)
            why_not = delivery_service.requeue(delivery, utc_now())
            if why_not:
                session.commit()  # the reason shown is the current one
                return fail(f"Chưa thể gửi lại: {why_not}", 409)
            session.commit()
        elif action == "handback":
            try:
                ticket_service.hand_back(session, ticket, actor=principal.actor)
            except ticket_service.HandoffNotActive:
                return fail("Trợ lý ảo đang phụ trách cuộc trò chuyện này.", 409)
        elif action in ("take", "release"):
            if action == "release" and ticket.assigned_to not in (principal.actor, None) and not principal.is_supervisor:
                return fail("Chỉ người đang nhận xử lý hoặc giám sát viên được bỏ nhận phiếu này.", 403)
            ticket_service.set_assignee(session, ticket, principal.actor if action == "take" else None,
                                        actor=principal.actor)
        elif action == "status":
            target = form.get("status", "")
            if target not in STATUS_ACTIONS:
                return fail("Trạng thái không hợp lệ.", 422)
            ticket_service.change_status(session, ticket, target, actor=principal.actor)
        else:  # forward
            if principal.is_agency_staff:
                return fail("Tài khoản cán bộ cơ quan không chuyển phiếu sang cơ quan khác; "
                            "Anh/Chị vui lòng ghi chú để tổng đài viên xử lý.", 403)
            agency = session.scalars(select(Agency).where(Agency.code == form.get("agency_code", ""))).one_or_none()
            if agency is None:
                return fail("Anh/Chị vui lòng chọn cơ quan xử lý.", 422)
            ticket_service.assign_agency(session, ticket, agency, actor=principal.actor)
    except TransitionNotAllowed as exc:
        return fail(f"Không thể chuyển phiếu từ trạng thái “{status_label(exc.current)}” "
                    f"sang “{status_label(exc.target)}”.", 409)
    return _redirect(f"/inbox/tickets/{ticket.code}?done={action}")


# --- Manual entry (phone, counter, email) ----------------------------------------------------------

def _require_intake(principal: Principal) -> None:
    if principal.is_agency_staff:
        raise PageForbidden("Chỉ tổng đài viên và giám sát viên nhập phiếu mới.")


def _new_ticket_page(request: Request, principal: Principal, form: dict[str, str], errors: list[str],
                     status_code: int = 200) -> HTMLResponse:
    return render(request, "inbox/new_ticket.html", principal, status_code=status_code, form=form, errors=errors,
                  channels=MANUAL_CHANNELS, kinds=[k.value for k in TicketKind])


@router.get("/new", response_class=HTMLResponse)
def new_ticket_form(request: Request, principal: Principal = Depends(require_page_login)):
    _require_intake(principal)
    return _new_ticket_page(request, principal, {"channel": "phone", "kind": "question"}, [])


@router.post("/new", response_class=HTMLResponse)
async def new_ticket(request: Request, session: Session = Depends(get_session),
                     principal: Principal = Depends(require_page_login)):
    _require_intake(principal)
    form = await read_checked_form(request, principal)
    keys = ("channel", "kind", "summary", "description", "field", "procedure_code", "location",
            "citizen_name", "citizen_phone")
    values = {k: form.get(k, "").strip() for k in keys}
    errors = []
    if values["channel"] not in MANUAL_CHANNELS:
        errors.append("Kênh tiếp nhận: chọn Điện thoại, Trực tiếp tại quầy hoặc Thư điện tử.")
    if values["channel"] == "phone" and not values["citizen_phone"]:
        errors.append("Số điện thoại: cần nhập với phiếu tiếp nhận qua điện thoại.")
    data = None
    try:
        data = TicketCreate(**{k: v for k, v in values.items() if v != "" or k == "summary"})
    except ValidationError as e:
        for err in e.errors():
            field = str(err["loc"][0]) if err.get("loc") else ""
            label = FIELD_MESSAGES.get(field, field)
            if err["type"] == "invalid_phone":
                errors.append("Số điện thoại không hợp lệ: cần số di động hoặc cố định Việt Nam (ví dụ 0912345678).")
            elif err["type"] in ("string_too_short", "missing"):
                errors.append(f"{label}: không được để trống.")
            elif err["type"] == "string_too_long":
                errors.append(f"{label}: quá dài.")
            else:
                errors.append(f"{label}: giá trị không hợp lệ.")
    if errors or data is None:
        return _new_ticket_page(request, principal, values, errors, status_code=422)
    state = request.app.state
    ticket, _created = ticket_service.create_ticket(session, data, calendar=state.working_calendar,
                                                    due_working_days=state.settings.due_working_days,
                                                    actor=principal.actor)
    return _redirect(f"/inbox/tickets/{ticket.code}?done=created")


# --- Procedure look-up ----------------------------------------------------------------------------

def _procedure_card(kb, hit) -> dict:
    procedure = kb.procedure(hit.code)
    methods = [dict(channel=m.get("channel", ""), fee=m.get("fee", ""), time=m.get("processing_time", ""),
                    note=m.get("note", "")) for m in (procedure.methods if procedure else ())]
    documents = [dict(name=d.get("name", ""), copies=d.get("copies", ""), form=d.get("form", ""))
                 for d in (procedure.documents if procedure else ())]
    return dict(code=hit.code, name=hit.name, field=hit.field, agency=hit.agency, levels=list(hit.levels),
                methods=methods, documents=documents, url=procedure.url if procedure else "")


@router.get("/procedures", response_class=HTMLResponse)
def procedures(request: Request, principal: Principal = Depends(require_page_login)):
    q = request.query_params.get("q", "").strip()[:500]
    kb = knowledge_base(request)
    if kb is None:
        return render(request, "inbox/procedures.html", principal, status_code=503, q=q, available=False,
                      cards=[], elapsed_ms=None)
    cards, elapsed = [], None
    if q:
        result = kb.search(q, k=5)
        cards = [_procedure_card(kb, hit) for hit in result.hits]
        elapsed = round(result.elapsed_ms)
    return render(request, "inbox/procedures.html", principal, q=q, available=True, cards=cards, elapsed_ms=elapsed)


# --- Users (supervisors) --------------------------------------------------------------------------

def _users_page(request: Request, session: Session, principal: Principal, *, error: str = "", notice: str = "",
                form: dict[str, str] | None = None, status_code: int = 200) -> HTMLResponse:
    return render(request, "inbox/users.html", principal, status_code=status_code,
                  users=user_service.list_users(session), agencies=_agencies(session), roles=[r.value for r in Role],
                  error=error, notice=notice, form=form or {"role": "operator"})


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, session: Session = Depends(get_session),
          principal: Principal = Depends(require_supervisor)):
    return _users_page(request, session, principal)


@router.post("/users", response_class=HTMLResponse)
async def create_user(request: Request, session: Session = Depends(get_session),
                      principal: Principal = Depends(require_supervisor)):
    form = await read_checked_form(request, principal)
    values = {k: form.get(k, "").strip() for k in ("username", "display_name", "role", "agency_code")}
    try:
        user = user_service.create_user(session, values["username"], form.get("password", ""), values["role"],
                                        values["display_name"],
                                        agency_code=values["agency_code"] if values["role"] == Role.AGENCY_STAFF else None)
    except user_service.UserError as e:
        return _users_page(request, session, principal, error=str(e), form=values, status_code=422)
    return _users_page(request, session, principal, notice=f"Đã tạo tài khoản {user.username}.")


@router.post("/users/{user_id}/{action}", response_class=HTMLResponse)
async def user_action(user_id: int, action: str, request: Request, session: Session = Depends(get_session),
                      principal: Principal = Depends(require_supervisor)):
    form = await read_checked_form(request, principal)
    user = session.get(User, user_id)
    if user is None or action not in ("deactivate", "activate", "password"):
        return _users_page(request, session, principal, error="Không tìm thấy tài khoản.", status_code=404)
    if action == "password":  # a new password ends the account's sessions and lockout
        try:
            user_service.set_password(session, user, form.get("password", ""))
        except user_service.UserError as e:
            return _users_page(request, session, principal, error=str(e), status_code=422)
        if user.id == principal.user.id:
            return _redirect("/inbox/login")
        return _users_page(request, session, principal, notice=f"Đã đặt lại mật khẩu cho {user.username}.")
    if user.id == principal.user.id:
        return _users_page(request, session, principal, error="Anh/Chị không thể tự khóa tài khoản của mình.",
                           status_code=409)
    user_service.set_active(session, user, action == "activate")
    notice = f"Đã khóa tài khoản {user.username}." if action == "deactivate" else f"Đã mở lại tài khoản {user.username}."
    return _users_page(request, session, principal, notice=notice)

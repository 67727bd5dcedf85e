"""Tickets API. The bot creates and reads tickets with its bearer token; staff use the same
endpoints with their login session (cookie + X-CSRF-Token header on unsafe methods). With a
session the history records the logged-in user; with the bot token, the body's optional `actor`
(default "bot"). Agency staff see only tickets forwarded to their agency: any other is 404."""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.errors import ApiError
from backend.app.models import Agency, Ticket
from backend.app.schemas.tickets import (IDEMPOTENCY_KEY_PATTERN, ValidationErrorBody, AgencyAssignment, ApiErrorBody, Channel, Kind,
                                         CitizenMessageCreate, CitizenMessageView, MessageCreate,
                                         SatisfactionRating, StaffAction, StatusChange, Status, TicketCreate,
                                         TicketEventView, TicketMessageView, TicketPage, TicketStatusView,
                                         TicketView)
from backend.app.security import Principal, forbid_agency_staff, require_bot_token, require_staff
from backend.app.services.phones import last_four_digits
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services import tickets as ticket_service
from backend.app.services.statuses import TransitionNotAllowed, status_label
from backend.app.services.ticket_codes import normalize_ticket_code

router = APIRouter(prefix="/api/tickets", tags=["tickets"],
                   responses={401: {"model": ApiErrorBody}, 422: {"model": ValidationErrorBody}})



def ticket_not_found() -> ApiError:
    return ApiError(404, "ticket_not_found", "Không tìm thấy phiếu với mã này.")


@router.post("", status_code=201, response_model=TicketView,
             responses={200: {"model": TicketView, "description": "Replay of an idempotency key: the first ticket"}})
def create_ticket(body: TicketCreate, request: Request, response: Response,
                  session: Session = Depends(get_session), principal: Principal = Depends(require_staff),
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200,
                                                       pattern=IDEMPOTENCY_KEY_PATTERN)):
    """Create a ticket: 201 with its code. With an idempotency key (header `Idempotency-Key` or
    field `idempotency_key`) a second request returns the first ticket with 200."""
    forbid_agency_staff(principal)
    if idempotency_key and body.idempotency_key and idempotency_key != body.idempotency_key:
        raise ApiError(422, "idempotency_key_mismatch",
                       "Idempotency-Key trong header và trong nội dung khác nhau.")
    if idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    state = request.app.state
    ticket, created = ticket_service.create_ticket(
        session, body, calendar=state.working_calendar, due_working_days=state.settings.due_working_days,
        actor=principal.actor)
    if created:
        state.metrics.tickets_created.labels(ticket.channel, ticket.kind).inc()
    else:
        response.status_code = 200
    return ticket_service.staff_view(session, ticket)


def _ticket_or_404(session: Session, code: str, principal: Principal) -> Ticket:
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    if ticket is None or not principal.can_see(ticket):
        raise ticket_not_found()
    return ticket


def _acting(body: StaffAction, principal: Principal) -> str:
    """Who the history names: the logged-in user, or for the bot token the body's actor."""
    return (body.actor or principal.actor) if principal.is_bot else principal.actor


def _transition_error(exc: TransitionNotAllowed) -> ApiError:
    return ApiError(409, "transition_not_allowed",
                    f"Không thể chuyển phiếu từ trạng thái “{status_label(exc.current)}” "
                    f"sang “{status_label(exc.target)}”.")


@router.get("", response_model=TicketPage)
def list_tickets(session: Session = Depends(get_session), principal: Principal = Depends(require_staff),
                 status: Status | None = None, channel: Channel | None = None, kind: Kind | None = None,
                 field: str | None = Query(None, max_length=255),
                 agency: str | None = Query(None, max_length=32, description="agency code"),
                 channel_user_id: str | None = Query(None, max_length=200,
                                                     description="the citizen's id on the channel: their tickets"),
                 overdue: bool | None = None,
                 assigned_to: str | None = Query(None, max_length=64,
                                                 description="user name of the staff member who took the tickets"),
                 q: str | None = Query(None, min_length=1, max_length=200,
                                       description="code, phone number, or words of the summary/description/location"),
                 limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)):
    """Tickets newest first, filtered; `total` counts all matches."""
    filters = ticket_service.TicketFilters(status=status, channel=channel, kind=kind, field=field,
                                           agency_code=agency, channel_user_id=channel_user_id,
                                           overdue=overdue, query=q, agency_id=principal.scope_agency_id(),
                                           assigned_to=assigned_to)
    total, page = ticket_service.list_tickets(session, filters, limit=limit, offset=offset)
    return TicketPage(total=total, items=ticket_service.staff_views(session, page))


@router.get("/{code}", response_model=TicketView, responses={404: {"model": ApiErrorBody}})
def get_ticket(code: str, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)):
    """Status, agency, due date and latest public reply of a ticket. The code may be typed loosely
    ("pa 2612 483105")."""
    return ticket_service.staff_view(session, _ticket_or_404(session, code, principal))


@router.get("/{code}/history", response_model=list[TicketEventView], responses={404: {"model": ApiErrorBody}})
def ticket_history(code: str, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)):
    ticket = _ticket_or_404(session, code, principal)
    return [TicketEventView.model_validate(e, from_attributes=True) for e in ticket.events]


@router.get("/{code}/messages", response_model=list[TicketMessageView], responses={404: {"model": ApiErrorBody}})
def ticket_messages(code: str, session: Session = Depends(get_session), principal: Principal = Depends(require_staff)):
    ticket = _ticket_or_404(session, code, principal)
    return [TicketMessageView.model_validate(m, from_attributes=True) for m in ticket.messages]


@router.post("/{code}/status", response_model=TicketView,
             responses={404: {"model": ApiErrorBody}, 409: {"model": ApiErrorBody}})
def change_status(code: str, body: StatusChange, session: Session = Depends(get_session),
                  principal: Principal = Depends(require_staff)):
    """Move the ticket along received → assigned → in_progress → answered → closed (409 when the
    rules forbid the move; forward to an agency with /assign)."""
    ticket = _ticket_or_404(session, code, principal)
    try:
        ticket_service.change_status(session, ticket, body.status, actor=_acting(body, principal))
    except TransitionNotAllowed as exc:
        raise _transition_error(exc)
    return ticket_service.staff_view(session, ticket)


@router.post("/{code}/assign", response_model=TicketView,
             responses={404: {"model": ApiErrorBody}, 409: {"model": ApiErrorBody}})
def assign_agency(code: str, body: AgencyAssignment, session: Session = Depends(get_session),
                  principal: Principal = Depends(require_staff)):
    """Forward the ticket to an agency (status "assigned")."""
    ticket = _ticket_or_404(session, code, principal)
    forbid_agency_staff(principal)
    agency = session.scalars(select(Agency).where(Agency.code == body.agency_code)).one_or_none()
    if agency is None:
        raise ApiError(422, "unknown_agency", f"Không có cơ quan với mã {body.agency_code}.")
    try:
        ticket_service.assign_agency(session, ticket, agency, actor=_acting(body, principal))
    except TransitionNotAllowed as exc:
        raise _transition_error(exc)
    return ticket_service.staff_view(session, ticket)


def _add_message(kind: str, code: str, body: MessageCreate, session: Session,
                 principal: Principal) -> TicketMessageView:
    ticket = _ticket_or_404(session, code, principal)
    try:
        message = ticket_service.add_message(session, ticket, kind, body.text, actor=_acting(body, principal))
    except TransitionNotAllowed:
        raise ApiError(409, "ticket_closed", "Phiếu đã đóng, không thể gửi trả lời.")
    return TicketMessageView.model_validate(message, from_attributes=True)


@router.post("/{code}/replies", status_code=201, response_model=TicketMessageView,
             responses={404: {"model": ApiErrorBody}, 409: {"model": ApiErrorBody}})
def add_reply(code: str, body: MessageCreate, session: Session = Depends(get_session),
              principal: Principal = Depends(require_staff)):
    """A public reply to the citizen (shown by the bot and the public look-up). It does not change
    the status: set "answered" with /status."""
    return _add_message("reply", code, body, session, principal)


@router.post("/{code}/notes", status_code=201, response_model=TicketMessageView,
             responses={404: {"model": ApiErrorBody}})
def add_note(code: str, body: MessageCreate, session: Session = Depends(get_session),
             principal: Principal = Depends(require_staff)):
    """An internal note: staff only, never shown to the citizen."""
    return _add_message("note", code, body, session, principal)


@router.post("/{code}/satisfaction", response_model=TicketView,
             responses={404: {"model": ApiErrorBody}, 409: {"model": ApiErrorBody}})
def rate_ticket(code: str, body: SatisfactionRating, session: Session = Depends(get_session),
                principal: Principal = Depends(require_staff)):
    """The citizen's satisfaction (1-5) with the answer, as the bot collected it; 409 before the
    ticket is answered."""
    ticket = _ticket_or_404(session, code, principal)
    try:
        ticket_service.set_satisfaction(session, ticket, body.rating, actor=_acting(body, principal))
    except ticket_service.NotYetAnswered:
        raise ApiError(409, "not_answered_yet", "Phiếu chưa được trả lời nên chưa thể đánh giá.")
    return ticket_service.staff_view(session, ticket)


# --- Hand-off: the bot forwards the citizen's messages and asks for a ticket's status -------------

@router.post("/{code}/citizen-messages", status_code=201, response_model=CitizenMessageView,
             responses={200: {"model": CitizenMessageView, "description": "Replay of a message_id: the first message"},
                        404: {"model": ApiErrorBody}})
def add_citizen_message(code: str, body: CitizenMessageCreate, response: Response,
                        session: Session = Depends(get_session), _bot: str = Depends(require_bot_token)):
    """Bot only: a message the citizen wrote while an operator owns the conversation. Shown live in
    the inbox; opens the channel's send window again. The same `message_id` is stored once (200
    with the first message)."""
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    if ticket is None:
        raise ticket_not_found()
    message, created = ticket_service.add_citizen_message(session, ticket, body.text, body.message_id)
    if not created:
        response.status_code = 200
    return CitizenMessageView.model_validate(message, from_attributes=True)


def _verification_required() -> ApiError:
    return ApiError(403, "verification_required",
                    "Để xem phiếu này, Anh/Chị vui lòng cho biết 4 số cuối của số điện thoại đã dùng khi gửi phiếu.")


def _same(given: str, expected: str) -> bool:
    return bool(given) and bool(expected) and hmac.compare_digest(given.encode(), expected.encode())


@router.get("/{code}/citizen-status", response_model=TicketStatusView,
            responses={403: {"model": ApiErrorBody}, 404: {"model": ApiErrorBody}, 429: {"model": ApiErrorBody}})
def citizen_status(code: str, request: Request, session: Session = Depends(get_session),
                   _bot: str = Depends(require_bot_token),
                   sender_id: str | None = Query(None, max_length=200, description="the conversation's sender id"),
                   phone_last4: str | None = Query(None, pattern=r"^\d{4}$")):
    """Bot only: what the citizen may see of a ticket (status, agency, due date, latest public
    reply; no personal data) when the conversation is the ticket's (`sender_id`) or the citizen
    gives the last four digits of the phone. 403 `verification_required` otherwise (the same for
    wrong and missing digits); look-ups by digits count toward the public rate limit per code."""
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    if ticket is None:
        raise ticket_not_found()
    if not _same(sender_id or "", ticket.channel_user_id):
        if not phone_last4:
            raise _verification_required()
        limiter: SlidingWindowRateLimiter = request.app.state.public_lookup_limiter
        wait = limiter.hit(f"ticket:{ticket.code}")
        if wait:
            raise ApiError(429, "too_many_requests", "Anh/Chị tra cứu phiếu này quá nhiều lần. "
                                                     "Vui lòng thử lại sau ít phút.",
                           headers={"Retry-After": SlidingWindowRateLimiter.retry_after_header(wait)})
        if not _same(phone_last4, last_four_digits(ticket.citizen_phone)):
            raise _verification_required()
    return ticket_service.public_view(session, ticket)


@router.post("/{code}/handback", response_model=TicketView,
             responses={404: {"model": ApiErrorBody}, 409: {"model": ApiErrorBody}})
def hand_back(code: str, body: StaffAction | None = None, session: Session = Depends(get_session),
              principal: Principal = Depends(require_staff)):
    """The operator gives the conversation back to the bot (the citizen is told); 409
    `handoff_not_active` when the bot already has it."""
    ticket = _ticket_or_404(session, code, principal)
    try:
        ticket_service.hand_back(session, ticket, actor=_acting(body or StaffAction(), principal))
    except ticket_service.HandoffNotActive:
        raise ApiError(409, "handoff_not_active", "Trợ lý ảo đang phụ trách cuộc trò chuyện này.")
    return ticket_service.staff_view(session, ticket)

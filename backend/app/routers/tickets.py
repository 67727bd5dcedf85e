"""Tickets API for the bot (bearer token); operator endpoints come with the inbox."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Header, Request, Response
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.errors import ApiError
from backend.app.schemas.tickets import IDEMPOTENCY_KEY_PATTERN, ApiErrorBody, TicketCreate, TicketView
from backend.app.security import require_bot_token
from backend.app.services import tickets as ticket_service
from backend.app.services.ticket_codes import normalize_ticket_code

router = APIRouter(prefix="/api/tickets", tags=["tickets"],
                   responses={401: {"model": ApiErrorBody}, 422: {"description": "Invalid input"}})

TICKET_NOT_FOUND = ApiError(404, "ticket_not_found", "Không tìm thấy phiếu với mã này.")


@router.post("", status_code=201, response_model=TicketView,
             responses={200: {"model": TicketView, "description": "Replay of an idempotency key: the first ticket"}})
def create_ticket(body: TicketCreate, request: Request, response: Response,
                  session: Session = Depends(get_session), actor: str = Depends(require_bot_token),
                  idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=200,
                                                       pattern=IDEMPOTENCY_KEY_PATTERN)):
    """Create a ticket: 201 with its code. With an idempotency key (header `Idempotency-Key` or
    field `idempotency_key`) a second request returns the first ticket with 200."""
    if idempotency_key and body.idempotency_key and idempotency_key != body.idempotency_key:
        raise ApiError(422, "idempotency_key_mismatch",
                       "Idempotency-Key trong header và trong nội dung khác nhau.")
    if idempotency_key:
        body = body.model_copy(update={"idempotency_key": idempotency_key})
    state = request.app.state
    ticket, created = ticket_service.create_ticket(
        session, body, calendar=state.working_calendar, due_working_days=state.settings.due_working_days,
        actor=actor)
    if not created:
        response.status_code = 200
    return ticket_service.staff_view(session, ticket)


@router.get("/{code}", response_model=TicketView, responses={404: {"model": ApiErrorBody}})
def get_ticket(code: str, session: Session = Depends(get_session), _actor: str = Depends(require_bot_token)):
    """Status, agency, due date and latest public reply of a ticket. The code may be typed loosely
    ("pa 2612 483105")."""
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    if ticket is None:
        raise TICKET_NOT_FOUND
    return ticket_service.staff_view(session, ticket)

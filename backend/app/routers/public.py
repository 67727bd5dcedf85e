"""Public status look-up for citizens: code + last four digits of the phone, no personal data.

An unknown code and wrong digits get the same 404, and look-ups are rate-limited per client IP,
so codes cannot be probed.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.errors import ApiError
from backend.app.schemas.tickets import ApiErrorBody, TicketStatusView
from backend.app.security import client_ip
from backend.app.services import tickets as ticket_service
from backend.app.services.phones import last_four_digits
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services.ticket_codes import normalize_ticket_code

router = APIRouter(prefix="/api/public", tags=["public"])

NOT_FOUND_MESSAGE = "Không tìm thấy phiếu với mã và số điện thoại đã nhập. Vui lòng kiểm tra lại."


def limit_public_lookups(request: Request) -> None:
    limiter: SlidingWindowRateLimiter = request.app.state.public_lookup_limiter
    wait = limiter.hit(client_ip(request))
    if wait:
        raise ApiError(429, "too_many_requests", "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút.",
                       headers={"Retry-After": SlidingWindowRateLimiter.retry_after_header(wait)})


@router.get("/tickets/{code}", response_model=TicketStatusView,
            responses={404: {"model": ApiErrorBody}, 429: {"model": ApiErrorBody}},
            dependencies=[Depends(limit_public_lookups)])
def public_ticket_status(code: str, phone_last4: str = Query(..., pattern=r"^\d{4}$"),
                         session: Session = Depends(get_session)):
    canonical = normalize_ticket_code(code)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    expected = last_four_digits(ticket.citizen_phone) if ticket else ""
    if ticket is None or not expected or not hmac.compare_digest(phone_last4.encode(), expected.encode()):
        raise ApiError(404, "ticket_not_found", NOT_FOUND_MESSAGE)
    return ticket_service.public_view(session, ticket)

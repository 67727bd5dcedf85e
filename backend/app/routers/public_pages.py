"""Public pages for citizens (server-rendered, Vietnamese, no JavaScript, no external assets).

* `GET /ket-qua` — answered tickets as provinces publish them: summary, field, agency, the public
  answer, received and answered dates. Only tickets answered or closed that have a public reply;
  newest answer first; 20 a page; filter by field (`?linh_vuc=`). Nothing personal is shown (no
  name, phone, location, channel id, description, transcript, not even the ticket code), and the
  summary and the answer pass through `redact_personal_data` (phones, CCCD/CMND, e-mails, house
  numbers a citizen may have typed).
* `GET /tra-cuu?ma=CODE&phone_last4=NNNN` — the status look-up form. It shares the rate limit of
  `GET /api/public/tickets/{code}` (`app.state.public_lookup_limiter`, per client IP) and shows the
  same fields as that API (`tickets.public_view`), nothing more; an unknown code and wrong digits
  get the same message.

Every page sends a Content-Security-Policy without scripts; its one inline style has a nonce.
"""

from __future__ import annotations

import hmac
import math
import secrets
from datetime import datetime
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.app.db import get_session
from backend.app.models import Agency, Ticket, TicketMessage
from backend.app.routers.public import NOT_FOUND_MESSAGE
from backend.app.security import client_ip
from backend.app.services import tickets as ticket_service
from backend.app.services.phones import last_four_digits
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services.redaction import redact_personal_data
from backend.app.services.statuses import TicketStatus
from backend.app.services.ticket_codes import normalize_ticket_code
from backend.app.services.working_days import VIETNAM_TZ

router = APIRouter(tags=["public pages"], include_in_schema=False)

TEMPLATES_DIR = Path(__file__).resolve().parents[1] / "templates"
templates = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=True, trim_blocks=True,
                        lstrip_blocks=True)
PAGE_SIZE = 20
PUBLISHED_STATUSES = (TicketStatus.ANSWERED.value, TicketStatus.CLOSED.value)
RATE_LIMITED_MESSAGE = "Bạn tra cứu quá nhiều lần. Vui lòng thử lại sau ít phút."
BAD_DIGITS_MESSAGE = "Vui lòng nhập đúng 4 chữ số cuối của số điện thoại."


def page_headers(nonce: str) -> dict[str, str]:
    csp = (f"default-src 'none'; style-src 'nonce-{nonce}'; img-src 'self' data:; form-action 'self'; "
           "base-uri 'none'; frame-ancestors 'none'")
    return {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def render(template: str, status_code: int = 200, headers: dict[str, str] | None = None, **context) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    html = templates.get_template(template).render(nonce=nonce, **context)
    return HTMLResponse(html, status_code=status_code, headers={**page_headers(nonce), **(headers or {})})


def local_date(at: datetime | None) -> str:
    return at.astimezone(VIETNAM_TZ).strftime("%d/%m/%Y") if at else ""


def local_datetime(at: datetime | None) -> str:
    return at.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y") if at else ""


def _latest_reply_subquery():
    return (select(TicketMessage.ticket_id, func.max(TicketMessage.id).label("message_id"))
            .where(TicketMessage.kind == "reply").group_by(TicketMessage.ticket_id).subquery())


@router.get("/ket-qua", response_class=HTMLResponse)
def published_results(page: int = Query(1, ge=1, le=100_000), linh_vuc: str = Query("", max_length=255),
                      session: Session = Depends(get_session)) -> HTMLResponse:
    latest = _latest_reply_subquery()
    base = (select(Ticket.summary, Ticket.field, Ticket.created_at, Agency.name, TicketMessage.text,
                   TicketMessage.created_at)
            .join(latest, latest.c.ticket_id == Ticket.id)
            .join(TicketMessage, TicketMessage.id == latest.c.message_id)
            .outerjoin(Agency, Ticket.agency_id == Agency.id)
            .where(Ticket.status.in_(PUBLISHED_STATUSES)))
    fields = sorted(f for f in session.scalars(
        select(Ticket.field).distinct().join(latest, latest.c.ticket_id == Ticket.id)
        .where(Ticket.status.in_(PUBLISHED_STATUSES), Ticket.field != "")))
    field = linh_vuc.strip()
    if field:
        base = base.where(Ticket.field == field)
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    pages = max(1, math.ceil(total / PAGE_SIZE))
    page = min(page, pages)
    rows = session.execute(base.order_by(TicketMessage.created_at.desc(), Ticket.id.desc())
                           .limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    items = [dict(summary=redact_personal_data(summary), field=field_, agency=agency,
                  answer=redact_personal_data(answer), received=local_date(received_at),
                  answered=local_date(answered_at))
             for summary, field_, received_at, agency, answer, answered_at in rows]

    def page_url(n: int) -> str:
        query = {"page": n, **({"linh_vuc": field} if field else {})}
        return "/ket-qua?" + urlencode(query)

    return render("public/results.html", active="ket-qua", items=items, total=total, page=page, pages=pages,
                  fields=fields, field=field, page_url=page_url)


@router.get("/tra-cuu", response_class=HTMLResponse)
def lookup_page(request: Request, ma: str = Query("", max_length=40), phone_last4: str = Query("", max_length=10),
                session: Session = Depends(get_session)) -> HTMLResponse:
    context = dict(active="tra-cuu", code_input=ma.strip(), ticket=None, error=None, dates={})
    if not ma.strip() and not phone_last4.strip():
        return render("public/lookup.html", **context)
    # Every attempt counts against the same limit as the JSON API.
    limiter: SlidingWindowRateLimiter = request.app.state.public_lookup_limiter
    wait = limiter.hit(client_ip(request))
    if wait:
        return render("public/lookup.html", status_code=429,
                      headers={"Retry-After": SlidingWindowRateLimiter.retry_after_header(wait)},
                      **{**context, "error": RATE_LIMITED_MESSAGE})
    digits = phone_last4.strip()
    if not (len(digits) == 4 and digits.isascii() and digits.isdigit()):
        return render("public/lookup.html", status_code=422, **{**context, "error": BAD_DIGITS_MESSAGE})
    canonical = normalize_ticket_code(ma)
    ticket = ticket_service.find_by_code(session, canonical) if canonical else None
    expected = last_four_digits(ticket.citizen_phone) if ticket else ""
    if ticket is None or not expected or not hmac.compare_digest(digits.encode(), expected.encode()):
        return render("public/lookup.html", status_code=404, **{**context, "error": NOT_FOUND_MESSAGE})
    view = ticket_service.public_view(session, ticket)
    dates = dict(received=local_datetime(view.created_at), due=local_datetime(view.due_at),
                 reply=local_datetime(view.latest_reply.at) if view.latest_reply else "")
    return render("public/lookup.html", **{**context, "ticket": view, "dates": dates, "code_input": view.code})

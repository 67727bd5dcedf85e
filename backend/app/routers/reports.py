"""Monthly report for supervisors: `GET /inbox/reports?month=YYYY-MM` (HTML page with inline SVG
charts) and `GET /inbox/reports.csv?month=YYYY-MM` (UTF-8 with BOM, for Excel).

Supervisors only (`security.require_supervisor`): a logged-out browser is sent to the login form,
operators and agency staff get 403. Without `month` the page shows last month (Vietnam time).
Definitions of every figure: `services/reports.py`.
"""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from sqlalchemy.orm import Session

from backend.app.db import get_session, utc_now
from backend.app.routers.inbox import render
from backend.app.security import SECURITY_HEADERS, Principal, require_supervisor
from backend.app.services.charts import bar_chart, line_chart
from backend.app.services.reports import (CHANNEL_LABELS, InvalidMonth, MonthlyReport, monthly_report, parse_month,
                                          previous_month, report_to_csv)
from backend.app.services.working_days import VIETNAM_TZ

router = APIRouter(prefix="/inbox", include_in_schema=False)
INVALID_MONTH_MESSAGE = "Tháng không hợp lệ: vui lòng chọn tháng theo dạng YYYY-MM (ví dụ 2026-11)."


def _month_value(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _shift(year: int, month: int, delta: int) -> str:
    index = year * 12 + (month - 1) + delta
    return _month_value(index // 12, index % 12 + 1)


def _resolve_month(month: str) -> tuple[int, int]:
    if not month.strip():
        return previous_month(utc_now().astimezone(VIETNAM_TZ).date())
    return parse_month(month)


def _charts(report: MonthlyReport) -> dict[str, Markup]:
    # The chart functions escape every label, so their SVG is safe to insert as markup.
    return {
        "groups": Markup(bar_chart(report.channel_groups, "Lượt tiếp nhận theo nhóm kênh")),
        "channels": Markup(bar_chart([(CHANNEL_LABELS[c], n) for c, n in report.channels],
                                     "Lượt tiếp nhận theo kênh")),
        "fields": Markup(bar_chart(report.top_fields, "Lĩnh vực nhiều phản ánh nhất")),
        "agencies": Markup(bar_chart(report.top_agencies, "Cơ quan xử lý nhiều phiếu nhất")),
        "daily": Markup(line_chart([(d.strftime("%d"), n) for d, n in report.daily], "Lượt tiếp nhận theo ngày")),
        "satisfaction": Markup(bar_chart([(f"{score} sao", n) for score, n in
                                          sorted(report.satisfaction_distribution.items(), reverse=True)],
                                         "Phân bố điểm hài lòng")),
    }


def _num(value) -> str:
    return "–" if value is None else f"{value}".replace(".", ",")


def _pct(value) -> str:
    return "–" if value is None else _num(value) + " %"


@router.get("/reports", response_class=HTMLResponse)
def report_page(request: Request, month: str = Query("", max_length=20),
                principal: Principal = Depends(require_supervisor),
                session: Session = Depends(get_session)) -> HTMLResponse:
    nonce = secrets.token_urlsafe(16)
    context = dict(nonce=nonce, report=None, error=None, month_value=month, num=_num, pct=_pct)
    status_code = 200
    try:
        year, month_number = _resolve_month(month)
    except InvalidMonth:
        context["error"], status_code = INVALID_MONTH_MESSAGE, 422
    else:
        now = utc_now()
        report = monthly_report(session, year, month_number, now=now, calendar=request.app.state.working_calendar)
        context.update(report=report, month_value=_month_value(year, month_number), charts=_charts(report),
                       prev_month=_shift(year, month_number, -1), next_month=_shift(year, month_number, 1),
                       generated=now.astimezone(VIETNAM_TZ).strftime("%H:%M %d/%m/%Y"))
    response = render(request, "reports/monthly.html", principal, status_code=status_code, **context)
    csp = SECURITY_HEADERS["Content-Security-Policy"].replace("style-src 'self'", f"style-src 'self' 'nonce-{nonce}'")
    response.headers["Content-Security-Policy"] = csp
    return response


@router.get("/reports.csv")
def report_csv(request: Request, month: str = Query("", max_length=20),
               principal: Principal = Depends(require_supervisor),
               session: Session = Depends(get_session)) -> Response:
    try:
        year, month_number = _resolve_month(month)
    except InvalidMonth:
        return Response(INVALID_MONTH_MESSAGE, status_code=422, media_type="text/plain; charset=utf-8")
    report = monthly_report(session, year, month_number, now=utc_now(), calendar=request.app.state.working_calendar)
    filename = f"bao-cao-1022-{_month_value(year, month_number)}.csv"
    return Response(report_to_csv(report), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"',
                             "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"})

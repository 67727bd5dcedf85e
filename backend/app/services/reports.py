"""The monthly report supervisors send to the province (báo cáo tháng của Tổng đài 1022).

`compute_monthly_report(facts, year, month, now=..., calendar=...)` is pure: it takes one
`TicketFacts` per ticket received in the month and returns a `MonthlyReport`. `load_month_facts`
reads those facts from the database; `report_to_csv` writes the report for Excel.

Definitions (documented here because a province compares them with its own figures):

* Month: local dates in Asia/Ho_Chi_Minh; a ticket belongs to the month it was received in.
* Contacts (lượt tiếp nhận) = tickets received in the month = "received". Per channel, and grouped
  as provinces publish them (CHANNEL_GROUPS):
    - "Cuộc gọi"  = phone (calls to 1022 an operator entered);
    - "Chatbot"   = web (the chat widget on the portal), zalo, messenger, telegram;
    - "Email"     = email;
    - "Web/App"   = counter: contacts an operator entered by hand from other sources — the
      portal's feedback form, the province's mobile app, or a citizen at the desk.
* Processed (đã xử lý) = received in the month and now answered or closed.
* Processing rate = processed / received × 100, rounded half-up to two decimals (98.75).
* Overdue (quá hạn) = received in the month and either still open after its due date, or first
  answered (first public reply) after its due date.
* Average handling time = from receipt to the first public reply, over tickets that have one:
    - in working days, counted like due dates (the day of receipt is not counted; weekends, public
      holidays and the province's overrides are skipped), so 0 means "answered the same day";
    - and in elapsed clock hours, for reference.
* Top fields and top agencies: the most frequent among tickets received (no field: "Chưa phân
  loại"; no agency: "Chưa chuyển cơ quan").
* Satisfaction: ratings 1–5 given on tickets received in the month: count, average (two
  decimals) and distribution.
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backend.app.models import Agency, Ticket, TicketMessage
from backend.app.services.statuses import OPEN_STATUSES, TicketStatus
from backend.app.services.working_days import VIETNAM_TZ, WorkingCalendar

CHANNEL_ORDER = ("phone", "web", "zalo", "messenger", "telegram", "email", "counter")
CHANNEL_LABELS = {"phone": "Điện thoại", "web": "Trang web (chatbot)", "zalo": "Zalo", "messenger": "Messenger",
                  "telegram": "Telegram", "email": "Email", "counter": "Nhập tay (web/app, trực tiếp)"}
CHANNEL_GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Cuộc gọi", ("phone",)),
    ("Chatbot", ("web", "zalo", "messenger", "telegram")),
    ("Email", ("email",)),
    ("Web/App", ("counter",)),
)
PROCESSED_STATUSES = frozenset({TicketStatus.ANSWERED.value, TicketStatus.CLOSED.value})
OPEN_VALUES = frozenset(s.value for s in OPEN_STATUSES)
NO_FIELD, NO_AGENCY = "Chưa phân loại", "Chưa chuyển cơ quan"
TOP_N = 10


class InvalidMonth(ValueError):
    pass


def parse_month(text: str) -> tuple[int, int]:
    """(year, month) from "YYYY-MM"; InvalidMonth otherwise."""
    m = re.fullmatch(r"(\d{4})-(\d{2})", (text or "").strip())
    if not m or not 1 <= int(m[2]) <= 12 or int(m[1]) < 2000:
        raise InvalidMonth(f"month must be YYYY-MM, got {text!r}")
    return int(m[1]), int(m[2])


def previous_month(today: date) -> tuple[int, int]:
    first = today.replace(day=1) - timedelta(days=1)
    return first.year, first.month


def month_days(year: int, month: int) -> list[date]:
    start = date(year, month, 1)
    end = date(year + month // 12, month % 12 + 1, 1)
    return [start + timedelta(days=i) for i in range((end - start).days)]


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a local (Vietnam) month, in UTC."""
    days = month_days(year, month)
    start = datetime.combine(days[0], time(0), tzinfo=VIETNAM_TZ)
    end = datetime.combine(days[-1] + timedelta(days=1), time(0), tzinfo=VIETNAM_TZ)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


@dataclass(frozen=True)
class TicketFacts:
    """What the report needs of one ticket (no personal data)."""

    created_at: datetime
    channel: str
    status: str
    due_at: datetime
    field: str = ""
    agency: str | None = None
    first_reply_at: datetime | None = None
    satisfaction: int | None = None


@dataclass(frozen=True)
class MonthlyReport:
    year: int
    month: int
    generated_at: datetime
    received: int
    processed: int
    overdue: int
    open: int
    processing_rate: Decimal | None  # percent, two decimals; None when nothing was received
    channels: list[tuple[str, int]]  # (channel, count) in CHANNEL_ORDER
    channel_groups: list[tuple[str, int]]
    avg_handling_working_days: Decimal | None
    avg_handling_hours: Decimal | None
    answered_with_reply: int
    top_fields: list[tuple[str, int]]
    top_agencies: list[tuple[str, int]]
    satisfaction_count: int
    satisfaction_average: Decimal | None
    satisfaction_distribution: dict[int, int]
    daily: list[tuple[date, int]] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.month:02d}/{self.year}"


def _two_decimals(value: Decimal) -> Decimal:
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def working_days_between(calendar: WorkingCalendar, start: datetime, end: datetime) -> int:
    """Working days after the local day of `start` up to and including the local day of `end`."""
    first, last = start.astimezone(VIETNAM_TZ).date(), end.astimezone(VIETNAM_TZ).date()
    count, d = 0, first
    while d < last:
        d += timedelta(days=1)
        if calendar.is_working_day(d):
            count += 1
    return count


def _top(counter: Counter, n: int = TOP_N) -> list[tuple[str, int]]:
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))[:n]


def compute_monthly_report(facts: list[TicketFacts], year: int, month: int, *, now: datetime,
                           calendar: WorkingCalendar | None = None) -> MonthlyReport:
    """The report of (year, month) from the facts of tickets; tickets outside the month are ignored."""
    calendar = calendar or WorkingCalendar()
    start, end = month_bounds(year, month)
    tickets = [f for f in facts if start <= f.created_at < end]
    received = len(tickets)
    processed = sum(1 for f in tickets if f.status in PROCESSED_STATUSES)
    open_count = sum(1 for f in tickets if f.status in OPEN_VALUES)
    overdue = sum(1 for f in tickets
                  if (f.status in OPEN_VALUES and now > f.due_at)
                  or (f.first_reply_at is not None and f.first_reply_at > f.due_at))
    channel_counts = Counter(f.channel for f in tickets)
    channels = [(c, channel_counts.get(c, 0)) for c in CHANNEL_ORDER]
    groups = [(label, sum(channel_counts.get(c, 0) for c in members)) for label, members in CHANNEL_GROUPS]
    replied = [f for f in tickets if f.first_reply_at is not None]
    if replied:
        days = sum(working_days_between(calendar, f.created_at, f.first_reply_at) for f in replied)
        seconds = sum((f.first_reply_at - f.created_at).total_seconds() for f in replied)
        avg_days = _two_decimals(Decimal(days) / len(replied))
        avg_hours = _two_decimals(Decimal(seconds) / 3600 / len(replied))
    else:
        avg_days = avg_hours = None
    ratings = [f.satisfaction for f in tickets if f.satisfaction is not None]
    distribution = {score: 0 for score in range(1, 6)}
    for rating in ratings:
        distribution[rating] = distribution.get(rating, 0) + 1
    daily_counts = Counter(f.created_at.astimezone(VIETNAM_TZ).date() for f in tickets)
    return MonthlyReport(
        year=year, month=month, generated_at=now, received=received, processed=processed, overdue=overdue,
        open=open_count,
        processing_rate=_two_decimals(Decimal(processed * 100) / received) if received else None,
        channels=channels, channel_groups=groups,
        avg_handling_working_days=avg_days, avg_handling_hours=avg_hours, answered_with_reply=len(replied),
        top_fields=_top(Counter(f.field or NO_FIELD for f in tickets)),
        top_agencies=_top(Counter(f.agency or NO_AGENCY for f in tickets)),
        satisfaction_count=len(ratings),
        satisfaction_average=_two_decimals(Decimal(sum(ratings)) / len(ratings)) if ratings else None,
        satisfaction_distribution=distribution,
        daily=[(d, daily_counts.get(d, 0)) for d in month_days(year, month)])


def load_month_facts(session: Session, year: int, month: int) -> list[TicketFacts]:
    """The facts of every ticket received in the local month, in two queries' worth of work."""
    start, end = month_bounds(year, month)
    first_reply = (select(TicketMessage.ticket_id, func.min(TicketMessage.created_at).label("first_reply_at"))
                   .where(TicketMessage.kind == "reply").group_by(TicketMessage.ticket_id).subquery())
    rows = session.execute(
        select(Ticket.created_at, Ticket.channel, Ticket.status, Ticket.due_at, Ticket.field, Agency.name,
               first_reply.c.first_reply_at, Ticket.satisfaction)
        .outerjoin(Agency, Ticket.agency_id == Agency.id)
        .outerjoin(first_reply, first_reply.c.ticket_id == Ticket.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end))
    facts = []
    for created_at, channel, status, due_at, field_, agency, first_reply_at, satisfaction in rows:
        if isinstance(first_reply_at, str):  # in case a driver returns MIN() of a datetime as text
            first_reply_at = datetime.fromisoformat(first_reply_at)
        if first_reply_at is not None and first_reply_at.tzinfo is None:
            first_reply_at = first_reply_at.replace(tzinfo=timezone.utc)
        facts.append(TicketFacts(created_at=created_at, channel=channel, status=status, due_at=due_at,
                                 field=field_ or "", agency=agency, first_reply_at=first_reply_at,
                                 satisfaction=satisfaction))
    return facts


def monthly_report(session: Session, year: int, month: int, *, now: datetime,
                   calendar: WorkingCalendar | None = None) -> MonthlyReport:
    return compute_monthly_report(load_month_facts(session, year, month), year, month, now=now, calendar=calendar)


def _number(value) -> str:
    return "" if value is None else str(value)


def report_rows(report: MonthlyReport) -> list[list[str]]:
    """The report as rows (section, item, value) for the CSV export."""
    rows: list[list[str]] = [["Mục", "Chỉ tiêu", "Giá trị"]]
    summary = "Tổng hợp"
    rows += [
        [summary, "Tháng", report.label],
        [summary, "Tổng lượt tiếp nhận", str(report.received)],
        [summary, "Đã xử lý (đã trả lời, đã đóng)", str(report.processed)],
        [summary, "Tỷ lệ xử lý (%)", _number(report.processing_rate)],
        [summary, "Đang xử lý", str(report.open)],
        [summary, "Quá hạn", str(report.overdue)],
        [summary, "Thời gian xử lý trung bình (ngày làm việc)", _number(report.avg_handling_working_days)],
        [summary, "Thời gian xử lý trung bình (giờ)", _number(report.avg_handling_hours)],
    ]
    rows += [["Nhóm kênh", label, str(count)] for label, count in report.channel_groups]
    rows += [["Kênh", CHANNEL_LABELS[channel], str(count)] for channel, count in report.channels]
    rows += [["Lĩnh vực", name, str(count)] for name, count in report.top_fields]
    rows += [["Cơ quan xử lý", name, str(count)] for name, count in report.top_agencies]
    rows += [["Mức độ hài lòng", "Số lượt đánh giá", str(report.satisfaction_count)],
             ["Mức độ hài lòng", "Điểm trung bình (1-5)", _number(report.satisfaction_average)]]
    rows += [["Mức độ hài lòng", f"{score} sao", str(count)]
             for score, count in sorted(report.satisfaction_distribution.items())]
    rows += [["Theo ngày", d.strftime("%d/%m/%Y"), str(count)] for d, count in report.daily]
    return rows


def _csv_safe(cell: str) -> str:
    # Excel runs cells that start with = + - @ as formulas: a field name typed by someone must not.
    return "'" + cell if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def report_to_csv(report: MonthlyReport) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows Vietnamese correctly; CRLF line ends."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in report_rows(report):
        writer.writerow([_csv_safe(cell) for cell in row])
    return buffer.getvalue().encode("utf-8-sig")

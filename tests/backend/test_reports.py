"""Monthly report (pure computation on hand-made facts), its charts and its CSV."""

import csv
import io
import re
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from backend.app.services.charts import bar_chart, line_chart
from backend.app.services.reports import (InvalidMonth, TicketFacts, compute_monthly_report, month_bounds,
                                          parse_month, report_to_csv, working_days_between)
from backend.app.services.working_days import VIETNAM_TZ, WorkingCalendar

NOW = datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)


def local(y, m, d, h=9, minute=0):
    return datetime(y, m, d, h, minute, tzinfo=VIETNAM_TZ).astimezone(timezone.utc)


def facts(created, channel="phone", status="answered", due=None, reply=None, **kw):
    return TicketFacts(created_at=created, channel=channel, status=status,
                       due_at=due or created + timedelta(days=7), first_reply_at=reply, **kw)


def test_month_parsing_and_local_bounds():
    assert parse_month("2026-11") == (2026, 11)
    for bad in ("2026-13", "2026-1", "11/2026", "", "1999-01"):
        with pytest.raises(InvalidMonth):
            parse_month(bad)
    start, end = month_bounds(2026, 11)
    # Midnight in Vietnam is 17:00 UTC the day before.
    assert start == datetime(2026, 10, 31, 17, tzinfo=timezone.utc)
    assert end == datetime(2026, 11, 30, 17, tzinfo=timezone.utc)


def test_counts_rates_and_month_edges():
    rows = [
        facts(local(2026, 11, 2), "phone", "answered", reply=local(2026, 11, 3), field="Đất đai", agency="Sở A",
              satisfaction=5),
        facts(local(2026, 11, 2), "zalo", "closed", reply=local(2026, 11, 2, 15), field="Đất đai", agency="Sở A",
              satisfaction=4),
        facts(local(2026, 11, 3), "web", "in_progress", due=local(2026, 11, 10, 17), field="Hộ tịch"),  # overdue
        facts(local(2026, 11, 28), "email", "received", due=local(2026, 12, 5, 17)),  # open, not yet due
        # answered after its due date: processed and overdue
        facts(local(2026, 11, 4), "counter", "answered", due=local(2026, 11, 5, 17), reply=local(2026, 11, 9),
              field="Hộ tịch", agency="UBND xã B", satisfaction=2),
        facts(local(2026, 11, 30, 23, 59), "telegram", "closed"),  # last minute of the month, closed w/o reply
        facts(local(2026, 12, 1, 0, 0), "phone", "answered"),  # next month (00:00 local)
        facts(local(2026, 10, 31, 23, 59), "phone", "answered"),  # previous month
    ]
    r = compute_monthly_report(rows, 2026, 11, now=NOW)
    assert (r.received, r.processed, r.open, r.overdue) == (6, 4, 2, 2)
    assert r.processing_rate == Decimal("66.67")
    assert dict(r.channels) == {"phone": 1, "web": 1, "zalo": 1, "messenger": 0, "telegram": 1, "email": 1,
                                "counter": 1}
    assert r.channel_groups == [("Cuộc gọi", 1), ("Chatbot", 3), ("Email", 1), ("Web/App", 1)]
    assert sorted(r.top_fields) == sorted([("Hộ tịch", 2), ("Đất đai", 2), ("Chưa phân loại", 2)])
    assert r.top_agencies[0] == ("Chưa chuyển cơ quan", 3) and ("Sở A", 2) in r.top_agencies
    # Handling: Mon 2 -> Tue 3 = 1 working day; same day = 0; Wed 4 -> Mon 9 = 3 working days.
    assert r.answered_with_reply == 3
    assert r.avg_handling_working_days == Decimal("1.33")
    hours = (24 + 6 + 5 * 24) / 3
    assert r.avg_handling_hours == Decimal(str(round(hours, 2)))
    assert r.satisfaction_count == 3 and r.satisfaction_average == Decimal("3.67")
    assert r.satisfaction_distribution == {1: 0, 2: 1, 3: 0, 4: 1, 5: 1}
    assert len(r.daily) == 30 and r.daily[1] == (date(2026, 11, 2), 2) and r.daily[-1] == (date(2026, 11, 30), 1)


def test_empty_month():
    r = compute_monthly_report([], 2026, 2, now=NOW)
    assert r.received == 0 and r.processing_rate is None and r.avg_handling_hours is None
    assert r.satisfaction_average is None and len(r.daily) == 28


def test_rate_rounds_half_up_to_two_decimals():
    rows = [facts(local(2026, 11, 2), status="answered") for _ in range(949)]
    rows += [facts(local(2026, 11, 2), status="received", due=local(2026, 12, 9, 17)) for _ in range(12)]
    r = compute_monthly_report(rows, 2026, 11, now=NOW)
    assert (r.received, r.processed, r.processing_rate) == (961, 949, Decimal("98.75"))


def test_working_days_skip_weekends_and_holidays():
    cal = WorkingCalendar()
    # Fri 28 Aug 2026 -> Fri 4 Sep 2026: weekend and the National Day break (1-2 Sep) skipped.
    assert working_days_between(cal, local(2026, 8, 28), local(2026, 9, 4)) == 3
    assert working_days_between(cal, local(2026, 11, 6), local(2026, 11, 9)) == 1  # Fri -> Mon


def _heights(svg):
    return [float(w) for w in re.findall(r'<rect class="bar"[^>]* width="([\d.]+)"', svg)]


def test_bar_chart_proportional_and_escaped():
    svg = bar_chart([("Cuộc gọi", 434), ("Chatbot", 500), ("<script>alert(1)</script>", 15), ("Web/App", 0)],
                    'Kênh "tiếp nhận" & nhóm')
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    widths = _heights(svg)
    assert len(widths) == 4 and widths[3] == 0
    assert widths[0] / widths[1] == pytest.approx(434 / 500, rel=1e-3)
    assert widths[2] / widths[1] == pytest.approx(15 / 500, rel=1e-2)
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert 'aria-label="Kênh &quot;tiếp nhận&quot; &amp; nhóm"' in svg
    assert "style=" not in svg
    assert "Không có dữ liệu" in bar_chart([], "x")


def test_line_chart_points():
    svg = line_chart([("01", 0), ("02", 10), ("03", 5)], "Theo ngày")
    points = re.search(r'<polyline class="line" points="([^"]+)"', svg)[1].split()
    ys = [float(p.split(",")[1]) for p in points]
    assert ys[1] < ys[2] < ys[0]  # higher value, higher on the page
    assert (ys[0] - ys[2]) == pytest.approx((ys[0] - ys[1]) / 2, rel=1e-2)
    assert "&lt;b&gt;" in line_chart([("<b>", 1)], "t")


def test_csv_has_bom_vietnamese_and_no_formulas():
    rows = [facts(local(2026, 11, 2), "phone", "answered", reply=local(2026, 11, 3), field="=HYPERLINK(\"x\")",
                  agency="Sở Tư pháp", satisfaction=5)]
    data = report_to_csv(compute_monthly_report(rows, 2026, 11, now=NOW))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Mục", "Chỉ tiêu", "Giá trị"]
    values = {(row[0], row[1]): row[2] for row in table[1:]}
    assert values[("Tổng hợp", "Tháng")] == "11/2026"
    assert values[("Tổng hợp", "Tỷ lệ xử lý (%)")] == "100.00"
    assert values[("Nhóm kênh", "Cuộc gọi")] == "1"
    assert values[("Cơ quan xử lý", "Sở Tư pháp")] == "1"
    assert ("Lĩnh vực", "'=HYPERLINK(\"x\")") in values
    assert "\r\n" in text

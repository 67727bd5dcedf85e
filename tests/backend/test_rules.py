"""Statuses, ticket codes, phone numbers and the rate limiter."""

import random
from datetime import datetime, timedelta, timezone

import pytest

from backend.app.services.phones import normalize_vietnamese_phone
from backend.app.services.rate_limit import SlidingWindowRateLimiter
from backend.app.services.statuses import (OVERDUE_LABEL, TicketStatus, TransitionNotAllowed,
                                           can_transition, check_transition, display_label,
                                           is_overdue, status_label)
from backend.app.services.ticket_codes import CODE_PATTERN, new_ticket_code, normalize_ticket_code

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=timezone.utc)


def test_status_labels_in_vietnamese():
    assert [status_label(s) for s in TicketStatus] == [
        "Đã tiếp nhận", "Đã chuyển cơ quan xử lý", "Đang xử lý", "Đã trả lời", "Đã đóng"]
    assert OVERDUE_LABEL == "Quá hạn"


def test_transitions():
    assert can_transition("received", "assigned")
    assert can_transition("assigned", "assigned")  # forwarded to another agency
    assert can_transition("answered", "in_progress")  # reopened
    assert not can_transition("closed", "in_progress")
    assert not can_transition("answered", "received")
    assert not can_transition("in_progress", "received")
    with pytest.raises(TransitionNotAllowed):
        check_transition("closed", "answered")
    with pytest.raises(ValueError):
        check_transition("received", "lost")


def test_overdue_is_derived():
    past, future = NOW - timedelta(minutes=1), NOW + timedelta(minutes=1)
    assert is_overdue("in_progress", past, NOW) and display_label("in_progress", past, NOW) == "Quá hạn"
    assert not is_overdue("in_progress", future, NOW) and display_label("in_progress", future, NOW) == "Đang xử lý"
    assert not is_overdue("answered", past, NOW) and display_label("answered", past, NOW) == "Đã trả lời"
    assert not is_overdue("closed", past, NOW)
    assert not is_overdue("received", None, NOW)


def test_ticket_code_shape():
    rng = random.Random(7)
    code = new_ticket_code("complaint", NOW, random_digits=rng.randrange)
    assert CODE_PATTERN.match(code) and code.startswith("PA-2612-")
    assert new_ticket_code("question", NOW, random_digits=lambda n: 42) == "HD-2612-000042"
    # Month of receipt in Vietnam time: 31/12 20:00 UTC is already January in Hà Nội.
    assert new_ticket_code("request", datetime(2026, 12, 31, 20, tzinfo=timezone.utc),
                           random_digits=lambda n: 999999) == "YC-2701-999999"
    for _ in range(200):
        code = new_ticket_code("complaint", NOW)
        assert CODE_PATTERN.match(code)
        assert not set(code) & set("OILoil")


def test_ticket_code_normalization():
    assert normalize_ticket_code("pa 2612 483105") == "PA-2612-483105"
    assert normalize_ticket_code("PA2612483105") == "PA-2612-483105"
    assert normalize_ticket_code(" hd-2612-000042 ") == "HD-2612-000042"
    assert normalize_ticket_code("XX-2612-000042") is None
    assert normalize_ticket_code("PA-2612-48310") is None
    assert normalize_ticket_code("") is None


@pytest.mark.parametrize("text,expected", [
    ("0912345678", "0912345678"),
    ("091 234 5678", "0912345678"),
    ("+84 912 345 678", "0912345678"),
    ("84912345678", "0912345678"),
    ("0862.123.456", "0862123456"),
    ("0325-123-456", "0325123456"),
    ("0701234567", "0701234567"),
    ("(0239) 385 5555", "02393855555"),  # Hà Tĩnh landline
    ("024 3825 1234", "02438251234"),  # Hà Nội landline
    ("+84 24 3825 1234", "02438251234"),
])
def test_valid_phones(text, expected):
    assert normalize_vietnamese_phone(text) == expected


@pytest.mark.parametrize("text", [
    "", "1022", "091234567", "09123456789", "0112345678", "0212345678", "0312345678", "0512345678",
    "0712345678", "0802345678", "abc0912345678", "+85 912 345 678", "0084912345678", "0912 345 67x",
])
def test_invalid_phones(text):
    assert normalize_vietnamese_phone(text) is None


def test_rate_limiter_sliding_window():
    now = [1000.0]
    limiter = SlidingWindowRateLimiter(limit=3, window_seconds=60, clock=lambda: now[0])
    assert [limiter.hit("a") for _ in range(3)] == [0.0, 0.0, 0.0]
    assert limiter.hit("a") == pytest.approx(60.0)
    assert limiter.hit("b") == 0.0  # per client
    now[0] += 30
    assert limiter.hit("a") == pytest.approx(30.0)
    now[0] += 30.5
    assert limiter.hit("a") == 0.0  # the first three hits left the window
    assert SlidingWindowRateLimiter.retry_after_header(29.2) == "30"
    assert SlidingWindowRateLimiter.retry_after_header(0.001) == "1"


def test_schema_literals_match_the_models():
    from typing import get_args

    from backend.app.models.tickets import CHANNELS, TicketKind
    from backend.app.schemas.tickets import Channel, Kind, Status

    assert get_args(Channel) == CHANNELS
    assert get_args(Kind) == tuple(k.value for k in TicketKind)
    assert get_args(Status) == tuple(s.value for s in TicketStatus)

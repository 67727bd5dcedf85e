"""Lunar calendar and working days, checked against published dates and hand-made calendars."""

from datetime import date, datetime, timezone

import pytest

from backend.app.services.lunar_calendar import lunar_to_solar, solar_to_lunar
from backend.app.services.working_days import (VIETNAM_TZ, WorkingCalendar, days_off,
                                               national_day_adjacent, statutory_holidays)

# Tết Nguyên đán (lunar 1/1) in Vietnam. 2030 differs from China's (3 February): the new moon
# falls at 23:07 in Hà Nội, 00:07 the next day in Beijing.
TET = {2020: date(2020, 1, 25), 2021: date(2021, 2, 12), 2022: date(2022, 2, 1), 2023: date(2023, 1, 22),
       2024: date(2024, 2, 10), 2025: date(2025, 1, 29), 2026: date(2026, 2, 17), 2027: date(2027, 2, 6),
       2028: date(2028, 1, 26), 2030: date(2030, 2, 2)}
# Giỗ Tổ Hùng Vương (lunar 10/3); 2023 had a leap second month before it.
HUNG_KINGS = {2020: date(2020, 4, 2), 2021: date(2021, 4, 21), 2022: date(2022, 4, 10),
              2023: date(2023, 4, 29), 2024: date(2024, 4, 18), 2025: date(2025, 4, 7), 2026: date(2026, 4, 26)}


@pytest.mark.parametrize("year,expected", sorted(TET.items()))
def test_tet(year, expected):
    assert lunar_to_solar(1, 1, year) == expected
    assert solar_to_lunar(expected) == (1, 1, year, False)


@pytest.mark.parametrize("year,expected", sorted(HUNG_KINGS.items()))
def test_hung_kings_commemoration(year, expected):
    assert lunar_to_solar(10, 3, year) == expected


def test_leap_months():
    # 2025 has a leap sixth month starting 25 July; 2023 a leap second month starting 22 March.
    assert lunar_to_solar(1, 6, 2025, leap=True) == date(2025, 7, 25)
    assert solar_to_lunar(date(2025, 7, 25)) == (1, 6, 2025, True)
    assert lunar_to_solar(1, 2, 2023, leap=True) == date(2023, 3, 22)
    with pytest.raises(ValueError):
        lunar_to_solar(1, 3, 2025, leap=True)


def test_round_trip_over_several_years():
    d = date(2024, 1, 1)
    while d < date(2029, 1, 1):
        day, month, year, leap = solar_to_lunar(d)
        assert lunar_to_solar(day, month, year, leap) == d
        d = d.fromordinal(d.toordinal() + 5)


def test_national_day_adjacent_matches_recent_decisions():
    assert national_day_adjacent(2021) == date(2021, 9, 3)  # 2/9 Thursday -> Friday 3/9
    assert national_day_adjacent(2022) == date(2022, 9, 1)  # Friday -> Thursday 1/9
    assert national_day_adjacent(2023) == date(2023, 9, 1)  # Saturday -> Friday 1/9
    assert national_day_adjacent(2024) == date(2024, 9, 3)  # Monday -> Tuesday 3/9 (1/9 is a Sunday)
    assert national_day_adjacent(2025) == date(2025, 9, 1)  # Tuesday -> Monday 1/9


def test_days_off_2026_by_hand():
    assert statutory_holidays(2026) == (
        date(2026, 1, 1),
        date(2026, 2, 16), date(2026, 2, 17), date(2026, 2, 18), date(2026, 2, 19), date(2026, 2, 20),
        date(2026, 4, 26), date(2026, 4, 30), date(2026, 5, 1), date(2026, 9, 1), date(2026, 9, 2))
    # Giỗ Tổ on Sunday 26/4 is compensated on Monday 27/4.
    assert days_off(2026) == set(statutory_holidays(2026)) | {date(2026, 4, 27)}


def test_days_off_2023_compensation():
    # 2/9/2023 was a Saturday: 1/9 (Friday) plus the compensating Monday 4/9.
    off = days_off(2023)
    assert {date(2023, 9, 1), date(2023, 9, 2), date(2023, 9, 4)} <= off
    assert date(2023, 9, 3) not in off  # a Sunday, off anyway but not a holiday


def test_tet_eve_in_previous_solar_year():
    # Tết 2028 is 26 January; the eve (25/1) is in 2028 as well. Tết 2031 is 23 January.
    assert date(2028, 1, 25) in statutory_holidays(2028)


def test_add_working_days_skips_weekends_and_tet():
    cal = WorkingCalendar()
    # Friday 13/2/2026 + 1 working day: weekend, then the Tết break 16-20/2, weekend -> Monday 23/2.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 23)
    # Wednesday 11/2/2026 + 5: 12, 13, 23, 24, 25.
    assert cal.add_working_days(date(2026, 2, 11), 5) == date(2026, 2, 25)
    # Tuesday 28/4/2026 + 3: 29, (30/4, 1/5 holidays, weekend), 4/5, 5/5.
    assert cal.add_working_days(date(2026, 4, 28), 3) == date(2026, 5, 5)
    assert cal.add_working_days(date(2026, 4, 28), 0) == date(2026, 4, 28)


def test_province_overrides():
    # Say the province works Saturday 28/2/2026 in exchange for Monday 23/2/2026 off.
    cal = WorkingCalendar.with_overrides(days_off_=[date(2026, 2, 23)], working_days=[date(2026, 2, 28)])
    assert not cal.is_working_day(date(2026, 2, 23))
    assert cal.is_working_day(date(2026, 2, 28))
    # Friday 13/2 + 1 -> Tuesday 24/2; + 5 -> 24, 25, 26, 27, Saturday 28.
    assert cal.add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 24)
    assert cal.add_working_days(date(2026, 2, 13), 5) == date(2026, 2, 28)
    # A statutory holiday removed by configuration becomes a working day.
    assert WorkingCalendar.with_overrides(working_days=[date(2026, 2, 20)]).is_working_day(date(2026, 2, 20))


def test_due_at_uses_vietnam_local_day():
    cal = WorkingCalendar()
    # 23:30 UTC on Sunday 30/11/2026 is already Monday 1/12 06:30 in Hà Nội.
    received = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)
    due = cal.due_at(received, 5)
    # Monday 1/12 + 5 working days = Monday 8/12, 17:00 local = 10:00 UTC.
    assert due == datetime(2026, 12, 8, 10, 0, tzinfo=timezone.utc)
    assert due.astimezone(VIETNAM_TZ).hour == 17
    with pytest.raises(ValueError):
        cal.due_at(datetime(2026, 12, 1, 9, 0), 5)


from hypothesis import given, settings, strategies as st


@settings(max_examples=200, deadline=None)
@given(start=st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31)), n=st.integers(0, 30))
def test_add_working_days_counts_exactly_n_working_days(start, n):
    cal = WorkingCalendar()
    end = cal.add_working_days(start, n)
    between = [date.fromordinal(o) for o in range(start.toordinal() + 1, end.toordinal() + 1)]
    assert sum(cal.is_working_day(d) for d in between) == n
    assert n == 0 or cal.is_working_day(end)
    assert all(not cal.is_working_day(d) for d in between if d.weekday() >= 5)

"""Working days and ticket due dates, as a Vietnamese public office counts them.

Rule (Bộ luật Lao động 2019, Art. 111-112; Nghị định 145/2020/NĐ-CP):

* Saturdays and Sundays are days off.
* Public holidays (ngày nghỉ lễ, tết):
  - Tết Dương lịch: 1 January;
  - Tết Âm lịch (Tết Nguyên đán): 5 days. The government fixes the exact break every year; by
    default we take the last day of the old lunar year and lunar 1-4 of the new year (the usual
    choice), lunar dates computed for UTC+7 (see `lunar_calendar`);
  - Giỗ Tổ Hùng Vương: lunar 10/3;
  - Ngày Chiến thắng: 30 April; Quốc tế Lao động: 1 May;
  - Quốc khánh: 2 September plus one adjacent day (the law gives 1/9 or 3/9). By default the
    adjacent day joins the break to a weekend: 3/9 when 2/9 is a Thursday, 1/9 when that is a
    weekday, otherwise 3/9 (this matches the decisions of 2021-2025).
* A holiday falling on a Saturday or Sunday is compensated (nghỉ bù) by the next working day
  (Art. 112(3)).
* Because each year's government decision may move days (e.g. a longer Tết break against a
  Saturday worked later), a province adds days off and working days through configuration
  (`Settings.extra_days_off`, `Settings.extra_working_days`, ISO dates). An extra working day wins
  over every rule above, an extra day off wins over the weekend.

A ticket's due date: the day of receipt is not counted; the ticket is due at the end of office
hours (17:00, Asia/Ho_Chi_Minh) of the N-th working day after it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache

from backend.app.services.lunar_calendar import lunar_to_solar

try:
    from zoneinfo import ZoneInfo

    VIETNAM_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
except Exception:  # no tz database on the machine: Vietnam has kept UTC+7 without DST since 1975
    VIETNAM_TZ = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")

END_OF_OFFICE_HOURS = time(17, 0)


def _is_weekend(d: date) -> bool:
    return d.weekday() >= 5


def national_day_adjacent(year: int) -> date:
    """The day given next to Quốc khánh 2/9 (see the module docstring for the default rule)."""
    national_day = date(year, 9, 2)
    before, after = national_day - timedelta(days=1), national_day + timedelta(days=1)
    if national_day.weekday() == 3:  # Thursday: 3/9 is a Friday, a four-day break
        return after
    return before if not _is_weekend(before) else after


def tet_break(year: int) -> list[date]:
    """The default 5-day Tết break around lunar new year `year`: the eve and lunar 1-4."""
    first = lunar_to_solar(1, 1, year)
    return [first + timedelta(days=i) for i in range(-1, 4)]


@lru_cache(maxsize=64)
def statutory_holidays(year: int) -> tuple[date, ...]:
    """The public holidays of a solar year, before compensation and configuration, sorted."""
    days = {date(year, 1, 1), date(year, 4, 30), date(year, 5, 1), date(year, 9, 2),
            national_day_adjacent(year), lunar_to_solar(10, 3, year)}
    # Tết of this lunar year, and the eve of next year's Tết when it falls on 31 December or earlier.
    for lunar_year in (year, year + 1):
        days.update(d for d in tet_break(lunar_year) if d.year == year)
    return tuple(sorted(days))


@lru_cache(maxsize=64)
def days_off(year: int) -> frozenset[date]:
    """Statutory holidays of `year` plus the compensating days for those that fall on a weekend."""
    # Include the end of the previous year so a holiday on 31 December compensates into January.
    holidays = sorted(set(statutory_holidays(year - 1)) | set(statutory_holidays(year)))
    off = set(holidays)
    for holiday in holidays:
        if _is_weekend(holiday):
            compensation = holiday + timedelta(days=1)
            while _is_weekend(compensation) or compensation in off:
                compensation += timedelta(days=1)
            off.add(compensation)
    return frozenset(d for d in off if d.year == year)


@dataclass(frozen=True)
class WorkingCalendar:
    """Which days a public office works, with a province's own corrections."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def with_overrides(cls, days_off_: Iterable[date] = (), working_days: Iterable[date] = ()) -> "WorkingCalendar":
        return cls(frozenset(days_off_), frozenset(working_days))

    def is_working_day(self, d: date) -> bool:
        if d in self.extra_working_days:
            return True
        if d in self.extra_days_off:
            return False
        return not _is_weekend(d) and d not in days_off(d.year)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself is not counted)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        d = start
        remaining = n
        while remaining:
            d += timedelta(days=1)
            if self.is_working_day(d):
                remaining -= 1
        return d

    def due_at(self, received_at: datetime, working_days: int) -> datetime:
        """When a ticket received at `received_at` (timezone-aware) is due, in UTC."""
        if received_at.tzinfo is None:
            raise ValueError("received_at must be timezone-aware")
        local_day = received_at.astimezone(VIETNAM_TZ).date()
        due_day = self.add_working_days(local_day, working_days)
        return datetime.combine(due_day, END_OF_OFFICE_HOURS, tzinfo=VIETNAM_TZ).astimezone(timezone.utc)

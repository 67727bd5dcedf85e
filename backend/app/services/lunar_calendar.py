"""Vietnamese lunar calendar (âm lịch), computed astronomically for the UTC+7 time zone.

This is the well-published method of Hồ Ngọc Đức ("Âm lịch Việt Nam"), written from its
description: new moons and the sun's longitude come from the simplified series of Jean Meeus'
"Astronomical Algorithms"; a lunar month starts on the local day (UTC+7) of a new moon; the month
containing the winter solstice is month 11; a year of 13 months between two months 11 gets a leap
month, the first month without a major solar term (trung khí).

Only the conversion lunar -> solar is needed by the backend (to place Tết and Giỗ Tổ Hùng Vương),
but solar -> lunar is provided as well so both directions can be checked against each other.
"""

from __future__ import annotations

import math
from datetime import date

VIETNAM_UTC_OFFSET_HOURS = 7.0
_SYNODIC_MONTH = 29.530588853
_JD_EPOCH_1900 = 2415021.076998695  # Julian day of the new moon of 1900-01-01 (k = 0)
_ORDINAL_TO_JDN = 1721425  # date.toordinal() + this = Julian day number


def julian_day_number(d: date) -> int:
    return d.toordinal() + _ORDINAL_TO_JDN


def date_from_julian_day_number(jdn: int) -> date:
    return date.fromordinal(jdn - _ORDINAL_TO_JDN)


def _new_moon(k: int) -> float:
    """Julian date (UT) of the k-th new moon after the one of 1900-01-01."""
    t = k / 1236.85
    t2, t3 = t * t, t * t * t
    dr = math.pi / 180
    jd = 2415020.75933 + 29.53058868 * k + 0.0001178 * t2 - 0.000000155 * t3
    jd += 0.00033 * math.sin((166.56 + 132.87 * t - 0.009173 * t2) * dr)
    sun_anomaly = 359.2242 + 29.10535608 * k - 0.0000333 * t2 - 0.00000347 * t3
    moon_anomaly = 306.0253 + 385.81691806 * k + 0.0107306 * t2 + 0.00001236 * t3
    latitude_arg = 21.2964 + 390.67050646 * k - 0.0016528 * t2 - 0.00000239 * t3
    c = (0.1734 - 0.000393 * t) * math.sin(sun_anomaly * dr) + 0.0021 * math.sin(2 * dr * sun_anomaly)
    c -= 0.4068 * math.sin(moon_anomaly * dr) - 0.0161 * math.sin(2 * dr * moon_anomaly)
    c -= 0.0004 * math.sin(3 * dr * moon_anomaly)
    c += 0.0104 * math.sin(2 * dr * latitude_arg) - 0.0051 * math.sin(dr * (sun_anomaly + moon_anomaly))
    c -= 0.0074 * math.sin(dr * (sun_anomaly - moon_anomaly))
    c += 0.0004 * math.sin(dr * (2 * latitude_arg + sun_anomaly))
    c -= 0.0004 * math.sin(dr * (2 * latitude_arg - sun_anomaly))
    c -= 0.0006 * math.sin(dr * (2 * latitude_arg + moon_anomaly))
    c += 0.0010 * math.sin(dr * (2 * latitude_arg - moon_anomaly))
    c += 0.0005 * math.sin(dr * (2 * moon_anomaly + sun_anomaly))
    if t < -11:
        delta_t = 0.001 + 0.000839 * t + 0.0002261 * t2 - 0.00000845 * t3 - 0.000000081 * t * t3
    else:
        delta_t = -0.000278 + 0.000265 * t + 0.000262 * t2
    return jd + c - delta_t


def _new_moon_day(k: int, tz: float) -> int:
    """Julian day number of the local day on which the k-th new moon falls."""
    return math.floor(_new_moon(k) + 0.5 + tz / 24)


def _sun_longitude(jd_ut: float) -> float:
    """Apparent-ish longitude of the sun in radians, in [0, 2π)."""
    t = (jd_ut - 2451545.0) / 36525
    t2 = t * t
    dr = math.pi / 180
    mean_anomaly = 357.52910 + 35999.05030 * t - 0.0001559 * t2 - 0.00000048 * t * t2
    mean_longitude = 280.46645 + 36000.76983 * t + 0.0003032 * t2
    center = (1.914600 - 0.004817 * t - 0.000014 * t2) * math.sin(dr * mean_anomaly)
    center += (0.019993 - 0.000101 * t) * math.sin(2 * dr * mean_anomaly) + 0.000290 * math.sin(3 * dr * mean_anomaly)
    longitude = (mean_longitude + center) * dr
    return longitude - 2 * math.pi * math.floor(longitude / (2 * math.pi))


def _solar_term_sector(jdn: int, tz: float) -> int:
    """Which of the 12 major solar-term sectors (0..11) the sun is in at the start of local day jdn."""
    return math.floor(_sun_longitude(jdn - 0.5 - tz / 24) / math.pi * 6)


def _month_11_start(year: int, tz: float) -> int:
    """Julian day number of the first day of lunar month 11 (the winter-solstice month) before
    the end of solar `year`."""
    offset = julian_day_number(date(year, 12, 31)) - 2415021
    k = math.floor(offset / _SYNODIC_MONTH)
    start = _new_moon_day(k, tz)
    if _solar_term_sector(start, tz) >= 9:
        start = _new_moon_day(k - 1, tz)
    return start


def _leap_month_offset(month_11_start: int, tz: float) -> int:
    """Index (after month 11) of the leap month in a 13-month lunar year."""
    k = math.floor((month_11_start - _JD_EPOCH_1900) / _SYNODIC_MONTH + 0.5)
    i = 1
    sector = _solar_term_sector(_new_moon_day(k + i, tz), tz)
    while True:
        last = sector
        i += 1
        sector = _solar_term_sector(_new_moon_day(k + i, tz), tz)
        if sector == last or i >= 14:
            break
    return i - 1


def lunar_to_solar(day: int, month: int, year: int, leap: bool = False,
                   tz: float = VIETNAM_UTC_OFFSET_HOURS) -> date:
    """The solar (Gregorian) date of lunar day/month/year. Raises ValueError for a leap month that
    the year does not have."""
    if not (1 <= month <= 12 and 1 <= day <= 30):
        raise ValueError(f"not a lunar date: {day}/{month}/{year}")
    if month < 11:
        a11, b11 = _month_11_start(year - 1, tz), _month_11_start(year, tz)
    else:
        a11, b11 = _month_11_start(year, tz), _month_11_start(year + 1, tz)
    k = math.floor(0.5 + (a11 - _JD_EPOCH_1900) / _SYNODIC_MONTH)
    offset = (month - 11) % 12
    if b11 - a11 > 365:
        leap_offset = _leap_month_offset(a11, tz)
        leap_month = (leap_offset - 2) % 12
        if leap and month != leap_month:
            raise ValueError(f"lunar year {year} has no leap month {month}")
        if leap or offset >= leap_offset:
            offset += 1
    elif leap:
        raise ValueError(f"lunar year {year} has no leap month")
    return date_from_julian_day_number(_new_moon_day(k + offset, tz) + day - 1)


def solar_to_lunar(d: date, tz: float = VIETNAM_UTC_OFFSET_HOURS) -> tuple[int, int, int, bool]:
    """(day, month, year, leap) of the lunar date on solar date d."""
    jdn = julian_day_number(d)
    k = math.floor((jdn - 2415021.076998695) / _SYNODIC_MONTH)
    month_start = _new_moon_day(k + 1, tz)
    if month_start > jdn:
        month_start = _new_moon_day(k, tz)
    a11 = _month_11_start(d.year, tz)
    b11 = a11
    if a11 >= month_start:
        lunar_year = d.year
        a11 = _month_11_start(d.year - 1, tz)
    else:
        lunar_year = d.year + 1
        b11 = _month_11_start(d.year + 1, tz)
    lunar_day = jdn - month_start + 1
    diff = math.floor((month_start - a11) / 29)
    leap = False
    lunar_month = diff + 11
    if b11 - a11 > 365:
        leap_diff = _leap_month_offset(a11, tz)
        if diff >= leap_diff:
            lunar_month = diff + 10
            if diff == leap_diff:
                leap = True
    if lunar_month > 12:
        lunar_month -= 12
    if lunar_month >= 11 and diff < 4:
        lunar_year -= 1
    return lunar_day, lunar_month, lunar_year, leap

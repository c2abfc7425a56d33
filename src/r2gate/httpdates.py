"""HTTP-date parsing and formatting (RFC 9110 5.6.7), independent of the C locale.

Validators compare at one-second precision: R2's `uploaded` carries milliseconds
while Last-Modified carries seconds, so always go through `truncate_to_seconds`.
Naive datetimes (what the Workers SDK makes of a JS Date) are taken to be UTC.
"""

from __future__ import annotations

import functools
import re
from datetime import UTC, datetime

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_DAYS_LONG = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_MONTH_NUMBER = {name.lower(): number for number, name in enumerate(_MONTHS, start=1)}

_TIME = r"([0-9]{2}):([0-9]{2}):([0-9]{2})"
_FLAGS = re.ASCII | re.IGNORECASE
# Sun, 06 Nov 1994 08:49:37 GMT
_IMF_FIXDATE = re.compile(
    rf"(?:{'|'.join(_DAYS)}), ([0-9]{{2}}) ([a-z]{{3}}) ([0-9]{{4}}) {_TIME} GMT", _FLAGS
)
# Sunday, 06-Nov-94 08:49:37 GMT
_RFC850 = re.compile(
    rf"(?:{'|'.join(_DAYS_LONG)}), ([0-9]{{2}})-([a-z]{{3}})-([0-9]{{2}}) {_TIME} GMT", _FLAGS
)
# Sun Nov  6 08:49:37 1994
_ASCTIME = re.compile(
    rf"(?:{'|'.join(_DAYS)}) ([a-z]{{3}}) ([0-9]{{2}}| [0-9]) {_TIME} ([0-9]{{4}})", _FLAGS
)
_MAX_LENGTH = 64


def _build(year: int, month: str, day: str, hour: str, minute: str, second: str) -> datetime | None:
    number = _MONTH_NUMBER.get(month.lower())
    if number is None:
        return None
    sec = int(second)
    if sec == 60:  # a leap second is valid on the wire but not in datetime
        sec = 59
    try:
        return datetime(year, number, int(day), int(hour), int(minute), sec, tzinfo=UTC)
    except ValueError:
        return None


@functools.lru_cache(maxsize=1024)  # the same Last-Modified and If-Modified-Since recur
def _imf_fixdate(value: str) -> datetime | None:
    match = _IMF_FIXDATE.fullmatch(value)
    assert match is not None
    day, month, year, hh, mm, ss = match.groups()
    return _build(int(year), month, day, hh, mm, ss)


def parse_http_date(value: str | None, *, now: datetime | None = None) -> datetime | None:
    """Parse IMF-fixdate, RFC 850 or asctime to an aware UTC datetime; None if invalid.

    `now` only matters for RFC 850's two-digit years: a year that would lie more
    than 50 years in the future is taken from the previous century (RFC 9110 5.6.7).
    """
    if value is None or len(value) > _MAX_LENGTH:
        return None
    s = value.strip(" \t")
    if _IMF_FIXDATE.fullmatch(s):
        return _imf_fixdate(s)
    if m := _RFC850.fullmatch(s):
        day, month, yy, hh, mm, ss = m.groups()
        current_year = (now or datetime.now(UTC)).year
        year = current_year - current_year % 100 + int(yy)
        if year > current_year + 50:
            year -= 100
        return _build(year, month, day, hh, mm, ss)
    if m := _ASCTIME.fullmatch(s):
        month, day, hh, mm, ss, digits = m.groups()
        return _build(int(digits), month, day.strip(), hh, mm, ss)
    return None


def truncate_to_seconds(moment: datetime) -> datetime:
    """The same instant as an aware UTC datetime with sub-second digits dropped."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).replace(microsecond=0)


@functools.lru_cache(maxsize=1024)  # an object is read many times with the same date
def format_http_date(moment: datetime) -> str:
    """Format as IMF-fixdate, e.g. 'Sun, 06 Nov 1994 08:49:37 GMT'."""
    t = truncate_to_seconds(moment)
    return (
        f"{_DAYS[t.weekday()]}, {t.day:02d} {_MONTHS[t.month - 1]} {t.year:04d} "
        f"{t.hour:02d}:{t.minute:02d}:{t.second:02d} GMT"
    )

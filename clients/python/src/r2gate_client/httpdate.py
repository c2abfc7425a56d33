"""HTTP dates (Last-Modified, Retry-After) through the standard library's email.utils."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def parse_http_date(value: str | None) -> datetime | None:
    """An HTTP-date as an aware UTC datetime; None when absent or not a date."""
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)

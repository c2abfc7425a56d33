"""HTTP-date parsing and formatting (RFC 9110 5.6.7)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.httpdates import format_http_date, parse_http_date, truncate_to_seconds

EXAMPLE = datetime(1994, 11, 6, 8, 49, 37, tzinfo=UTC)
NOW = datetime(2026, 11, 21, tzinfo=UTC)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("Sun, 06 Nov 1994 08:49:37 GMT", EXAMPLE, id="rfc9110-5.6.7-imf-fixdate"),
        pytest.param("Sunday, 06-Nov-94 08:49:37 GMT", EXAMPLE, id="rfc9110-5.6.7-rfc850"),
        pytest.param("Sun Nov  6 08:49:37 1994", EXAMPLE, id="rfc9110-5.6.7-asctime"),
        pytest.param(
            "Sun Nov 16 08:49:37 1994",
            EXAMPLE.replace(day=16),
            id="rfc9110-5.6.7-asctime-2digit-day",
        ),
        pytest.param(" Sun, 06 Nov 1994 08:49:37 GMT\t", EXAMPLE, id="rfc9110-5.6.3-ows"),
        pytest.param("sun, 06 nov 1994 08:49:37 gmt", EXAMPLE, id="lenient-case"),
        pytest.param(
            "Saturday, 01-Jan-77 00:00:00 GMT",
            datetime(1977, 1, 1, tzinfo=UTC),
            id="rfc9110-5.6.7-rfc850-more-than-50y-ahead-is-past-century",
        ),
        pytest.param(
            "Wednesday, 01-Jan-76 00:00:00 GMT",
            datetime(2076, 1, 1, tzinfo=UTC),
            id="rfc9110-5.6.7-rfc850-50y-ahead-is-future",
        ),
        pytest.param(
            "Wed, 31 Dec 2016 23:59:60 GMT",
            datetime(2016, 12, 31, 23, 59, 59, tzinfo=UTC),
            id="rfc9110-5.6.7-leap-second",
        ),
        pytest.param("Sun, 6 Nov 1994 08:49:37 GMT", None, id="rfc9110-5.6.7-1digit-day"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 UTC", None, id="rfc9110-5.6.7-not-gmt"),
        pytest.param("Sun, 06 Nov 1994 08:49:37 +0000", None, id="rfc9110-5.6.7-offset"),
        pytest.param("Sun, 31 Feb 1994 08:49:37 GMT", None, id="rfc9110-5.6.7-impossible-day"),
        pytest.param("Sun, 06 Foo 1994 08:49:37 GMT", None, id="rfc9110-5.6.7-bad-month"),
        pytest.param("Sun, 06 Nov 1994 24:00:00 GMT", None, id="rfc9110-5.6.7-bad-hour"),
        pytest.param("Sun, 06 Nov 1994 08:49:61 GMT", None, id="rfc9110-5.6.7-bad-second"),
        pytest.param("1994-11-06T08:49:37Z", None, id="rfc9110-5.6.7-iso8601-rejected"),
        pytest.param(
            "Sun, 06 Nov 1994 08:49:37 GMT, Mon, 07 Nov 1994 08:49:37 GMT",
            None,
            id="rfc9110-13.1.3-list-of-dates",
        ),
        pytest.param("Sun, \u0660\u0666 Nov 1994 08:49:37 GMT", None, id="non-ascii-digits"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse(value, expected):
    assert parse_http_date(value, now=NOW) == expected


def test_format_is_imf_fixdate():
    assert format_http_date(EXAMPLE) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_format_converts_to_utc_and_truncates():
    moment = datetime(1994, 11, 6, 9, 49, 37, 999_000, tzinfo=timezone(timedelta(hours=1)))
    assert format_http_date(moment) == "Sun, 06 Nov 1994 08:49:37 GMT"


def test_truncate_treats_naive_as_utc():
    assert truncate_to_seconds(datetime(2024, 5, 1, 12, 0, 0, 123_456)) == datetime(
        2024, 5, 1, 12, tzinfo=UTC
    )


@given(
    st.datetimes(
        min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31), timezones=st.just(UTC)
    )
)
def test_round_trip(moment):
    assert parse_http_date(format_http_date(moment)) == moment.replace(microsecond=0)


@given(st.text(max_size=80))
def test_never_raises(text):
    result = parse_http_date(text)
    assert result is None or result.tzinfo is UTC

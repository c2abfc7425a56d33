"""Precondition evaluation (RFC 9110 13.1, 13.2)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.conditional import (
    Current,
    Outcome,
    Precondition,
    evaluate_preconditions,
    pinned,
    write_conditions,
    write_preconditions_hold,
)

ETAG = '"abc"'
# R2's `uploaded` has milliseconds; Last-Modified is "Wed, 01 May 2024 12:00:00 GMT".
UPLOADED = datetime(2024, 5, 1, 12, 0, 0, 500_000, tzinfo=UTC)
SAME = "Wed, 01 May 2024 12:00:00 GMT"
EARLIER = "Wed, 01 May 2024 11:59:59 GMT"
LATER = "Wed, 01 May 2024 12:00:01 GMT"

GO = Outcome.PROCEED
NM = Outcome.NOT_MODIFIED
PF = Outcome.PRECONDITION_FAILED


@pytest.mark.parametrize(
    ("method", "headers", "outcome"),
    [
        pytest.param("GET", {}, GO, id="rfc9110-13.2.2-no-preconditions"),
        # If-Match: strong comparison, step 1
        pytest.param("GET", {"if-match": ETAG}, GO, id="rfc9110-13.1.1-match"),
        pytest.param("GET", {"if-match": '"zzz"'}, PF, id="rfc9110-13.1.1-no-match-412"),
        pytest.param("GET", {"if-match": "*"}, GO, id="rfc9110-13.1.1-star-existing"),
        pytest.param("GET", {"if-match": 'W/"abc"'}, PF, id="rfc9110-13.1.1-weak-never-matches"),
        pytest.param("GET", {"if-match": '"x", "abc"'}, GO, id="rfc9110-13.1.1-any-in-list"),
        pytest.param("GET", {"if-match": "abc"}, GO, id="rfc9110-13.1.1-malformed-ignored"),
        # If-Unmodified-Since, step 2
        pytest.param(
            "GET", {"if-unmodified-since": EARLIER}, PF, id="rfc9110-13.1.4-modified-since-412"
        ),
        pytest.param(
            "GET", {"if-unmodified-since": SAME}, GO, id="rfc9110-13.1.4-same-second-precision"
        ),
        pytest.param("GET", {"if-unmodified-since": LATER}, GO, id="rfc9110-13.1.4-unmodified"),
        pytest.param(
            "GET",
            {"if-unmodified-since": "yesterday"},
            GO,
            id="rfc9110-13.1.4-invalid-date-ignored",
        ),
        pytest.param(
            "GET",
            {"if-match": ETAG, "if-unmodified-since": EARLIER},
            GO,
            id="rfc9110-13.1.4-ignored-with-if-match",
        ),
        pytest.param(
            "GET",
            {"if-match": "garbage", "if-unmodified-since": EARLIER},
            GO,
            id="rfc9110-13.1.4-ignored-when-request-contains-if-match",
        ),
        # If-None-Match: weak comparison, step 3
        pytest.param("GET", {"if-none-match": ETAG}, NM, id="rfc9110-13.1.2-match-get-304"),
        pytest.param("HEAD", {"if-none-match": ETAG}, NM, id="rfc9110-13.1.2-match-head-304"),
        pytest.param(
            "DELETE", {"if-none-match": ETAG}, PF, id="rfc9110-13.2.2-step3-other-method-412"
        ),
        pytest.param("GET", {"if-none-match": 'W/"abc"'}, NM, id="rfc9110-13.1.2-weak-comparison"),
        pytest.param("GET", {"if-none-match": "*"}, NM, id="rfc9110-13.1.2-star-existing"),
        pytest.param("GET", {"if-none-match": '"x", "y"'}, GO, id="rfc9110-13.1.2-no-match"),
        pytest.param("GET", {"if-none-match": "abc"}, GO, id="rfc9110-13.1.2-malformed-ignored"),
        # If-Modified-Since, step 4
        pytest.param("GET", {"if-modified-since": SAME}, NM, id="rfc9110-13.1.3-same-second-304"),
        pytest.param("GET", {"if-modified-since": LATER}, NM, id="rfc9110-13.1.3-not-modified-304"),
        pytest.param("GET", {"if-modified-since": EARLIER}, GO, id="rfc9110-13.1.3-modified-200"),
        pytest.param("HEAD", {"if-modified-since": SAME}, NM, id="rfc9110-13.1.3-head"),
        pytest.param("POST", {"if-modified-since": LATER}, GO, id="rfc9110-13.1.3-get-head-only"),
        pytest.param(
            "GET", {"if-modified-since": "not a date"}, GO, id="rfc9110-13.1.3-invalid-ignored"
        ),
        pytest.param(
            "GET",
            {"if-none-match": '"other"', "if-modified-since": LATER},
            GO,
            id="rfc9110-13.1.3-ignored-with-if-none-match",
        ),
        # Order of evaluation, RFC 9110 13.2.2
        pytest.param(
            "GET",
            {"if-match": '"zzz"', "if-none-match": ETAG},
            PF,
            id="rfc9110-13.2.2-if-match-before-if-none-match",
        ),
        pytest.param(
            "GET",
            {"if-unmodified-since": EARLIER, "if-modified-since": LATER},
            PF,
            id="rfc9110-13.2.2-ius-before-ims",
        ),
        pytest.param(
            "GET",
            {"if-match": ETAG, "if-none-match": ETAG},
            NM,
            id="rfc9110-13.2.2-if-match-passes-then-if-none-match",
        ),
        pytest.param("GET", {"If-None-Match": ETAG}, NM, id="rfc9110-5.1-names-case-insensitive"),
    ],
)
def test_outcome(method, headers, outcome):
    result = evaluate_preconditions(method, headers, ETAG, UPLOADED)
    assert result.outcome is outcome
    if outcome is not GO:
        assert result.range_allowed is False


@pytest.mark.parametrize(
    ("method", "headers", "allowed"),
    [
        pytest.param("GET", {"range": "bytes=0-1"}, True, id="rfc9110-14.2-range-get"),
        pytest.param("HEAD", {"range": "bytes=0-1"}, False, id="rfc9110-14.2-range-get-only"),
        pytest.param(
            "GET", {"range": "bytes=0-1", "if-range": ETAG}, True, id="rfc9110-13.1.5-strong-match"
        ),
        pytest.param(
            "GET",
            {"range": "bytes=0-1", "if-range": '"zzz"'},
            False,
            id="rfc9110-13.1.5-etag-differs",
        ),
        pytest.param(
            "GET",
            {"range": "bytes=0-1", "if-range": 'W/"abc"'},
            False,
            id="rfc9110-13.1.5-weak-never-matches",
        ),
        pytest.param(
            "GET", {"range": "bytes=0-1", "if-range": SAME}, True, id="rfc9110-13.1.5-date-exact"
        ),
        pytest.param(
            "GET", {"range": "bytes=0-1", "if-range": LATER}, False, id="rfc9110-13.1.5-date-later"
        ),
        pytest.param(
            "GET",
            {"range": "bytes=0-1", "if-range": EARLIER},
            False,
            id="rfc9110-13.1.5-date-earlier",
        ),
        pytest.param(
            "GET",
            {"range": "bytes=0-1", "if-range": "junk"},
            False,
            id="rfc9110-13.1.5-otherwise-false",
        ),
        pytest.param(
            "GET",
            {"range": "bytes=0-1", "if-range": '"abc", "x"'},
            False,
            id="rfc9110-13.1.5-no-list",
        ),
        pytest.param("GET", {"if-range": '"zzz"'}, True, id="rfc9110-13.1.5-ignored-without-range"),
        pytest.param("get", {"range": "bytes=0-1"}, True, id="fetch-method-normalisation"),
    ],
)
def test_if_range(method, headers, allowed):
    result = evaluate_preconditions(method, headers, ETAG, UPLOADED)
    assert result.outcome is GO
    assert result.range_allowed is allowed


_HEADER_NAMES = (
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "range",
)
_header_values = st.one_of(
    st.text(),
    st.sampled_from([ETAG, 'W/"abc"', "*", SAME, EARLIER, LATER, "bytes=0-1", '"a", W/"b"']),
)


@given(
    st.sampled_from(["GET", "HEAD", "PUT", "POST", "DELETE", "get", "PATCH"]),
    st.dictionaries(st.sampled_from(_HEADER_NAMES), _header_values),
    st.text(),
)
def test_never_raises(method, headers, etag):
    read = evaluate_preconditions(method, headers, etag or ETAG, UPLOADED)
    assert read.outcome in Outcome
    assert read.range_allowed is False or (read.outcome is GO and method.upper() == "GET")


@given(st.sampled_from(["GET", "HEAD", "PUT", "DELETE"]), st.dictionaries(st.text(), st.text()))
def test_unrelated_headers_never_change_the_outcome(method, headers):
    headers = {k: v for k, v in headers.items() if k.lower() not in _HEADER_NAMES}
    assert evaluate_preconditions(method, headers, ETAG, UPLOADED) == Precondition(
        GO, range_allowed=method == "GET"
    )


# --- writes -------------------------------------------------------------------------------------

OBJ = Current("abc", UPLOADED)
BEFORE = "Wed, 01 May 2024 11:59:59 GMT"


@pytest.mark.parametrize(
    ("headers", "on_object", "on_nothing"),
    [
        ({}, True, True),
        ({"If-Match": '"abc"'}, True, False),
        ({"If-Match": '"x", "abc"'}, True, False),
        ({"If-Match": "*"}, True, False),
        ({"If-Match": '"x"'}, False, False),
        ({"If-Match": 'W/"abc"'}, False, False),  # strong comparison
        ({"If-Match": "abc"}, False, False),  # malformed: fail closed
        ({"If-Match": '"' + "a" * 9000 + '"'}, False, False),  # oversized: fail closed
        ({"If-None-Match": "*"}, False, True),
        ({"If-None-Match": '"abc"'}, False, True),
        ({"If-None-Match": 'W/"abc"'}, False, True),  # weak comparison
        ({"If-None-Match": '"x"'}, True, True),
        ({"If-None-Match": "abc"}, False, False),
        ({"If-Unmodified-Since": SAME}, True, True),
        ({"If-Unmodified-Since": BEFORE}, False, True),
        ({"If-Unmodified-Since": "yesterday"}, True, True),  # RFC 9110 13.1.4: ignored
        ({"If-Match": '"abc"', "If-Unmodified-Since": BEFORE}, True, False),  # If-Match wins
        ({"If-Match": '"abc"', "If-None-Match": "*"}, False, False),
    ],
)
def test_write_preconditions(headers: dict[str, str], on_object: bool, on_nothing: bool) -> None:
    assert write_preconditions_hold(headers, OBJ) is on_object
    assert write_preconditions_hold(headers, None) is on_nothing
    conditions = write_conditions(headers)
    assert conditions.present is bool(headers)
    assert conditions.holds(OBJ) is on_object and conditions.holds(None) is on_nothing


@pytest.mark.parametrize(
    ("headers", "only_if"),
    [
        ({"If-None-Match": " * "}, {"etagDoesNotMatch": "*"}),
        ({"if-match": '"abc"'}, {"etagMatches": "abc"}),
    ],
)
def test_r2_decides_one_simple_condition_in_the_write(
    headers: dict[str, str], only_if: dict[str, str]
) -> None:
    conditions = write_conditions(headers)
    assert (conditions.needs_current, conditions.only_if) == (False, only_if)


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Match": '"a", "b"'},
        {"If-Match": "*"},
        {"If-Match": 'W/"a"'},
        {"If-Match": '"*"'},  # a quoted star is an etag, not R2's wildcard
        {"If-Match": "a"},
        {"If-None-Match": '"a"'},
        {"If-Unmodified-Since": SAME},
        {"If-None-Match": "*", "If-Unmodified-Since": SAME},
    ],
)
def test_everything_else_is_checked_against_the_current_object(headers: dict[str, str]) -> None:
    conditions = write_conditions(headers)
    assert conditions.needs_current and conditions.only_if is None


def test_pinned_is_the_object_that_was_checked() -> None:
    assert pinned(OBJ) == {"etagMatches": "abc"}
    assert pinned(None) == {"etagDoesNotMatch": "*"}

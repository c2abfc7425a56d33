"""Strict decimal integers: one spelling per number, bounded length, range-checked."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from r2gate.errors import ApiError
from r2gate.numbers import InvalidNumber, decimal_param, parse_decimal


@pytest.mark.parametrize(
    ("text", "value"),
    [("0", 0), ("1", 1), ("10000", 10000), ("9", 9)],
)
def test_canonical_numbers_parse(text: str, value: int) -> None:
    assert parse_decimal(text, maximum=10000) == value


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("01", id="leading-zero"),
        pytest.param("00", id="double-zero"),
        pytest.param("+1", id="plus-sign"),
        pytest.param("-1", id="minus-sign"),
        pytest.param("1e0", id="exponent"),
        pytest.param("1.0", id="decimal-point"),
        pytest.param(" 1", id="leading-space"),
        pytest.param("1 ", id="trailing-space"),
        pytest.param("1\n", id="trailing-newline"),
        pytest.param("1_0", id="underscore"),
        pytest.param("0x1", id="hex"),
        pytest.param("\u0661", id="arabic-indic-digit"),
        pytest.param("\uff11", id="fullwidth-digit"),
        pytest.param("\u00b9", id="superscript-one"),
        pytest.param("", id="empty"),
        pytest.param("10001", id="above-maximum"),
        pytest.param("100000", id="more-digits-than-maximum"),
        pytest.param("9" * 5000, id="huge"),
        pytest.param(None, id="absent"),
    ],
)
def test_other_spellings_are_refused(text: str | None) -> None:
    with pytest.raises(InvalidNumber):
        parse_decimal(text, maximum=10000)


def test_minimum_is_enforced() -> None:
    assert parse_decimal("1", minimum=1, maximum=5) == 1
    with pytest.raises(InvalidNumber):
        parse_decimal("0", minimum=1, maximum=5)


def test_decimal_param_names_the_parameter_without_echoing_the_value() -> None:
    with pytest.raises(ApiError) as info:
        decimal_param("01<script>", "partNumber", minimum=1, maximum=10000)
    assert (info.value.status, info.value.code) == (400, "invalid_request")
    assert "'partNumber' must be a whole number from 1 to 10000" in info.value.message
    assert "script" not in info.value.message
    assert decimal_param("42", "limit", minimum=1, maximum=1000) == 42


@given(st.integers(min_value=0, max_value=10**12))
def test_every_number_has_exactly_its_canonical_spelling(value: int) -> None:
    assert parse_decimal(str(value), maximum=10**12) == value


@given(st.text(max_size=20))
def test_whatever_parses_is_the_canonical_spelling(text: str) -> None:
    try:
        value = parse_decimal(text, maximum=10**12)
    except InvalidNumber:
        return
    assert str(value) == text

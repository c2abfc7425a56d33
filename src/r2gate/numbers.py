"""Strict decimal integers from query parameters and header fields.

One spelling per number: ASCII digits only, no sign, no exponent, no decimal point, no
whitespace, no leading zero (except "0" itself), at most as many digits as the maximum has.
So ``partNumber=01``, ``+1``, ``1e0``, ``1.0``, `` 1`` and ``١`` (Arabic-Indic one) are all
refused, and no caller ever converts a long digit string.
"""

from __future__ import annotations

import re

from .errors import ApiError

__all__ = ["InvalidNumber", "decimal_param", "parse_decimal"]

_DECIMAL = re.compile(r"0|[1-9][0-9]*")


class InvalidNumber(ValueError):
    """The text is not a canonical decimal integer within the allowed range."""


def parse_decimal(text: str | None, *, maximum: int, minimum: int = 0) -> int:
    """`text` as an int in ``minimum..maximum`` (both inclusive); raises InvalidNumber.

    The message never echoes `text`.
    """
    if minimum < 0 or maximum < minimum:
        raise ValueError("need 0 <= minimum <= maximum")
    if (
        not isinstance(text, str)
        or len(text) > len(str(maximum))
        or _DECIMAL.fullmatch(text) is None
    ):
        raise InvalidNumber("not a canonical decimal integer")
    value = int(text)
    if not minimum <= value <= maximum:
        raise InvalidNumber(f"not in {minimum}..{maximum}")
    return value


def decimal_param(
    text: str | None,
    name: str,
    *,
    maximum: int,
    minimum: int = 0,
    status: int = 400,
    code: str = "invalid_request",
) -> int:
    """`parse_decimal` for a named request value: ApiError(status, code) naming `name`."""
    try:
        return parse_decimal(text, maximum=maximum, minimum=minimum)
    except InvalidNumber:
        raise ApiError(
            status, code, f"'{name}' must be a whole number from {minimum} to {maximum}."
        ) from None

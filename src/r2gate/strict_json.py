"""Strict JSON objects: what r2gate accepts from a token, a request body or a JSON setting."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["StrictJsonError", "strict_json_object"]


class StrictJsonError(ValueError):
    """Not one strict UTF-8 JSON object (the message never echoes the input)."""


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise StrictJsonError("duplicate key")
        result[name] = value
    return result


def _reject_constant(name: str) -> Any:
    raise StrictJsonError("non-finite number")


def _finite_float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise StrictJsonError("non-finite number")
    return value


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates anywhere (json accepts "\\ud800"; UTF-8 cannot encode it)."""
    if isinstance(value, str):
        value.encode("utf-8")
    elif isinstance(value, dict):
        for name, item in value.items():
            name.encode("utf-8")
            _check_strings(item)
    elif isinstance(value, list):
        for item in value:
            _check_strings(item)


def strict_json_object(data: bytes) -> dict[str, Any]:
    """Parse UTF-8 JSON that must be an object: no duplicate keys, NaN or lone surrogates.

    Raises StrictJsonError (never echoing the input).
    """
    try:
        text = data.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=_reject_duplicates,
            parse_constant=_reject_constant,
            parse_float=_finite_float,
        )
        _check_strings(value)
    except (UnicodeError, ValueError, RecursionError):
        raise StrictJsonError("not a strict JSON object") from None
    if not isinstance(value, dict):
        raise StrictJsonError("not a JSON object")
    return value

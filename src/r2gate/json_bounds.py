"""Untrusted JSON objects, loaded with bounded work and memory and no deep recursion.

`json.loads` recurses once per nesting level; on Pyodide a deep document ("[" * 6000)
overflows the stack and aborts the whole isolate, and a body of tiny values ("[]," * 2**20)
builds millions of objects from a few MB. `load_json_object` therefore measures the document
first, with C-speed bytes operations and no recursion: strings are cut out (escaped
backslashes and quotes dropped, then the text split on quotes), commas, colons and brackets
are counted, and innermost bracket pairs are removed once per allowed level. Only a document
within the bounds reaches `json.loads`.

Refused (`JsonInvalid` or its subclasses `JsonTooDeep` and `JsonTooManyValues`), never
echoing the input: anything but one UTF-8 JSON object, a byte-order mark, nesting deeper than
`max_depth`, more than `max_values` values and member names, a member name twice in one object,
NaN/Infinity, numbers that overflow to infinity, integers of more than `max_int_digits` digits,
number literals over `MAX_NUMBER_CHARS`, and lone surrogates (``"\\ud800"``, which UTF-8
cannot carry). Bodies over `max_bytes` raise `JsonTooLarge`. The result holds plain dicts,
lists, str, int, float, bool and None.
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_INT_DIGITS",
    "DEFAULT_MAX_VALUES",
    "MAX_NUMBER_CHARS",
    "MAX_SETTING_BYTES",
    "JsonInvalid",
    "JsonRejected",
    "JsonTooDeep",
    "JsonTooLarge",
    "JsonTooManyValues",
    "check_json_shape",
    "load_json",
    "load_json_object",
]

DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_INT_DIGITS = 32
# A multipart completion of 10,000 parts is about 50,000 values and names.
DEFAULT_MAX_VALUES = 100_000
MAX_NUMBER_CHARS = 64
# JSON settings (API_KEYS, SIGNING_KEYS, CACHE_POLICY, CORS, S3_CREDENTIALS): one limit for all.
MAX_SETTING_BYTES = 64 * 1024

# Only a \uD800-\uDFFF escape can put a surrogate into the result (UTF-8 cannot).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_OPEN_CLOSE = bytes.maketrans(b"{}", b"[]")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JsonRejected(ValueError):
    """The document was refused; the message never contains its content."""


class JsonTooLarge(JsonRejected):
    """Over the byte limit (answer 413)."""


class JsonInvalid(JsonRejected):
    """Not one strict JSON object within the bounds (answer 400 invalid_json)."""


class JsonTooDeep(JsonInvalid):
    """Arrays and objects nested deeper than the limit."""


class JsonTooManyValues(JsonInvalid):
    """More values and member names than the limit."""


def _outside_strings(raw: bytes, max_values: int) -> bytes:
    """The bytes between strings. Escapes are dropped first (a run of backslashes pairs up
    left to right, as JSON reads it), so every quote left opens or closes a string."""
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    if raw.count(b'"') > 2 * max_values:  # before splitting into that many pieces
        raise JsonTooManyValues(f"the JSON document has more than {max_values} values")
    pieces = raw.split(b'"')
    if len(pieces) % 2 == 0:
        raise JsonInvalid("a string is not terminated")
    return b"".join(pieces[::2])


def check_json_shape(raw: bytes, max_depth: int, max_values: int) -> None:
    """Raise JsonTooDeep, JsonTooManyValues or JsonInvalid (brackets that do not pair)
    unless `json.loads` can parse `raw` within the bounds. No recursion; at most
    `max_depth` passes over the brackets, which number at most 2 * `max_values`."""
    outside = _outside_strings(raw, max_values)
    brackets = outside.translate(_OPEN_CLOSE, _NOT_BRACKETS)
    values = 1 + outside.count(b",") + outside.count(b":") + len(brackets) // 2
    if values > max_values:
        raise JsonTooManyValues(f"the JSON document has more than {max_values} values")
    if 2 * brackets.count(b"[") != len(brackets):
        raise JsonInvalid("brackets do not pair")
    for _ in range(max_depth):
        if not brackets:
            return
        inner = brackets.replace(b"[]", b"")
        if len(inner) == len(brackets):
            raise JsonInvalid("brackets do not pair")
        brackets = inner
    if brackets:
        raise JsonTooDeep(f"the JSON document nests deeper than {max_depth} levels")


def _unique_members(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    members: dict[str, Any] = {}
    for name, value in pairs:
        if name in members:
            raise JsonInvalid("a member name appears twice in one object")
        members[name] = value
    return members


def _no_constant(name: str) -> Any:
    raise JsonInvalid("NaN and Infinity are not JSON")


def _finite_float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise JsonInvalid("a number literal is too long")
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise JsonInvalid("a number is too large")
    return value


def _check_strings(value: Any) -> None:
    """Refuse lone surrogates in every name and string, walking with an explicit stack."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            item.encode("utf-8")  # UnicodeEncodeError on a lone surrogate
        elif isinstance(item, dict):
            for name, member in item.items():
                name.encode("utf-8")
                pending.append(member)
        elif isinstance(item, list):
            pending.extend(item)


def load_json(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_values: int = DEFAULT_MAX_VALUES,
    max_int_digits: int = DEFAULT_MAX_INT_DIGITS,
) -> Any:
    """Parse one strict JSON value (see the module doc): JsonTooLarge or JsonInvalid (and
    its subclasses). `data` is UTF-8 bytes (a body) or text (a configured secret or var)."""
    if len(data) > max_bytes:
        raise JsonTooLarge(f"the JSON document exceeds {max_bytes} bytes")
    try:
        if isinstance(data, str):
            text, raw = data, data.encode("utf-8")
        else:
            raw = bytes(data)
            text = raw.decode("utf-8")
    except UnicodeError:
        raise JsonInvalid("the JSON document is not UTF-8") from None
    if len(raw) > max_bytes:
        raise JsonTooLarge(f"the JSON document exceeds {max_bytes} bytes")
    check_json_shape(raw, max_depth, max_values)

    def bounded_int(literal: str) -> int:
        if len(literal) - literal.startswith("-") > max_int_digits:
            raise JsonInvalid(f"an integer has more than {max_int_digits} digits")
        return int(literal)

    try:
        value = json.loads(
            text,
            object_pairs_hook=_unique_members,
            parse_constant=_no_constant,
            parse_float=_finite_float,
            parse_int=bounded_int,
        )
        if _SURROGATE_ESCAPE.search(raw):
            _check_strings(value)
    except JsonInvalid:
        raise
    except (ValueError, UnicodeError, RecursionError):
        raise JsonInvalid("the body is not valid JSON") from None
    return value


def load_json_object(
    data: bytes | str,
    *,
    max_bytes: int,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_values: int = DEFAULT_MAX_VALUES,
    max_int_digits: int = DEFAULT_MAX_INT_DIGITS,
) -> dict[str, Any]:
    """`load_json` for a document that must be one object."""
    value = load_json(
        data,
        max_bytes=max_bytes,
        max_depth=max_depth,
        max_values=max_values,
        max_int_digits=max_int_digits,
    )
    if not isinstance(value, dict):
        raise JsonInvalid("the JSON document is not an object")
    return value

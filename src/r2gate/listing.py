"""``GET /api/v1/objects``: strict query parsing, R2 list options and the JSON page.

Query: ``prefix`` (default ""), ``delimiter`` (optional), ``cursor`` (optional, from a previous
page), ``limit`` (1..1000, default 100). Unknown or repeated parameters, bad percent-encoding
and bad values are 400 invalid_request.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

from .content_types import guess_content_type
from .errors import ApiError
from .keys import MAX_KEY_BYTES
from .objects import ObjectInfo, object_json
from .text import has_control

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "ListQuery",
    "list_options",
    "list_page",
    "parse_list_query",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_DELIMITER_CHARS = 16
MAX_CURSOR_CHARS = 2048
PARAMETERS = frozenset({"prefix", "delimiter", "cursor", "limit"})
_CURSOR = re.compile(r"[\x21-\x7e]+")


@dataclass(frozen=True)
class ListQuery:
    prefix: str = ""
    delimiter: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def _pairs(query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(
            query, keep_blank_values=True, strict_parsing=bool(query), errors="strict"
        )
    except (UnicodeDecodeError, ValueError):
        raise _bad("The query string is malformed.") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMETERS:
            raise _bad(f"Unknown query parameter. Allowed: {', '.join(sorted(PARAMETERS))}.")
        if name in values:
            raise _bad(f"'{name}' is given more than once.")
        values[name] = value
    return values


def _text(value: str, name: str, max_bytes: int) -> str:
    if has_control(value) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise _bad(f"'{name}' contains characters that are not allowed.")
    if len(value.encode("utf-8")) > max_bytes:
        raise _bad(f"'{name}' exceeds {max_bytes} bytes.")
    return value


def parse_list_query(query: str) -> ListQuery:
    """Parse and validate the listing query string."""
    values = _pairs(query)
    prefix = _text(values.get("prefix", ""), "prefix", MAX_KEY_BYTES)
    delimiter = values.get("delimiter") or None
    if delimiter is not None:
        delimiter = _text(delimiter, "delimiter", MAX_DELIMITER_CHARS)
    cursor = values.get("cursor") or None
    if cursor is not None and (len(cursor) > MAX_CURSOR_CHARS or not _CURSOR.fullmatch(cursor)):
        raise _bad("'cursor' must be the cursor of a previous page.")
    raw_limit = values.get("limit")
    limit = DEFAULT_LIMIT
    if raw_limit is not None:
        if not raw_limit.isascii() or not raw_limit.isdigit() or len(raw_limit) > 4:
            raise _bad(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
        limit = int(raw_limit)
        if not 1 <= limit <= MAX_LIMIT:
            raise _bad(f"'limit' must be a whole number from 1 to {MAX_LIMIT}.")
    return ListQuery(prefix=prefix, delimiter=delimiter, cursor=cursor, limit=limit)


def list_options(query: ListQuery) -> dict[str, Any]:
    """Options for ``BUCKET.list`` (httpMetadata included for the content types)."""
    options: dict[str, Any] = {
        "prefix": query.prefix,
        "limit": query.limit,
        "include": ["httpMetadata"],
    }
    if query.delimiter is not None:
        options["delimiter"] = query.delimiter
    if query.cursor is not None:
        options["cursor"] = query.cursor
    return options


def list_page(
    objects: Iterable[ObjectInfo], prefixes: Iterable[str], cursor: str | None, truncated: bool
) -> dict[str, Any]:
    """The JSON page: ``{objects, prefixes, cursor, truncated}`` (cursor null on the last page)."""
    return {
        "objects": [object_json(o, o.content_type or guess_content_type(o.key)) for o in objects],
        "prefixes": list(prefixes),
        "cursor": cursor if truncated and cursor else None,
        "truncated": bool(truncated),
    }

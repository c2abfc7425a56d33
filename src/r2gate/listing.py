"""``GET /api/v1/objects``: strict query parsing, R2 list options and the JSON page.

Query: ``prefix`` (default "", at most 1024 characters; one of more than 1024 bytes lists
nothing, as no key is that long), ``delimiter`` (optional, at most 16 characters), ``cursor``
(optional, from a previous page), ``limit`` (1..1000, default 100, canonical decimal). Unknown
or repeated parameters, bad percent-encoding and bad values are 400 invalid_request.

r2gate's own records live under ``api/`` (``keys.RESERVED_PREFIX``), which no client key can
use, and a listing never shows them to any caller: neither their keys nor a common prefix
starting with ``api/``. A prefix under ``api/`` lists nothing (`lists_only_internal`, answered
with `empty_page` and no R2 call). Elsewhere `list_page` drops them, and when R2 hands back a
truncated page holding nothing but internal records, `options_past_internal` gives one more
list call that starts after them, so a client never pages through them. A common prefix shorter
than ``api/`` (``ap`` with delimiter ``p``) is kept: it can hold client keys too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .content_types import guess_content_type
from .errors import ApiError
from .keys import MAX_KEY_BYTES, RESERVED_PREFIX
from .numbers import decimal_param
from .objects import ObjectInfo, object_json
from .query import Query, as_query
from .text import has_control

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "PAST_INTERNAL",
    "ListQuery",
    "empty_page",
    "is_internal",
    "list_options",
    "list_page",
    "lists_only_internal",
    "options_past_internal",
    "parse_list_query",
]

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_DELIMITER_CHARS = 16
MAX_CURSOR_CHARS = 2048
PARAMETERS = frozenset({"prefix", "delimiter", "cursor", "limit"})
_CURSOR = re.compile(r"[\x21-\x7e]+")
# Greater, in UTF-8 byte order, than every key under api/ (keys are at most 1024 bytes) and
# smaller than every key after that range: R2's ``startAfter`` for skipping r2gate's records.
PAST_INTERNAL = RESERVED_PREFIX + "\U0010ffff" * ((MAX_KEY_BYTES - len(RESERVED_PREFIX)) // 4)


@dataclass(frozen=True)
class ListQuery:
    prefix: str = ""
    delimiter: str | None = None
    cursor: str | None = None
    limit: int = DEFAULT_LIMIT


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def _pairs(query: Query) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in query.pairs:
        if name not in PARAMETERS:
            raise _bad(f"Unknown query parameter. Allowed: {', '.join(sorted(PARAMETERS))}.")
        if name in values:
            raise _bad(f"'{name}' is given more than once.")
        values[name] = value
    return values


def _text(value: str, name: str, max_chars: int) -> str:
    if has_control(value) or any(0xD800 <= ord(c) <= 0xDFFF for c in value):
        raise _bad(f"'{name}' contains characters that are not allowed.")
    if len(value) > max_chars:
        raise _bad(f"'{name}' exceeds {max_chars} characters.")
    return value


def parse_list_query(query: Query | str) -> ListQuery:
    """Parse and validate the listing query (parsed, or the raw string)."""
    values = _pairs(as_query(query))
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
        limit = decimal_param(raw_limit, "limit", minimum=1, maximum=MAX_LIMIT)
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


def is_internal(name: str) -> bool:
    """True for a key or common prefix of r2gate's own records (under ``api/``)."""
    return name.startswith(RESERVED_PREFIX)


def lists_only_internal(query: ListQuery) -> bool:
    """True when no client key can lie under the prefix (it is under ``api/``, or longer than
    any key): answer `empty_page()` without listing."""
    return is_internal(query.prefix) or len(query.prefix.encode("utf-8")) > MAX_KEY_BYTES


def empty_page() -> dict[str, Any]:
    """The page for a prefix that can hold no client object."""
    return {"objects": [], "prefixes": [], "cursor": None, "truncated": False}


def options_past_internal(
    query: ListQuery, keys: Sequence[str], prefixes: Sequence[str], truncated: bool
) -> dict[str, Any] | None:
    """Options for one more ``BUCKET.list`` when R2's page (its `keys` and `prefixes`) was
    truncated and held only internal records: list again from after ``api/``, without the
    cursor. None when the page has something to show or is the last one."""
    listed = [*keys, *prefixes]
    if not truncated or not listed or not all(is_internal(name) for name in listed):
        return None
    options = list_options(ListQuery(query.prefix, query.delimiter, None, query.limit))
    options["startAfter"] = PAST_INTERNAL
    return options


def list_page(
    objects: Iterable[ObjectInfo], prefixes: Iterable[str], cursor: str | None, truncated: bool
) -> dict[str, Any]:
    """The JSON page: ``{objects, prefixes, cursor, truncated}`` (cursor null on the last
    page), without r2gate's internal records."""
    return {
        "objects": [
            object_json(o, o.content_type or guess_content_type(o.key))
            for o in objects
            if not is_internal(o.key)
        ],
        "prefixes": [p for p in prefixes if not is_internal(p)],
        "cursor": cursor if truncated and cursor else None,
        "truncated": bool(truncated),
    }

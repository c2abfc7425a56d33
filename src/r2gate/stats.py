"""`GET /api/v1/stats` and the reindex, in plain values (docs/events.md, "The object index").

Stats are read from the object index (D1), never from a listing: objects and bytes in total,
per folder (the first path segment below the prefix; "" for objects directly in it), per
top-level type (model, video, image, ...) and per owner (who wrote the current version).
A caller with ``list`` sees its own prefixes, or one prefix inside them (``?prefix=``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from .errors import ApiError
from .keys import MAX_KEY_BYTES
from .query import Query, as_query
from .text import has_control

__all__ = ["MAX_GROUPS", "merge_stats", "outermost", "parse_stats_query", "reindex_rows"]

MAX_GROUPS = 1000  # per grouping and prefix: the largest by bytes


def parse_stats_query(query: Query | str) -> str | None:
    """The ``prefix`` parameter ("" or ending in "/"), or None; any other parameter is 400."""
    parsed = as_query(query)
    unknown = set(parsed.names) - {"prefix", "token"}  # a token is refused by its principal
    if unknown:
        raise ApiError(400, "invalid_request", "The only parameter is 'prefix'.")
    prefix = parsed.single("prefix")
    if prefix is None:
        return None
    if (prefix and not prefix.endswith("/")) or len(prefix) > MAX_KEY_BYTES:
        raise ApiError(400, "invalid_request", "'prefix' must be empty or end with '/'.")
    if has_control(prefix) or any(0xD800 <= ord(c) <= 0xDFFF for c in prefix):
        raise ApiError(400, "invalid_request", "'prefix' contains characters that are not allowed.")
    return prefix


def outermost(prefixes: Iterable[str]) -> list[str]:
    """The prefixes none of the others contains (their objects are counted once)."""
    unique = sorted(set(prefixes))
    return [p for p in unique if not any(p != q and p.startswith(q) for q in unique)]


def _add(groups: dict[str, dict[str, int]], name: str, objects: int, size: int) -> None:
    entry = groups.setdefault(name, {"objects": 0, "bytes": 0})
    entry["objects"] += objects
    entry["bytes"] += size


def merge_stats(
    prefixes: Sequence[str],
    folders: Iterable[Mapping[str, Any]],
    types: Iterable[Mapping[str, Any]],
    owners: Iterable[Mapping[str, Any]],
) -> dict[str, Any]:
    """The stats body from the index's grouped rows (``name``, ``objects``, ``bytes``) of every
    prefix."""
    by_prefix: dict[str, dict[str, int]] = {}
    by_type: dict[str, dict[str, int]] = {}
    by_owner: dict[str, dict[str, int]] = {}
    for rows, groups in ((folders, by_prefix), (types, by_type), (owners, by_owner)):
        for row in rows:
            _add(groups, str(row["name"]), int(row["objects"]), int(row["bytes"] or 0))
    return {
        "prefixes": list(prefixes),
        "objects": sum(g["objects"] for g in by_type.values()),
        "bytes": sum(g["bytes"] for g in by_type.values()),
        "by_prefix": by_prefix,
        "by_type": by_type,
        "by_owner": by_owner,
        "source": "index",
    }


def reindex_rows(objects: Iterable[Any], now_ms: int) -> list[dict[str, Any]]:
    """Index rows of listed objects (r2gate.objects.ObjectInfo): an object the index does not
    know gets the owner ``unknown`` (a listing does not say who wrote it)."""
    from .events import top_level_type

    rows = []
    for info in objects:
        uploaded = int(info.uploaded.timestamp() * 1000)
        rows.append(
            {
                "key": info.key,
                "size": info.size,
                "type": top_level_type(info.content_type),
                "content_type": info.content_type or "",
                "etag": info.etag,
                "uploaded": min(uploaded, now_ms),
            }
        )
    return rows


REINDEX_FIELDS = frozenset({"cursor", "after", "started"})


def parse_reindex_request(document: Mapping[str, Any], now_ms: int) -> tuple[str | None, str, int]:
    """The body of POST /api/v1/stats/reindex: where the previous page ended (R2's ``cursor``,
    the last key ``after``) and when the rebuild ``started`` (unix ms; rows changed since then
    are left alone). An empty body starts a rebuild: (None, "", now)."""
    from .api_requests import check_members

    check_members(document, REINDEX_FIELDS)
    cursor, after, started = (document.get(name) for name in ("cursor", "after", "started"))
    if cursor is not None and (not isinstance(cursor, str) or not 0 < len(cursor) <= 4096):
        raise ApiError(400, "invalid_request", "'cursor' must be the cursor a page returned.")
    if after is not None and (
        not isinstance(after, str) or len(after.encode("utf-8")) > MAX_KEY_BYTES
    ):
        raise ApiError(400, "invalid_request", "'after' must be the key a page returned.")
    if started is not None and (
        not isinstance(started, int) or isinstance(started, bool) or not 0 < started <= now_ms
    ):
        raise ApiError(400, "invalid_request", "'started' must be the time a page returned.")
    if (cursor is None) != (after is None) or (cursor is None) != (started is None):
        raise ApiError(400, "invalid_request", "Send cursor, after and started together.")
    return cursor, after or "", started or now_ms

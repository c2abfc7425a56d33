"""GET /api/v1/stats and POST /api/v1/stats/reindex: figures from the object index (D1), and
its rebuild from a listing of the bucket (docs/events.md, "The object index")."""

from __future__ import annotations

from typing import Any

from r2gate.auth import Operation, identify
from r2gate.listing import is_internal
from r2gate.stats import (
    MAX_GROUPS,
    merge_stats,
    outermost,
    parse_reindex_request,
    parse_stats_query,
    reindex_rows,
)

from . import object_index
from .call import Call
from .http import json_response, read_json_body
from .r2 import list_result

NO_STORE = {"Cache-Control": "no-store"}
REINDEX_PAGE = 1000


async def stats(call: Call) -> Any:
    """200: objects and bytes in total, per folder, type and owner, within the caller's
    prefixes (``list``), or one prefix inside them."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    prefix = parse_stats_query(incoming.params)
    if prefix is None:
        principal.require(Operation.LIST)
        prefixes = outermost(p for p in principal.prefixes if principal.allows(Operation.LIST, p))
    else:
        principal.require(Operation.LIST, prefix)
        prefixes = [prefix]
    groups: dict[str, list[dict[str, Any]]] = {"folders": [], "types": [], "owners": []}
    for scope in prefixes:
        for by, rows in groups.items():
            rows.extend(await object_index.grouped(call.db, scope, by, MAX_GROUPS))
    body = merge_stats(prefixes, groups["folders"], groups["types"], groups["owners"])
    return json_response(body, 200, NO_STORE)


async def reindex(call: Call) -> Any:
    """200 {indexed, cursor, after, started, done}: one page (1,000 keys) of the rebuild; send
    cursor, after and started back for the next page until done (scripts/reindex.py). Needs an
    API key that may list and write the whole bucket."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    principal.require(Operation.LIST, "")
    principal.require(Operation.WRITE, "")
    document = await read_json_body(incoming, 8192, optional=True)
    now_ms = int(call.clock() * 1000)
    cursor, after, started = parse_reindex_request(document, now_ms)
    options: dict[str, Any] = {"limit": REINDEX_PAGE, "include": ["httpMetadata"]}
    if cursor is not None:
        options["cursor"] = cursor
    objects, _, next_cursor, truncated = list_result(await call.bucket.list(options))
    last = objects[-1].key if objects and truncated else None
    kept = [info for info in objects if not is_internal(info.key)]
    await object_index.reindex_page(call.db, reindex_rows(kept, now_ms), after, last, started)
    done = not truncated or next_cursor is None
    body = {
        "indexed": len(kept),
        "cursor": None if done else next_cursor,
        "after": None if done else last,
        "started": None if done else started,
        "done": done,
    }
    return json_response(body, 200, NO_STORE)

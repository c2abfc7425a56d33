"""GET /api/v1/objects: list a prefix inside the API key's "list" scope.

r2gate's own records under ``api/`` are never shown (r2gate.listing): a prefix under ``api/``
lists nothing without asking R2, they are dropped from every page, and a truncated page of
nothing but them is followed by one more R2 call starting after them.
"""

from __future__ import annotations

from typing import Any

from r2gate.auth import Operation, identify
from r2gate.listing import (
    empty_page,
    list_options,
    list_page,
    lists_only_internal,
    options_past_internal,
    parse_list_query,
)

from .call import Call
from .http import json_response
from .r2 import list_result

NO_STORE = {"Cache-Control": "no-store"}


async def list_objects(call: Call) -> Any:
    """200 {objects, prefixes, cursor, truncated}. A storage failure is 502 storage_error, on
    a cursor page too (R2 naming the cursor invalid is 400)."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    query = parse_list_query(incoming.params)
    principal.require(Operation.LIST, query.prefix)
    if lists_only_internal(query):
        return json_response(empty_page(), 200, NO_STORE)
    objects, prefixes, cursor, truncated = list_result(await call.bucket.list(list_options(query)))
    keys = [obj.key for obj in objects]
    again = options_past_internal(query, keys, prefixes, truncated)
    if again is not None:
        objects, prefixes, cursor, truncated = list_result(await call.bucket.list(again))
    return json_response(list_page(objects, prefixes, cursor, truncated), 200, NO_STORE)

"""GET /api/v1/objects: list a prefix inside the API key's "list" scope."""

from __future__ import annotations

from typing import Any

from r2gate.auth import Operation, identify
from r2gate.errors import ApiError
from r2gate.listing import list_options, list_page, parse_list_query

from .call import Call
from .http import json_response
from .r2 import list_result


async def list_objects(call: Call) -> Any:
    """200 {objects, prefixes, cursor, truncated}."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    query = parse_list_query(incoming.params)
    principal.require(Operation.LIST, query.prefix)
    try:
        result = await call.bucket.list(list_options(query))
    except ApiError:
        if query.cursor is not None:
            raise ApiError(400, "invalid_request", "'cursor' is not a valid cursor.") from None
        raise
    objects, prefixes, cursor, truncated = list_result(result)
    return json_response(
        list_page(objects, prefixes, cursor, truncated), 200, {"Cache-Control": "no-store"}
    )

"""GET /api/v1/objects: list a prefix inside the API key's "list" scope."""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException

from r2gate.auth import Operation, identify
from r2gate.errors import ApiError
from r2gate.listing import list_options, list_page, parse_list_query
from r2gate.storage_errors import classify_storage_error

from .call import Call
from .web import js_error_message, json_response, list_result


async def list_objects(call: Call) -> Any:
    """200 {objects, prefixes, cursor, truncated}."""
    incoming, env = call.incoming, call.env
    principal = identify(incoming.headers, incoming.query, call.settings, call.now())
    query = parse_list_query(incoming.query)
    principal.require(Operation.LIST, query.prefix)
    try:
        result = await env.BUCKET.list(list_options(query))
    except JsException as error:
        if query.cursor is not None:
            raise ApiError(400, "invalid_request", "'cursor' is not a valid cursor.") from None
        raise classify_storage_error(js_error_message(error)) from None
    objects, prefixes, cursor, truncated = list_result(result)
    return json_response(
        list_page(objects, prefixes, cursor, truncated), 200, {"Cache-Control": "no-store"}
    )

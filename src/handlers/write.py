"""PUT and DELETE of /<key>: the request body streams into R2; the edge cache entry is evicted.

Callers: an API key (``Authorization: Bearer <key>``, "write"/"delete" in scope), or a signed
token (``?token=<jws>`` or ``Authorization: Bearer <jws>``): a put token for PUT, a delete
token for DELETE, each only on its key or prefix.
"""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException

from r2gate.auth import Operation, identify
from r2gate.content_types import guess_content_type
from r2gate.objects import object_json
from r2gate.puts import already_exists, plan_put
from r2gate.storage_errors import classify_storage_error

from . import edge_cache
from .call import Call
from .web import Incoming, js_error_message, json_response, object_info, stream_response


async def write_object(call: Call) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 replaced)."""
    incoming, env, ctx, settings = call.incoming, call.env, call.ctx, call.settings
    principal = identify(incoming.headers, incoming.query, settings, call.now())
    key = call.key()
    principal.require(Operation.WRITE, key)
    plan = plan_put(principal.upload, key, incoming.headers, settings.max_put_bytes)
    # Only a caller that may replace an object needs to know whether it did (200 vs 201).
    existed = plan.reports_replacement and await env.BUCKET.head(key) is not None
    body = incoming.body if plan.length else b""
    stored = await _put(env, key, body, plan.options)
    if stored is None:  # the create-only precondition failed: the key exists
        raise already_exists()
    return _stored(incoming, ctx, key, stored, existed)


async def _put(env: Any, key: str, body: Any, options: dict[str, Any]) -> Any:
    try:
        return await env.BUCKET.put(key, body, options)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None


def _stored(incoming: Incoming, ctx: Any, key: str, stored: Any, existed: bool) -> Any:
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, key))
    info = object_info(stored)
    data = object_json(info, info.content_type or guess_content_type(key))
    return json_response(data, status=200 if existed else 201)


async def delete_object(call: Call) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3)."""
    incoming, env = call.incoming, call.env
    principal = identify(incoming.headers, incoming.query, call.settings, call.now())
    key = call.key()
    principal.require(Operation.DELETE, key)
    try:
        await env.BUCKET.delete(key)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, key))
    return stream_response(None, 204, {})

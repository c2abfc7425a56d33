"""PUT and DELETE of /<key>: the request body streams into R2; the edge cache entry is evicted."""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException

from r2gate.apikeys import authenticate
from r2gate.content_types import guess_content_type
from r2gate.keys import key_from_path
from r2gate.objects import object_json
from r2gate.settings import Settings
from r2gate.storage_errors import classify_storage_error
from r2gate.uploads import check_single_put_size, parse_content_length

from . import edge_cache
from .web import Incoming, js_error_message, json_response, object_info, stream_response


async def write_object(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 overwritten)."""
    caller = authenticate(incoming.headers.get("authorization"), settings.api_keys)
    key = key_from_path(incoming.path)
    caller.require("write", key)
    length = parse_content_length(incoming.headers)
    check_single_put_size(length, settings.max_put_bytes)
    content_type = incoming.headers.get("content-type") or guess_content_type(key)
    bucket = env.BUCKET
    existed = await bucket.head(key) is not None
    body = incoming.body if length else b""
    try:
        stored = await bucket.put(key, body, {"httpMetadata": {"contentType": content_type}})
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, key))
    info = object_info(stored)
    data = object_json(info, info.content_type or guess_content_type(key))
    return json_response(data, status=200 if existed else 201)


async def delete_object(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3)."""
    caller = authenticate(incoming.headers.get("authorization"), settings.api_keys)
    key = key_from_path(incoming.path)
    caller.require("delete", key)
    try:
        await env.BUCKET.delete(key)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, key))
    return stream_response(None, 204, {})

"""PUT and DELETE of /<key>: the request body streams into R2; the edge cache entry is evicted.

Callers: an API key (``Authorization: Bearer <key>``, "write"/"delete" in scope), or a signed
token (``?token=<jws>`` or ``Authorization: Bearer <jws>``): a put token for PUT, a delete
token for DELETE, each only on its key or prefix.
"""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException

from r2gate.apikeys import ApiKey
from r2gate.content_types import guess_content_type
from r2gate.keys import key_from_path
from r2gate.objects import object_json
from r2gate.settings import Settings
from r2gate.storage_errors import classify_storage_error
from r2gate.token_uploads import already_exists, check_token_put, put_options
from r2gate.tokens import TokenClaims
from r2gate.uploads import check_single_put_size, parse_content_length, trusted_http_metadata

from . import auth, edge_cache
from .web import Incoming, js_error_message, json_response, object_info, stream_response


async def write_object(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 overwritten)."""
    caller = auth.identify(incoming, settings)
    key = key_from_path(incoming.path)
    if caller.token is not None:
        return await _token_put(incoming, env, ctx, settings, key, caller.token)
    assert caller.api_key is not None
    return await _key_put(incoming, env, ctx, settings, key, caller.api_key)


async def _key_put(
    incoming: Incoming, env: Any, ctx: Any, settings: Settings, key: str, api_key: ApiKey
) -> Any:
    api_key.require("write", key)
    length = parse_content_length(incoming.headers)
    check_single_put_size(length, settings.max_put_bytes)
    content_type = incoming.headers.get("content-type") or guess_content_type(key)
    existed = await env.BUCKET.head(key) is not None
    metadata = trusted_http_metadata(incoming.headers, content_type)
    stored = await _put(env, key, incoming.body if length else b"", {"httpMetadata": metadata})
    return _stored(incoming, ctx, key, stored, existed)


async def _token_put(
    incoming: Incoming, env: Any, ctx: Any, settings: Settings, key: str, claims: TokenClaims
) -> Any:
    upload = check_token_put(claims, key, incoming.headers, settings.max_put_bytes)
    # Only an overwriting token needs to know whether it replaced something (200 vs 201).
    existed = claims.overwrite and await env.BUCKET.head(key) is not None
    body = incoming.body if upload.length else b""
    stored = await _put(env, key, body, put_options(claims, upload.content_type))
    if stored is None:  # the create-only precondition failed: the key exists
        raise already_exists()
    return _stored(incoming, ctx, key, stored, existed)


async def _put(env: Any, key: str, body: Any, options: dict[str, Any]) -> Any:
    try:
        return await env.BUCKET.put(key, body, options)
    except JsException as error:
        message = js_error_message(error)
        raise classify_storage_error(message, reading_request_body=True) from None


def _stored(incoming: Incoming, ctx: Any, key: str, stored: Any, existed: bool) -> Any:
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, key))
    info = object_info(stored)
    data = object_json(info, info.content_type or guess_content_type(key))
    return json_response(data, status=200 if existed else 201)


async def delete_object(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3)."""
    caller = auth.identify(incoming, settings)
    key = key_from_path(incoming.path)
    if caller.token is not None:
        caller.token.check_operation("delete", key)
    elif caller.api_key is not None:
        caller.api_key.require("delete", key)
    try:
        await env.BUCKET.delete(key)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, key))
    return stream_response(None, 204, {})

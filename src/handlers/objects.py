"""GET/HEAD/PUT/DELETE on /<key>: objects streamed between the client and R2."""

from __future__ import annotations

from typing import Any

from pyodide.ffi import JsException

from r2gate.apikeys import authenticate
from r2gate.cache_policy import decide
from r2gate.content_types import guess_content_type
from r2gate.errors import ApiError
from r2gate.keys import key_from_path
from r2gate.objects import ObjectInfo, object_json, representation_headers
from r2gate.settings import Settings
from r2gate.storage_errors import classify_storage_error
from r2gate.uploads import parse_content_length

from .web import Incoming, js_error_message, json_response, object_info, stream_response


def _content_type(info: ObjectInfo) -> str:
    return info.content_type or guess_content_type(info.key)


async def read_object(incoming: Incoming, bucket: Any, settings: Settings) -> Any:
    """GET and HEAD: the object's bytes stream from R2 to the client untouched."""
    key = key_from_path(incoming.path)
    head_only = incoming.method == "HEAD"
    obj = await (bucket.head(key) if head_only else bucket.get(key))
    if obj is None:
        raise ApiError(404, "not_found", "No object has this key.")
    info = object_info(obj)
    policy = decide(key, info.cache_control, settings.cache)
    if policy.private:
        authenticate(incoming.headers.get("authorization"), settings.api_keys).require("read", key)
    headers = representation_headers(info, _content_type(info), policy.cache_control)
    headers["Content-Length"] = str(info.size)
    return stream_response(None if head_only else obj.body, 200, headers)


async def write_object(incoming: Incoming, bucket: Any, settings: Settings) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 overwritten)."""
    caller = authenticate(incoming.headers.get("authorization"), settings.api_keys)
    key = key_from_path(incoming.path)
    caller.require("write", key)
    length = parse_content_length(incoming.headers)
    content_type = incoming.headers.get("content-type") or guess_content_type(key)
    existed = await bucket.head(key) is not None
    body = incoming.body if length else b""
    try:
        stored = await bucket.put(key, body, {"httpMetadata": {"contentType": content_type}})
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    info = object_info(stored)
    return json_response(object_json(info, _content_type(info)), status=200 if existed else 201)


async def delete_object(incoming: Incoming, bucket: Any, settings: Settings) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3)."""
    caller = authenticate(incoming.headers.get("authorization"), settings.api_keys)
    key = key_from_path(incoming.path)
    caller.require("delete", key)
    try:
        await bucket.delete(key)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    return stream_response(None, 204, {})

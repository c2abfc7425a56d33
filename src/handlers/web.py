"""The thin adapter between the workers SDK's JS-backed objects and r2gate's plain values."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import JsException, JsProxy, jsnull, to_js
from workers import Response, python_from_rpc

from r2gate.api_requests import check_json_request, parse_json_object
from r2gate.errors import ApiError, error_body
from r2gate.objects import ObjectInfo

JSON_TYPE = "application/json; charset=utf-8"
BASE_HEADERS = {"X-Content-Type-Options": "nosniff"}


class Incoming:
    """The parts of a request r2gate decides on, read once: method, path, query, headers."""

    def __init__(self, request: Any) -> None:
        self.request = request
        # Not request.method: the SDK maps it through http.HTTPMethod, which raises on
        # extension methods (PROPFIND, ...) that must get a 405, not a crash.
        self.method: str = str(request.js_object.method).upper()
        url = urlsplit(request.url)
        self.url: str = request.url
        self.path: str = url.path
        self.query: str = url.query
        self.headers: dict[str, str] = {k.lower(): v for k, v in request.headers.items()}

    @property
    def body(self) -> Any:
        """The body as a JS ReadableStream, or None: never read into Python."""
        body = self.request.js_object.body
        return None if body is None or body is jsnull else body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON body built in Python, with its Content-Length (which HEAD repeats)."""
    body = json.dumps(data, separators=(",", ":"))
    all_headers = _headers(JSON_TYPE, headers)
    all_headers["Content-Length"] = str(len(body.encode("utf-8")))
    return Response(body, status=status, headers=all_headers)


def error_response(error: ApiError) -> Response:
    headers = _headers(JSON_TYPE, error.headers)
    headers["Cache-Control"] = "no-store"
    return Response(error_body(error.code, error.message), status=error.status, headers=headers)


def _headers(content_type: str, extra: dict[str, str] | None) -> dict[str, str]:
    headers = {"Content-Type": content_type, **BASE_HEADERS}
    headers.update(extra or {})
    return headers


def text_response(body: str, status: int, headers: dict[str, str]) -> Response:
    """A small text response (HTML, JS) built in Python; headers carry its Content-Type."""
    length = {"Content-Length": str(len(body.encode("utf-8")))}
    return Response(body, status=status, headers={**BASE_HEADERS, **headers, **length})


def stream_response(body: Any, status: int, headers: dict[str, str]) -> Response:
    """A response whose body is a JS stream (R2 object body) or None (HEAD, 304)."""
    return Response(body, status=status, headers={**BASE_HEADERS, **headers})


async def without_body(response: Any) -> Any:
    """The same status and headers without the body (HEAD answered by a GET handler)."""
    js_response = response.js_object
    body = js_response.body
    if body is None or body is jsnull:
        return response
    await body.cancel()
    return Response(None, status=int(js_response.status), headers=response_headers(js_response))


def js_headers(headers: dict[str, str]) -> Any:
    """A JS Headers object from a dict."""
    result = js.Headers.new()
    for name, value in headers.items():
        result.set(name, value)
    return result


def add_headers(response: Any, headers: dict[str, str]) -> Any:
    """Set headers on a response r2gate built (its headers are mutable); Vary is merged."""
    target = response.js_object.headers
    for name, value in headers.items():
        if name.lower() == "vary" and target.has("vary"):
            present = [v.strip() for v in target.get("vary").split(",")]
            value = ", ".join(present + [v for v in value.split(", ") if v not in present])
        target.set(name, value)
    return response


def response_headers(js_response: Any) -> dict[str, str]:
    """A JS Response's headers as a plain dict (lower-case names)."""
    return {name.lower(): value for name, value in js_response.headers}


def has_body(obj: Any) -> bool:
    """R2 get() returns the object without a body when its onlyIf failed."""
    return getattr(obj, "body", None) is not None


async def discard_body(obj: Any) -> None:
    """Cancel an R2 or cached body that will not be sent."""
    body = getattr(obj, "body", None)
    if body is not None:
        await body.cancel()


def object_info(obj: Any) -> ObjectInfo:
    """Plain values from an R2 HeadResult/GetResult (a wrapped JS object)."""
    uploaded = _utc(obj.uploaded)  # the SDK converts JS Dates to naive UTC datetimes
    http = dict(obj.httpMetadata or {})
    return ObjectInfo(
        key=str(obj.key),
        size=int(obj.size),
        etag=str(obj.etag),
        http_etag=str(obj.httpEtag),
        uploaded=uploaded,
        content_type=http.get("contentType"),
        cache_control=http.get("cacheControl"),
        content_disposition=http.get("contentDisposition"),
        content_encoding=http.get("contentEncoding"),
        content_language=http.get("contentLanguage"),
        expires=_utc(http.get("cacheExpiry")),
        custom_metadata=dict(obj.customMetadata or {}),
    )


def _utc(moment: Any) -> datetime | None:
    if not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def js_error_message(error: JsException) -> str:
    return str(getattr(error, "message", "") or error)


async def read_small_body(incoming: Incoming, limit: int) -> bytes:
    """The whole request body, for small API bodies only: 413 body_too_large past `limit`
    bytes (reading stops there), 400 body_unreadable when the client breaks off."""
    stream = incoming.body
    if stream is None:
        return b""
    reader = stream.getReader()
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            step = await reader.read()
            if step.done:
                return b"".join(chunks)
            chunk = step.value.to_bytes()
            total += len(chunk)
            if total > limit:
                await reader.cancel()
                raise ApiError(413, "body_too_large", f"The body exceeds {limit} bytes.")
            chunks.append(chunk)
    except JsException:
        raise ApiError(400, "body_unreadable", "The request body could not be read.") from None


async def read_json_body(
    incoming: Incoming, limit: int, *, optional: bool = False
) -> dict[str, Any]:
    """A small JSON object body (415, 413 body_too_large, 400 invalid_json). With `optional`,
    no body at all is {}."""
    empty = incoming.body is None or incoming.headers.get("content-length", "").strip() == "0"
    if optional and empty:
        return {}
    check_json_request(incoming.headers, limit)
    data = b"" if empty else await read_small_body(incoming, limit)
    if optional and not data:
        return {}
    return parse_json_object(data, limit)


class _Converted:
    """Attribute access on a raw JS object with the SDK's conversions (list() leaves its
    objects raw: Dates and plain objects are not converted)."""

    def __init__(self, js_object: Any) -> None:
        self._js_object = js_object

    def __getattr__(self, name: str) -> Any:
        return python_from_rpc(getattr(self._js_object, name, None))


def list_result(result: Any) -> tuple[list[ObjectInfo], list[str], str | None, bool]:
    """Plain values from an R2 list() result: objects, delimited prefixes, cursor, truncated."""
    raw = getattr(result, "objects", None) or []
    objects = [object_info(_Converted(obj) if isinstance(obj, JsProxy) else obj) for obj in raw]
    prefixes = [str(p) for p in (getattr(result, "delimitedPrefixes", None) or [])]
    cursor = getattr(result, "cursor", None)
    truncated = bool(getattr(result, "truncated", False))
    return objects, prefixes, str(cursor) if cursor else None, truncated


def concatenated_stream(
    parts: Sequence[bytes | tuple[int, int]],
    total_length: int,
    slice_of: Callable[[int, int], Awaitable[Any]],
    ctx: Any,
) -> Any:
    """A known-length JS stream of `parts`: bytes as given, (offset, length) pairs as the JS
    streams `slice_of` returns, piped in order in the background (no bytes enter Python).
    A failure aborts the stream, so the client sees a truncated body, never wrong bytes."""
    stream = js.FixedLengthStream.new(total_length)
    writable = stream.writable
    keep_open = to_js({"preventClose": True}, dict_converter=js.Object.fromEntries)

    async def pump() -> None:
        try:
            for part in parts:
                if isinstance(part, bytes):
                    writer = writable.getWriter()
                    await writer.write(to_js(part))
                    writer.releaseLock()
                else:
                    offset, length = part
                    await (await slice_of(offset, length)).pipeTo(writable, keep_open)
            await writable.close()
        except Exception as error:
            print(f"r2gate: stream of {len(parts)} parts aborted: {error}")
            await writable.abort(str(error))

    ctx.waitUntil(pump())
    return stream.readable

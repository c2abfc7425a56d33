"""R2 objects: the bucket binding, and plain values from what it returns.

`Bucket` calls the JS binding itself, not through the SDK's wrapper, which converts every
argument and every attribute of every result (each a series of crossings): options go to JS
in one `to_js`, results come back as the JS objects, and `object_info` reads the few fields
r2gate needs. It is also the one place where an R2 failure (a JsException from the binding)
becomes the storage error it describes (r2gate.storage_errors): every R2 call goes through it.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import js
from pyodide.ffi import JsException, jsnull, to_js

from r2gate.conditional import Current
from r2gate.objects import ObjectInfo
from r2gate.storage_errors import classify_storage_error

from .js_functions import from_entries

T = TypeVar("T")


def js_error_message(error: JsException) -> str:
    return str(getattr(error, "message", "") or error)


async def _storage(start: Callable[[], Awaitable[T]], *, reading_request_body: bool = False) -> T:
    """Run one R2 call; its failure becomes a storage ApiError (502 storage_error unless R2
    names something more precise). `reading_request_body`: the call streams the request body,
    so a stream that breaks off is the client's doing (400 body_length_mismatch)."""
    try:
        return await start()
    except JsException as error:
        message = js_error_message(error)
        raise classify_storage_error(message, reading_request_body=reading_request_body) from None


def _to_js(value: Any) -> Any:
    """Call arguments as JS values, as the SDK would send them: dicts become plain objects,
    lists arrays, bytes a Uint8Array, None null."""
    return to_js(_nulls(value), dict_converter=from_entries())


def _nulls(value: Any) -> Any:
    if value is None:
        return jsnull
    if isinstance(value, dict):
        return {
            # R2 takes an object's Expires as a Date (r2gate.stored_fields keeps an HTTP-date)
            key: js.Date.new(item)
            if key == "cacheExpiry" and isinstance(item, str)
            else _nulls(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_nulls(item) for item in value]
    return value


def _body(body: Any) -> Any:
    """A request body: a JS stream as it is, bytes copied into a Uint8Array."""
    return to_js(body) if isinstance(body, bytes) else body


def _found(result: Any) -> Any | None:
    """R2's null (no such object, or a failed put precondition) as None."""
    return None if result is None or result is jsnull else result


class Upload:
    """One multipart upload of R2's (resumed by key and R2's upload id)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    async def upload_part(self, part_number: int, body: Any) -> Any:
        streamed = not isinstance(body, bytes)
        return await _storage(
            lambda: self._handle.uploadPart(part_number, _body(body)),
            reading_request_body=streamed,
        )

    async def complete(self, parts: Sequence[dict[str, Any]]) -> Any:
        return await _storage(lambda: self._handle.complete(_to_js(list(parts))))

    async def abort(self) -> None:
        await _storage(lambda: self._handle.abort())


class Bucket:
    """The R2 bucket binding (the JS object), with R2's failures as storage errors and R2's
    null as None."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding

    async def head(self, key: str) -> Any | None:
        return _found(await _storage(lambda: self._binding.head(key)))

    async def get(self, key: str, options: dict[str, Any] | None = None) -> Any | None:
        if options is None:
            return _found(await _storage(lambda: self._binding.get(key)))
        return _found(await _storage(lambda: self._binding.get(key, _to_js(options))))

    async def get_each(self, key: str, options: Sequence[dict[str, Any]]) -> list[Any | None]:
        """One get per options, all at once: one await for them all."""
        gets = [self._binding.get(key, _to_js(one)) for one in options]
        results = await _storage(lambda: js.Promise.all(to_js(gets)))
        return [_found(result) for result in results]

    async def put(self, key: str, body: Any, options: dict[str, Any] | None = None) -> Any | None:
        streamed = not isinstance(body, bytes)
        return _found(
            await _storage(
                lambda: self._binding.put(key, _body(body), _to_js(options or {})),
                reading_request_body=streamed,
            )
        )

    async def delete(self, keys: str | list[str]) -> None:
        """Delete one key or up to 1,000 (a list goes to JS as one JSON.parse: to_js made
        several calls into JS per key)."""
        names = keys if isinstance(keys, str) else js.JSON.parse(json.dumps(keys))
        await _storage(lambda: self._binding.delete(names))

    async def list(self, options: dict[str, Any]) -> Any:
        return await _storage(lambda: self._binding.list(_to_js(options)))

    async def exists(self, key: str) -> bool:
        return await self.head(key) is not None

    async def create_multipart_upload(self, key: str, options: dict[str, Any]) -> Any:
        return await _storage(lambda: self._binding.createMultipartUpload(key, _to_js(options)))

    def upload(self, key: str, r2_upload_id: str) -> Upload:
        """An upload R2 knows by `r2_upload_id` (resuming makes no request)."""
        return Upload(self._binding.resumeMultipartUpload(key, r2_upload_id))


def body_of(obj: Any) -> Any | None:
    """The body of an R2 get() result (a JS stream), None when there is none: R2 returns the
    object without a body when its onlyIf failed (and null when there is no object)."""
    return _found(getattr(obj, "body", None))


def has_body(obj: Any) -> bool:
    """R2 get() returns the object without a body when its onlyIf failed."""
    return body_of(obj) is not None


def discard_body(obj: Any) -> None:
    """Cancel an R2 or cached body that will not be sent, before more reads in the same
    request: a Worker request may hold six connections open, an unread body among them. Not
    awaited: awaiting a JS promise costs two turns of Pyodide's event loop (~0.2 ms).
    A body is left unread, not cancelled, when the answer that follows has no body: the
    runtime releases it as the request ends, as a JS Worker lets it go, and cancelling costs
    ~0.3 ms of CPU (bench/probe phases r2_get_raw_nowait_cancel, r2_get_raw_body_dropped)."""
    body = body_of(obj)
    if body is not None:
        body.cancel()


def object_info(obj: Any, *, metadata: bool = True) -> ObjectInfo:
    """Plain values from an R2 object (HeadResult, GetResult, a list() entry): the JS object,
    one attribute read per field, its httpMetadata and customMetadata converted in one go.
    Without `metadata` (a put() result, whose metadata r2gate just sent), neither is read."""
    uploaded = _utc(obj.uploaded)
    assert uploaded is not None, "R2 reports every object's upload time"
    http = _plain(obj.httpMetadata) if metadata else {}
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
        custom_metadata=_plain(obj.customMetadata) if metadata else {},
    )


def current(obj: Any | None) -> Current | None:
    """The validators a conditional write checks, from an R2 head() result (None: no object):
    two fields read from JS, no metadata converted."""
    if obj is None:
        return None
    uploaded = _utc(obj.uploaded)
    assert uploaded is not None, "R2 reports every object's upload time"
    return Current(str(obj.etag), uploaded)


# isinstance(x, JsProxy) runs a Python __subclasscheck__ in Pyodide: the checks below test for
# the Python types instead and take anything else for the JS value it is.


def _plain(value: Any) -> dict[str, Any]:
    """A JS object of metadata (or the SDK's dict of one) as a dict; absent is {}."""
    if value is None or value is jsnull:
        return {}
    if isinstance(value, dict):
        return dict(value)
    converted: dict[str, Any] = value.to_py()
    return converted


def _utc(moment: Any) -> datetime | None:
    """A JS Date (or a datetime) as an aware UTC datetime; absent is None."""
    if moment is None or moment is jsnull:
        return None
    if isinstance(moment, datetime):
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    return datetime.fromtimestamp(moment.getTime() / 1000, UTC)  # a JS Date


def list_result(result: Any) -> tuple[list[ObjectInfo], list[str], str | None, bool]:
    """Plain values from an R2 list() result: objects, delimited prefixes, cursor, truncated."""
    objects = [object_info(obj) for obj in (getattr(result, "objects", None) or [])]
    prefixes = [str(p) for p in (getattr(result, "delimitedPrefixes", None) or [])]
    cursor = _found(getattr(result, "cursor", None))
    truncated = bool(getattr(result, "truncated", False))
    return objects, prefixes, str(cursor) if cursor else None, truncated

"""R2 objects: the bucket binding, and plain values from what it returns.

`Bucket` is the one place where an R2 failure (a JsException from the binding) becomes the
storage error it describes (r2gate.storage_errors): every R2 call goes through it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from pyodide.ffi import JsException, JsProxy
from workers import python_from_rpc

from r2gate.objects import ObjectInfo
from r2gate.storage_errors import classify_storage_error

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


class Upload:
    """One multipart upload of R2's (resumed by key and R2's upload id)."""

    def __init__(self, handle: Any) -> None:
        self._handle = handle

    async def upload_part(self, part_number: int, body: Any) -> Any:
        streamed = not isinstance(body, bytes)
        return await _storage(
            lambda: self._handle.uploadPart(part_number, body), reading_request_body=streamed
        )

    async def complete(self, parts: Sequence[dict[str, Any]]) -> Any:
        return await _storage(lambda: self._handle.complete(parts))

    async def abort(self) -> None:
        await _storage(lambda: self._handle.abort())


class Bucket:
    """The R2 bucket binding, with R2's failures as storage errors."""

    def __init__(self, binding: Any) -> None:
        self._binding = binding

    async def head(self, key: str) -> Any | None:
        return await _storage(lambda: self._binding.head(key))

    async def get(self, key: str, options: dict[str, Any] | None = None) -> Any | None:
        if options is None:
            return await _storage(lambda: self._binding.get(key))
        return await _storage(lambda: self._binding.get(key, options))

    async def put(self, key: str, body: Any, options: dict[str, Any] | None = None) -> Any | None:
        streamed = not isinstance(body, bytes)
        return await _storage(
            lambda: self._binding.put(key, body, options or {}), reading_request_body=streamed
        )

    async def delete(self, keys: str | list[str]) -> None:
        await _storage(lambda: self._binding.delete(keys))

    async def list(self, options: dict[str, Any]) -> Any:
        return await _storage(lambda: self._binding.list(options))

    async def exists(self, key: str) -> bool:
        return await self.head(key) is not None

    async def create_multipart_upload(self, key: str, options: dict[str, Any]) -> Any:
        return await _storage(lambda: self._binding.createMultipartUpload(key, options))

    def upload(self, key: str, r2_upload_id: str) -> Upload:
        """An upload R2 knows by `r2_upload_id` (resuming makes no request)."""
        return Upload(self._binding.resumeMultipartUpload(key, r2_upload_id))


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
    assert uploaded is not None, "R2 reports every object's upload time"
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

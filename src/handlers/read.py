"""GET and HEAD of /<key>: the edge cache first for public objects, then R2.

Every response describes one version of the object: a cache hit is evaluated against the
cached response's own validators; a GET from R2 is one call whose answer carries the object's
validators and size with the bytes R2 chose, which are sent only if they are exactly the bytes
r2gate's own decision needs; otherwise (several ranges, a decision R2 did not share) the
second call is pinned to the first call's etag.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from r2gate.auth import Operation, identify, presents_token
from r2gate.cache_policy import CachePolicy, decide
from r2gate.content_types import guess_content_type
from r2gate.disposition import content_disposition
from r2gate.errors import ApiError
from r2gate.httpdates import parse_http_date
from r2gate.objects import ObjectInfo, representation_headers
from r2gate.ranges import ByteRange, batched_parts, multipart_byteranges
from r2gate.read_plan import (
    CONDITIONAL_HEADERS,
    ReadKind,
    ReadPlan,
    download_name,
    plan_headers,
    plan_read,
)
from r2gate.s3.metadata import metadata_headers
from r2gate.sandbox import content_security_policy
from r2gate.settings import Settings

from . import edge_cache
from .call import Call
from .http import Incoming, Reply, add_headers, js_headers_dict, stream_response
from .r2 import Bucket, body_of, discard_body, has_body, object_info
from .streams import blob, concatenated, in_js_memory

PINNED_READ_ATTEMPTS = 3
# R2 bodies a multipart/byteranges answer holds open at once: a Worker request may have six
# connections open, R2 calls included; past that, workerd queues the next and cancels the
# least recently used open one if none can finish.
MAX_OPEN_READS = 4
BUFFERED_MULTIPART = 1024 * 1024  # ranges adding up to this are sent from JS memory
SIZE_HEADER = "R2gate-Size"  # stored with cached responses; never sent to clients
# Headers a cached response contributes to what the client receives.
CACHED_HEADERS = (
    "etag",
    "last-modified",
    "content-type",
    "cache-control",
    "accept-ranges",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
)


def _bypasses_cache(headers: dict[str, str]) -> bool:
    """A request asking for an end-to-end reload skips the edge cache."""
    directives = headers.get("cache-control", "") + "," + headers.get("pragma", "")
    return "no-cache" in directives.lower()


async def read_object(call: Call) -> Reply:
    """GET/HEAD: the edge cache first for public objects, then R2."""
    incoming, settings = call.incoming, call.settings
    key = call.key()
    private = decide(key, None, settings.cache).private
    name = download_name(incoming.params, key)
    if private or presents_token(incoming.params):  # a presented token is always checked
        principal = identify(incoming.headers, incoming.params, settings, call.now())
        principal.require(Operation.READ, key)
        if name is None:
            name = principal.download_name
    extra = {"Content-Disposition": content_disposition(name)} if name else {}
    return await serve_object(call, key, private=private, extra=extra)


async def serve_object(
    call: Call, key: str, *, private: bool, extra: dict[str, str], metadata: bool = False
) -> Reply:
    """The read path for a caller already allowed to read `key` (also the S3 surface's
    GetObject and HeadObject): edge cache, R2, ranges, conditionals; `extra` headers are
    added to the answer. With `metadata`, the object's custom metadata is sent as
    ``x-amz-meta-*`` headers, and the answer comes from R2 (the cache does not keep it)."""
    incoming, ctx, settings = call.incoming, call.ctx, call.settings
    url = None
    cacheable = settings.edge_cache and not private and not metadata
    if cacheable and not _bypasses_cache(incoming.headers):
        url = edge_cache.cache_url(incoming.url, key)
        hit = await _from_cache(incoming, url, key, settings)
        if hit is not None:
            return add_headers(hit, {"X-Cache": "HIT", **extra})
    response = await _from_r2(incoming, call.bucket, key, settings, ctx, url, metadata)
    return add_headers(response, {"X-Cache": "MISS" if url else "BYPASS", **extra})


# --- the edge cache ---------------------------------------------------------------------------


async def _from_cache(incoming: Incoming, url: str, key: str, settings: Settings) -> Reply | None:
    cached = await edge_cache.lookup(url)
    if cached is None:
        return None
    stored = js_headers_dict(cached.headers)
    headers = {name: value for name, value in stored.items() if name in CACHED_HEADERS}
    headers.update(_sandbox(key, headers, settings))
    last_modified = parse_http_date(headers.get("last-modified"))
    etag, length = headers.get("etag"), stored.get(SIZE_HEADER.lower(), "")
    if int(cached.status) != 200 or etag is None or last_modified is None or not length.isdigit():
        discard_body(cached)
        return None
    size = int(length)
    plan = plan_read(incoming.method, incoming.headers, etag, last_modified, size)
    if plan.kind is ReadKind.FULL and incoming.method == "GET":
        return stream_response(cached.body, 200, plan_headers(plan, headers, size))
    if plan.sends_body:  # more reads follow (see discard_body); else the answer has no body
        discard_body(cached)
    if plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        ranged = await edge_cache.lookup(url, f"bytes={only.offset}-{only.last}")
        if ranged is None or ranged.status != 206:
            if ranged is not None:
                discard_body(ranged)
            return None  # evicted or replaced meanwhile: read from R2
        return stream_response(ranged.body, 206, plan_headers(plan, headers, size))
    if plan.kind is ReadKind.MULTIPART:
        return None  # stitched from R2 ranges
    return _bodiless(plan, headers, size)


# --- R2 ---------------------------------------------------------------------------------------


def _representation(info: ObjectInfo, policy: CachePolicy, metadata: bool) -> dict[str, str]:
    content_type = info.content_type or guess_content_type(info.key)
    headers = representation_headers(info, content_type, policy.cache_control)
    if metadata:
        headers.update(metadata_headers(info.custom_metadata))
    return headers


def _sandbox(key: str, headers: dict[str, str], settings: Settings) -> dict[str, str]:
    """The Content-Security-Policy of an object response, from the object's own type."""
    content_type = headers.get("Content-Type", headers.get("content-type"))
    policy = content_security_policy(key, content_type, settings.trusted_pages)
    return {"Content-Security-Policy": policy} if policy else {}


@dataclass(frozen=True)
class _Version:
    """What r2gate derives from one version of an object under one set of settings: its plain
    values, cache policy and representation headers, its Content-Security-Policy included
    (shared: copied before any change)."""

    settings: Settings
    info: ObjectInfo
    policy: CachePolicy
    headers: dict[str, str]


_versions: dict[tuple[str, str, bool], _Version] = {}
MAX_VERSIONS = 512  # a few hundred hot objects per isolate; past that, start over


def _described(obj: Any, settings: Settings, metadata: bool) -> _Version:
    """The description of an R2 object, derived once per object version: R2 gives every write
    a new `version` (metadata included), so a read of an object seen before reads only its key
    and version from JS. With `metadata`, its headers carry the custom metadata."""
    version = getattr(obj, "version", None)
    valid = isinstance(version, str) and version
    identity = (str(obj.key), str(version), metadata) if valid else None
    found = _versions.get(identity) if identity else None
    if found is not None and found.settings is settings:
        return found
    info = object_info(obj)
    policy = decide(info.key, info.cache_control, settings.cache)
    headers = _representation(info, policy, metadata)
    headers.update(_sandbox(info.key, headers, settings))
    found = _Version(settings, info, policy, headers)
    if identity:
        if len(_versions) >= MAX_VERSIONS:
            _versions.clear()
        _versions[identity] = found
    return found


def describe(obj: Any, settings: Settings, *, metadata: bool) -> tuple[ObjectInfo, dict[str, str]]:
    """An R2 object's plain values and representation headers (Content-Security-Policy and,
    with `metadata`, x-amz-meta-* included): a copy the caller may change."""
    version = _described(obj, settings, metadata)
    return version.info, dict(version.headers)


def bodiless(plan: ReadPlan, headers: dict[str, str], size: int) -> Reply:
    """The answer of a plan that sends no bytes (HEAD's 200, 304; 412 and 416 raise)."""
    return _bodiless(plan, headers, size)


def _bodiless(plan: ReadPlan, headers: dict[str, str], size: int) -> Reply:
    """Responses without object bytes: HEAD's 200, 304, 412, 416."""
    if plan.kind is ReadKind.PRECONDITION_FAILED:
        raise ApiError(
            412,
            "precondition_failed",
            "A precondition (If-Match or "
            "If-Unmodified-Since) does not hold for the current object.",
        )
    if plan.kind is ReadKind.UNSATISFIABLE:
        raise ApiError(
            416,
            "range_not_satisfiable",
            "No requested range lies inside the object.",
            plan_headers(plan, headers, size),
        )
    return stream_response(None, plan.status, plan_headers(plan, headers, size))


@dataclass(frozen=True)
class _Read:
    """One read from R2: the request, the bucket and key, the settings and context, the edge
    cache entry a full 200 may fill (None: none), and whether custom metadata is sent."""

    incoming: Incoming
    bucket: Bucket
    key: str
    settings: Settings
    ctx: Any
    url: str | None
    metadata: bool

    def describe(self, obj: Any) -> _Version:
        if obj is None:
            raise _missing()
        return _described(obj, self.settings, self.metadata)


def _missing() -> ApiError:
    return ApiError(404, "not_found", "No object has this key.")


async def _from_r2(
    incoming: Incoming,
    bucket: Bucket,
    key: str,
    settings: Settings,
    ctx: Any,
    url: str | None,
    metadata: bool = False,
) -> Reply:
    read = _Read(incoming, bucket, key, settings, ctx, url, metadata)
    if incoming.method == "HEAD":
        described = read.describe(await bucket.head(key))
        info = described.info
        plan = plan_read("HEAD", incoming.headers, info.http_etag, info.uploaded, info.size)
        return _bodiless(plan, described.headers, info.size)
    answer = await _read_once(read)
    if answer is not None:
        return answer
    obj = await bucket.head(key)
    for _ in range(PINNED_READ_ATTEMPTS):
        answer = await _read_pinned(read, obj)
        if answer is not None:
            return answer
        obj = await bucket.head(key)  # the object changed between our two calls: start over
    raise ApiError(
        503, "object_changing", "The object is being rewritten; retry.", {"Retry-After": "1"}
    )


async def _read_once(read: _Read) -> Reply | None:
    """A GET in one R2 call, as a JS Worker makes it: R2 is handed the request's own headers
    as `range` and `onlyIf`, and answers with the object's size and validators, and the bytes
    it chose to send. The answer is decided in Python from those validators as always (RFC
    9110: precondition order, weak and strong comparison, If-Range, ranges clamped to the
    size), and R2's bytes are sent only when they are exactly the bytes that answer needs.
    None when they are not (R2 decided otherwise, or refused the headers): the caller reads
    again, pinned to the etag."""
    headers = read.incoming.headers
    if "," in headers.get("range", ""):
        return None  # several ranges: the size and etag first, as a JS Worker does
    options: dict[str, Any] = {}
    if "range" in headers:
        options["range"] = read.incoming.js_request.headers
    if any(name in headers for name in CONDITIONAL_HEADERS):
        options["onlyIf"] = read.incoming.js_request.headers
    try:
        obj = await (read.bucket.get(read.key, options) if options else read.bucket.get(read.key))
    except ApiError:
        if not options:
            raise
        return None  # R2 refused a header it parses itself (an etag it finds invalid)
    if obj is None:
        raise _missing()
    described = read.describe(obj)
    info = described.info
    plan = plan_read("GET", headers, info.http_etag, info.uploaded, info.size)
    body = body_of(obj)
    if body is not None:
        whole = ByteRange(0, info.size)
        served = _served(obj) if "range" in options else whole
        if plan.kind is ReadKind.FULL and served == whole:
            return _full(read, body, described, plan)
        if plan.kind is ReadKind.PARTIAL and served == plan.ranges[0]:
            return stream_response(body, 206, plan_headers(plan, described.headers, info.size))
        if plan.sends_body:  # more reads follow (see discard_body); else the answer has no body
            body.cancel()
    if not plan.sends_body:
        return _bodiless(plan, described.headers, info.size)
    if plan.kind is ReadKind.MULTIPART:
        return await _multipart(read, described, plan)
    return await _read_pinned(read, obj)


def _served(obj: Any) -> ByteRange | None:
    """The byte range R2 says it served, when it says so as an offset and a length."""
    served = getattr(obj, "range", None)
    offset, length = getattr(served, "offset", None), getattr(served, "length", None)
    if isinstance(offset, int) and isinstance(length, int):
        return ByteRange(offset, length)
    return None


async def _read_pinned(read: _Read, obj: Any) -> Reply | None:
    """Answer a GET from `obj`'s metadata, reading the bytes the answer needs in a second
    call pinned to its etag; None if the object changed in between."""
    described = read.describe(obj)
    info, headers = described.info, described.headers
    plan = plan_read("GET", read.incoming.headers, info.http_etag, info.uploaded, info.size)
    if not plan.sends_body:
        return _bodiless(plan, headers, info.size)
    if plan.kind is ReadKind.MULTIPART:
        return await _multipart(read, described, plan)
    only_if = {"etagMatches": info.etag}
    if plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        pinned = {"range": {"offset": only.offset, "length": only.length}, "onlyIf": only_if}
        body = body_of(await read.bucket.get(info.key, pinned))
        if body is None:
            return None
        return stream_response(body, 206, plan_headers(plan, headers, info.size))
    body = body_of(await read.bucket.get(info.key, {"onlyIf": only_if}))
    if body is None:
        return None
    return _full(read, body, described, plan)


def _full(read: _Read, body: Any, described: _Version, plan: ReadPlan) -> Reply:
    """The 200 with the whole object; a copy goes to the edge cache when it may. An object
    stored with a Content-Encoding never does: r2gate serves the stored bytes, as R2 and S3
    do, and the Cache API does not keep them so (workerd under wrangler dev drops a gzip
    body's Content-Length on the way back, and decodes a br body, failing the request when
    the bytes are not valid br: docs/performance.md)."""
    info, settings = described.info, read.settings
    headers = plan_headers(plan, described.headers, info.size)
    cacheable = (
        described.policy.edge_cacheable
        and info.size <= settings.edge_cache_max_bytes
        and not info.content_encoding
    )
    if read.url and cacheable:
        body, copy = body.tee()
        edge_cache.store(read.ctx, read.url, copy, 200, {**headers, SIZE_HEADER: str(info.size)})
    return stream_response(body, 200, headers)


async def _multipart(read: _Read, described: _Version, plan: ReadPlan) -> Reply | None:
    """206 multipart/byteranges, its ranges read from R2 in batches of MAX_OPEN_READS (each
    pinned to the etag, each batch in one await). Ranges that add up to at most
    BUFFERED_MULTIPART bytes are read whole into JS memory and sent as one Blob: piping a
    stream costs workerd about 1 ms of CPU, and this body would need one pipe per part.
    Larger ones are streamed in order by JS alone (streams.concatenated): the first batch is
    read before answering, and a later batch that finds the object changed aborts the body.
    None when the object changed before answering: the caller reads again."""
    info, headers = described.info, described.headers
    layout = multipart_byteranges(
        plan.ranges, headers["Content-Type"], info.size, boundary=f"r2gate-{secrets.token_hex(12)}"
    )
    batches = batched_parts(layout.parts, MAX_OPEN_READS)
    if sum(length for _, length in plan.ranges) <= BUFFERED_MULTIPART:
        body = await _buffered(read.bucket, info, batches)
    else:
        first = await _with_objects(read.bucket, info, batches[0])
        later = _later_batches(read.bucket, info, batches[1:]) if len(batches) > 1 else None
        body = None
        if first is not None:
            body = concatenated(_bodies(first), later, layout.content_length, read.ctx)
    if body is None:
        return None
    response_headers_ = plan_headers(plan, headers, info.size)
    response_headers_["Content-Type"] = layout.content_type
    response_headers_["Content-Length"] = str(layout.content_length)
    return stream_response(body, 206, response_headers_)


Layout = Sequence[bytes | ByteRange]


async def _with_objects(bucket: Bucket, info: ObjectInfo, batch: Layout) -> list[Any] | None:
    """The batch with each range replaced by R2's object for it (with its body), pinned to the
    etag: every get at once, one await. None when the object changed (a get found another
    etag, or none)."""
    only_if = {"etagMatches": info.etag}
    options = [
        {"range": {"offset": part[0], "length": part[1]}, "onlyIf": only_if}
        for part in batch
        if not isinstance(part, bytes)
    ]
    objects = await bucket.get_each(info.key, options)
    if not all(has_body(obj) for obj in objects):
        for obj in objects:
            discard_body(obj)
        return None
    found = iter(objects)
    return [part if isinstance(part, bytes) else next(found) for part in batch]


async def _buffered(bucket: Bucket, info: ObjectInfo, batches: Sequence[Layout]) -> Any | None:
    """The whole body as a JS Blob of the byte parts and R2's ranges, read into JS memory
    (never into Python): per batch, its gets in one await and their bytes in another."""
    pieces: list[Any] = []
    for batch in batches:
        parts = await _with_objects(bucket, info, batch)
        if parts is None:
            return None
        pieces += await in_js_memory(parts)
    return blob(pieces)


def _bodies(parts: list[Any]) -> list[Any]:
    """The byte parts, and each R2 object's body (a JS stream)."""
    return [part if isinstance(part, bytes) else part.body for part in parts]


async def _later_batches(
    bucket: Bucket, info: ObjectInfo, batches: Sequence[Layout]
) -> AsyncIterator[list[Any]]:
    for batch in batches:
        parts = await _with_objects(bucket, info, batch)
        if parts is None:
            raise RuntimeError("the object changed while its ranges were being sent")
        yield _bodies(parts)

"""GET and HEAD of /<key>: the edge cache first for public objects, then R2.

Every response describes one version of the object: a cache hit is evaluated against the
cached response's own validators, and an R2 read that needs the size first (a Range) pins its
second call to the first call's etag.
"""

from __future__ import annotations

import functools
import secrets
from typing import Any

from r2gate.auth import Operation, identify, presents_token
from r2gate.cache_policy import CachePolicy, decide
from r2gate.content_types import guess_content_type
from r2gate.disposition import content_disposition
from r2gate.errors import ApiError
from r2gate.httpdates import parse_http_date
from r2gate.objects import ObjectInfo, representation_headers
from r2gate.ranges import multipart_byteranges
from r2gate.read_plan import (
    ReadKind,
    ReadPlan,
    download_name,
    needs_size_first,
    plan_headers,
    plan_read,
)
from r2gate.sandbox import content_security_policy
from r2gate.settings import Settings

from . import edge_cache
from .call import Call
from .http import Incoming, add_headers, response_headers, stream_response
from .r2 import Bucket, discard_body, has_body, object_info
from .streams import concatenated_stream

PINNED_READ_ATTEMPTS = 3
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


async def read_object(call: Call) -> Any:
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
) -> Any:
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


async def _from_cache(incoming: Incoming, url: str, key: str, settings: Settings) -> Any | None:
    cached = await edge_cache.lookup(url)
    if cached is None:
        return None
    stored = response_headers(cached)
    headers = {name: value for name, value in stored.items() if name in CACHED_HEADERS}
    headers.update(_sandbox(key, headers, settings))
    last_modified = parse_http_date(headers.get("last-modified"))
    etag, length = headers.get("etag"), stored.get(SIZE_HEADER.lower(), "")
    if cached.status != 200 or etag is None or last_modified is None or not length.isdigit():
        await discard_body(cached)
        return None
    size = int(length)
    plan = plan_read(incoming.method, incoming.headers, etag, last_modified, size)
    if plan.kind is ReadKind.FULL and incoming.method == "GET":
        return stream_response(cached.body, 200, plan_headers(plan, headers, size))
    await discard_body(cached)
    if plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        ranged = await edge_cache.lookup(url, f"bytes={only.offset}-{only.last}")
        if ranged is None or ranged.status != 206:
            if ranged is not None:
                await discard_body(ranged)
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
        headers.update({f"x-amz-meta-{k}": v for k, v in info.custom_metadata.items()})
    return headers


def _sandbox(key: str, headers: dict[str, str], settings: Settings) -> dict[str, str]:
    """The Content-Security-Policy of an object response, from the object's own type."""
    content_type = headers.get("Content-Type", headers.get("content-type"))
    policy = content_security_policy(key, content_type, settings.trusted_pages)
    return {"Content-Security-Policy": policy} if policy else {}


def _bodiless(plan: ReadPlan, headers: dict[str, str], size: int) -> Any:
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


async def _from_r2(
    incoming: Incoming,
    bucket: Bucket,
    key: str,
    settings: Settings,
    ctx: Any,
    url: str | None,
    metadata: bool = False,
) -> Any:
    answer = functools.partial(_answer, incoming, bucket, settings=settings, ctx=ctx, url=url)
    if not needs_size_first(incoming.method, incoming.headers):
        obj = await (bucket.head(key) if incoming.method == "HEAD" else bucket.get(key))
        return await answer(obj, pinned=True, metadata=metadata)
    obj = await bucket.head(key)
    for _ in range(PINNED_READ_ATTEMPTS):
        response = await answer(obj, pinned=False, metadata=metadata)
        if response is not None:
            return response
        obj = await bucket.head(key)  # the object changed between our two calls: start over
    raise ApiError(
        503, "object_changing", "The object is being rewritten; retry.", {"Retry-After": "1"}
    )


async def _answer(
    incoming: Incoming,
    bucket: Bucket,
    obj: Any,
    *,
    settings: Settings,
    ctx: Any,
    url: str | None,
    pinned: bool,
    metadata: bool = False,
) -> Any | None:
    """Answer from `obj` (metadata, and a body when `pinned`); None if a pinned read lost a race."""
    if obj is None:
        raise ApiError(404, "not_found", "No object has this key.")
    info = object_info(obj)
    policy = decide(info.key, info.cache_control, settings.cache)
    headers = _representation(info, policy, metadata)
    headers.update(_sandbox(info.key, headers, settings))
    plan = plan_read(incoming.method, incoming.headers, info.http_etag, info.uploaded, info.size)
    if not plan.sends_body or incoming.method == "HEAD":
        if pinned:
            await discard_body(obj)
        return _bodiless(plan, headers, info.size)
    only_if = {"etagMatches": info.etag}
    if plan.kind is ReadKind.MULTIPART:
        return _multipart(bucket, info, plan, headers, ctx)
    if plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        obj = await bucket.get(
            info.key, {"range": {"offset": only.offset, "length": only.length}, "onlyIf": only_if}
        )
        return (
            stream_response(obj.body, 206, plan_headers(plan, headers, info.size))
            if has_body(obj)
            else None
        )
    if not pinned:
        obj = await bucket.get(info.key, {"onlyIf": only_if})
        if not has_body(obj):
            return None
    full = plan_headers(plan, headers, info.size)
    body = obj.body
    if url and policy.edge_cacheable and info.size <= settings.edge_cache_max_bytes:
        body, copy = body.tee()
        edge_cache.store(ctx, url, copy, 200, {**full, SIZE_HEADER: str(info.size)})
    return stream_response(body, 200, full)


def _multipart(
    bucket: Bucket, info: ObjectInfo, plan: ReadPlan, headers: dict[str, str], ctx: Any
) -> Any:
    """206 multipart/byteranges, each part streamed from R2 in order (pinned to one etag)."""
    layout = multipart_byteranges(
        plan.ranges, headers["Content-Type"], info.size, boundary=f"r2gate-{secrets.token_hex(12)}"
    )

    async def slice_of(offset: int, length: int) -> Any:
        obj = await bucket.get(
            info.key,
            {"range": {"offset": offset, "length": length}, "onlyIf": {"etagMatches": info.etag}},
        )
        if obj is None or not has_body(obj):
            raise RuntimeError("the object changed while its ranges were being sent")
        return obj.body

    body = concatenated_stream(layout.parts, layout.content_length, slice_of, ctx)
    response_headers_ = plan_headers(plan, headers, info.size)
    response_headers_["Content-Type"] = layout.content_type
    response_headers_["Content-Length"] = str(layout.content_length)
    return stream_response(body, 206, response_headers_)

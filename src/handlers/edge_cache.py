"""The Workers Cache API (caches.default) for public objects: lookup, store, evict.

Entries are keyed by the request's origin and the object's path, with no query, so every
variant of a request (download names, CORS origins) shares one stored full 200; the
per-request headers are added after the lookup. cache.delete is colo-local: see the README
for global invalidation.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlsplit

import js
from pyodide.ffi import JsException, to_js


def cache_url(request_url: str, key: str) -> str:
    parts = urlsplit(request_url)
    return f"{parts.scheme}://{parts.netloc}/{quote(key, safe='/')}"


async def lookup(url: str, range_header: str | None = None) -> Any | None:
    """The cached response for `url` (a full 200, or a 206 when a Range is given), or None."""
    try:
        if range_header is None:
            found = await js.caches.default.match(url)
        else:
            init = to_js({"headers": {"Range": range_header}}, dict_converter=js.Object.fromEntries)
            found = await js.caches.default.match(js.Request.new(url, init))
    except JsException as error:
        print(f"r2gate: edge cache lookup failed: {error}")
        return None
    return found or None


def store(ctx: Any, url: str, body: Any, status: int, headers: dict[str, str]) -> None:
    """Store a full 200 in the background (ctx.waitUntil); failures are logged, not raised."""
    init = {"status": status, "headers": headers}
    response = js.Response.new(body, to_js(init, dict_converter=js.Object.fromEntries))
    _in_background(ctx, js.caches.default.put(url, response), "store")


def evict(ctx: Any, url: str) -> None:
    """Remove the entry in this colo after a write or delete (in the background)."""
    _in_background(ctx, js.caches.default.delete(url), "evict")


def _in_background(ctx: Any, promise: Any, what: str) -> None:
    """Hand the JS promise itself to ctx.waitUntil, a failure logged by console.error bound to
    r2gate's message: no Python coroutine to schedule (a Task and two turns of Pyodide's event
    loop per await), no Python callback kept alive for a failure that rarely comes."""
    log = js.console.error.bind(js.console, f"r2gate: edge cache {what} failed:")
    ctx.waitUntil(promise.then(None, log))

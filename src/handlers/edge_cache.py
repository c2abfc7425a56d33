"""The Workers Cache API (caches.default) for public objects: lookup, store, evict.

Entries are keyed by the request's origin and the object's path, with no query, so every
variant of a request (download names, CORS origins) shares one stored full 200; the
per-request headers are added after the lookup. cache.delete is colo-local: see docs/api.md
for global invalidation.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote, urlsplit

import js
from pyodide.ffi import JsException, to_js

from .http import response_init
from .js_functions import default_cache, from_entries, new_response, one_element


def cache_url(request_url: str, key: str) -> str:
    parts = urlsplit(request_url)
    return f"{parts.scheme}://{parts.netloc}/{quote(key, safe='/')}"


async def lookup(url: str, range_header: str | None = None) -> Any | None:
    """The cached response for `url` (a full 200, or a 206 when a Range is given), or None."""
    try:
        if range_header is None:
            found = await default_cache().match(url)
        else:
            init = to_js({"headers": {"Range": range_header}}, dict_converter=from_entries())
            found = await default_cache().match(js.Request.new(url, init))
    except JsException as error:
        print(f"r2gate: edge cache lookup failed: {error}")
        return None
    return found or None


def store(ctx: Any, url: str, body: Any, status: int, headers: dict[str, str]) -> None:
    """Store a full 200 in the background (ctx.waitUntil); never raises."""
    response = new_response()(body, response_init(status, headers))
    _in_background(ctx, "put", url, response)


def evict(ctx: Any, url: str) -> None:
    """Remove the entry in this colo after a write or delete (in the background)."""
    _in_background(ctx, "delete", url, None)


def evict_many(ctx: Any, urls: list[str]) -> None:
    """Remove many entries (DeleteObjects: up to 1,000) in the background, in a fixed number
    of crossings into JS whatever their count. `Reflect.apply` bound to cache.delete and the
    cache, mapped over ``[[url], ...]``, calls ``cache.delete(url)`` with exactly one argument
    (map's index and array land in Reflect.apply's ignored extra arguments; cache.delete
    would take the index for its options). The nested arrays come from one JSON.parse:
    to_js of the list made ~14 calls into JS per URL (tests/perf/test_request_costs.py)."""
    if not urls:
        return
    cache = default_cache()
    delete = js.Reflect.apply.bind(None, cache.delete, cache)
    one_argument_each = js.JSON.parse(json.dumps([[url] for url in urls]))
    one_argument_each.map(delete).forEach(ctx.waitUntil, ctx)


def _in_background(ctx: Any, method: str, *args: Any) -> None:
    """Call a method of caches.default with `args` and hand its promise to ctx.waitUntil
    without the promise ever coming back to Python: the method is bound to the cache and the
    arguments, `[0].map` calls it, `forEach` hands the result to waitUntil (the extra
    arguments map and forEach pass are ignored). A promise proxy in Python and a failure
    handler cost ~0.4 ms of CPU per write on workerd (bench/probe phases evict_*); a failure
    is still logged, by the runtime, as "Uncaught <error>"."""
    cache = default_cache()
    call = getattr(cache, method).bind(cache, *args)
    one_element().map(call).forEach(ctx.waitUntil, ctx)

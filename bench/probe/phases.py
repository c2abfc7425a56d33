"""Named pieces of a request, for the probe's `X-Probe-Phase: <name>` (measurement only).

Each phase is one step r2gate takes for a read (or a unit cost of the FFI), run N times inside
one request with real objects (the request, the env, R2, the Cache API) so that the CPU of that
request over N is the step's CPU. `bench/run.py profile` runs them; docs/performance.md has the
results.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import js
from pyodide.ffi import jsnull, to_js
from workers import Response

from handlers import http

KEY = "bench/small.bin"


class Context:
    """What the phases work on: the request and bindings, fetched once per probe request."""

    def __init__(self, request: Any, env: Any, ctx: Any) -> None:
        self.request = request
        self.js_request = request.js_object
        self.env = env
        self.raw_env = getattr(env, "_env", env)  # the SDK's _EnvWrapper wraps the JS env
        self.ctx = ctx
        self.headers8 = {
            "ETag": '"7265f4d211b56873a381d321f586e4a9"',
            "Last-Modified": "Wed, 26 Nov 2026 10:00:00 GMT",
            "Content-Type": "application/octet-stream",
            "Cache-Control": "public, max-age=3600",
            "Accept-Ranges": "bytes",
            "Content-Length": "1024",
            "X-Cache": "BYPASS",
            "Vary": "Origin",
        }
        self.obj: Any = None


Phase = Callable[[Context], Awaitable[None]]
PHASES: dict[str, Phase] = {}


def phase(function: Phase) -> Phase:
    PHASES[function.__name__] = function
    return function


async def _cancel(body: Any) -> None:
    if body is not None and body is not jsnull:
        await body.cancel()


@phase
async def nothing(c: Context) -> None:
    """The loop itself."""


@phase
async def getattr_js(c: Context) -> None:
    """One attribute read of a JS object (request.method)."""
    c.js_request.method  # noqa: B018


@phase
async def header_get_js(c: Context) -> None:
    """One request header read in JS (headers.get)."""
    c.js_request.headers.get("range")


@phase
async def incoming(c: Context) -> None:
    """r2gate's Incoming(request): method, URL, every header through the SDK's conversion."""
    http.Incoming(c.request)


@phase
async def sdk_headers(c: Context) -> None:
    """The SDK's request.headers (an http.client.HTTPMessage built from the JS Headers)."""
    c.request.headers  # noqa: B018


@phase
async def env_settings_sdk(c: Context) -> None:
    """Fourteen settings read through a fresh _EnvWrapper (one per request, as the SDK makes)."""
    from handlers.config import _read
    from r2gate.settings import SETTING_NAMES

    wrapped = type(c.env)(c.raw_env)
    for name in SETTING_NAMES:
        _read(wrapped, name)


@phase
async def env_bucket_sdk(c: Context) -> None:
    """env.BUCKET through a fresh _EnvWrapper (the binding wrapped by the SDK)."""
    type(c.env)(c.raw_env).BUCKET  # noqa: B018


@phase
async def r2_head_sdk(c: Context) -> None:
    """R2 head() through the SDK's binding wrapper (R2's own work included)."""
    await type(c.env)(c.raw_env).BUCKET.head(KEY)


@phase
async def r2_head_raw(c: Context) -> None:
    """R2 head() on the JS binding (R2's own work included)."""
    await c.raw_env.BUCKET.head(KEY)


@phase
async def r2_get_sdk(c: Context) -> None:
    """R2 get() through the SDK's binding wrapper, body cancelled."""
    obj = await type(c.env)(c.raw_env).BUCKET.get(KEY)
    await _cancel(obj.body)


@phase
async def r2_get_raw(c: Context) -> None:
    """R2 get() on the JS binding, body cancelled."""
    obj = await c.raw_env.BUCKET.get(KEY)
    await _cancel(obj.body)


@phase
async def object_info_sdk(c: Context) -> None:
    """r2gate's object_info() of an SDK-wrapped R2 result (each field converted by the SDK)."""
    from handlers.r2 import object_info

    wrapper = type(type(c.env)(c.raw_env).BUCKET)
    if c.obj is None:
        c.obj = await c.raw_env.BUCKET.head(KEY)
    object_info(wrapper(c.obj))  # a fresh wrapper: the SDK caches what it converted


@phase
async def response_sdk(c: Context) -> None:
    """The SDK's Response(None, status, headers) with eight headers."""
    Response(None, status=200, headers=c.headers8)


@phase
async def response_js_to_js(c: Context) -> None:
    """js.Response.new with init from to_js (Object.fromEntries), eight headers."""
    init = to_js({"status": 200, "headers": c.headers8}, dict_converter=js.Object.fromEntries)
    js.Response.new(None, init)


@phase
async def json_response(c: Context) -> None:
    """r2gate's JSON answer to GET / (the JS Response included)."""
    http.json_response({"service": "r2gate", "version": "1"}).to_js()


@phase
async def reply_to_js(c: Context) -> None:
    """r2gate's Reply with eight headers made into a JS Response."""
    http.Reply(200, dict(c.headers8)).to_js()


@phase
async def headers_from_entries_to_py(c: Context) -> None:
    """Request headers as a dict: Object.fromEntries(headers).to_py()."""
    js.Object.fromEntries(c.js_request.headers).to_py()


@phase
async def headers_get_8(c: Context) -> None:
    """Eight headers read one by one with headers.get."""
    get = c.js_request.headers.get
    for name in (
        "range",
        "if-none-match",
        "if-match",
        "if-modified-since",
        "if-unmodified-since",
        "if-range",
        "cache-control",
        "origin",
    ):
        get(name)


@phase
async def response_js_json(c: Context) -> None:
    """js.Response.new with init from JSON.parse(json.dumps(...)), eight headers."""
    init = js.JSON.parse(json.dumps({"status": 200, "headers": c.headers8}))
    js.Response.new(None, init)


@phase
async def response_js_set(c: Context) -> None:
    """js.Headers.new, then set() per header (bound method), then js.Response.new."""
    headers = js.Headers.new()
    set_ = headers.set
    for name, value in c.headers8.items():
        set_(name, value)
    js.Response.new(
        None, to_js({"status": 200, "headers": headers}, dict_converter=js.Object.fromEntries)
    )


@phase
async def r2_fields_raw(c: Context) -> None:
    """The fields r2gate reads from a raw R2 result: one getattr each, the Date's getTime,
    httpMetadata.to_py()."""
    if c.obj is None:
        c.obj = await c.raw_env.BUCKET.head(KEY)
    o = c.obj
    (o.key, o.size, o.etag, o.httpEtag, o.uploaded.getTime(), o.httpMetadata.to_py())


@phase
async def settings(c: Context) -> None:
    """r2gate's settings_from_env(env) as a request calls it."""
    from handlers.config import settings_from_env

    settings_from_env(c.env)


@phase
async def object_info(c: Context) -> None:
    """r2gate's object_info() of the JS R2 result."""
    from handlers.r2 import object_info

    if c.obj is None:
        c.obj = await c.raw_env.BUCKET.head(KEY)
    object_info(c.obj)


@phase
async def route_resolve(c: Context) -> None:
    """The route table's resolve() for GET /<key>."""
    from handlers.routes import ROUTES

    ROUTES.resolve("GET", "/bench/small.bin", "")


@phase
async def cors_headers(c: Context) -> None:
    """CORS headers for a request without Origin (the bench's), with the wrangler.toml CORS."""
    from handlers.config import settings_from_env
    from r2gate.cors import cors_headers

    cors_headers(None, settings_from_env(c.env).cors)


@phase
async def dispatch_root(c: Context) -> None:
    """r2gate's whole dispatch of the probe request (GET /, as the phases are sent)."""
    from handlers.routes import dispatch

    await dispatch(c.request, c.env, c.ctx)


@phase
async def await_js_promise(c: Context) -> None:
    """Awaiting one already-resolved JS promise."""
    await js.Promise.resolve(1)


@phase
async def asyncio_sleep0(c: Context) -> None:
    """asyncio.sleep(0): one turn of the event loop."""
    import asyncio

    await asyncio.sleep(0)


@phase
async def run_sync_js_promise(c: Context) -> None:
    """JSPI: run_sync on one already-resolved JS promise (no event loop turn)."""
    from pyodide.ffi import run_sync

    run_sync(js.Promise.resolve(1))


def _js_request(url: str, headers: dict[str, str]) -> Any:
    init = to_js({"headers": headers}, dict_converter=js.Object.fromEntries)
    return js.Request.new(url, init)


@phase
async def dispatch_get_r2(c: Context) -> None:
    """r2gate's whole dispatch of GET /bench/small.bin, edge cache bypassed (body cancelled,
    not awaited)."""
    from handlers.routes import dispatch

    request = _js_request("http://probe/" + KEY, {"cache-control": "no-cache"})
    response = await dispatch(request, c.env, c.ctx)
    response.body.cancel()


async def _dispatch_get(c: Context, headers: dict[str, str], status: int) -> None:
    from handlers.routes import dispatch

    request = _js_request("http://probe/" + KEY, {"cache-control": "no-cache", **headers})
    response = await dispatch(request, c.env, c.ctx)
    if response.status != status:
        raise RuntimeError(f"{response.status}, expected {status}")
    if response.body:
        response.body.cancel()


@phase
async def dispatch_range_r2(c: Context) -> None:
    """r2gate's whole dispatch of GET with Range: bytes=0-99, edge cache bypassed."""
    await _dispatch_get(c, {"range": "bytes=0-99"}, 206)


@phase
async def dispatch_416_r2(c: Context) -> None:
    """r2gate's whole dispatch of GET with Range: bytes=5000- (416), edge cache bypassed."""
    await _dispatch_get(c, {"range": "bytes=5000-"}, 416)


@phase
async def dispatch_304_r2(c: Context) -> None:
    """r2gate's whole dispatch of GET with If-None-Match: * (304), edge cache bypassed."""
    await _dispatch_get(c, {"if-none-match": "*"}, 304)


@phase
async def r2_get_range_headers(c: Context) -> None:
    """R2 get() with the request's Headers as `range` (bytes=0-99), body cancelled."""
    request = _js_request("http://probe/" + KEY, {"range": "bytes=0-99"})
    options = to_js({"range": request.headers}, dict_converter=js.Object.fromEntries)
    obj = await c.raw_env.BUCKET.get(KEY, options)
    obj.body.cancel()


@phase
async def r2_get_range_numbers(c: Context) -> None:
    """R2 get() with `range` as {offset, length} (bytes 0-99), body cancelled; the request
    made as in r2_get_range_headers, so the two differ only in the option."""
    _js_request("http://probe/" + KEY, {"range": "bytes=0-99"})
    options = to_js({"range": {"offset": 0, "length": 100}}, dict_converter=js.Object.fromEntries)
    obj = await c.raw_env.BUCKET.get(KEY, options)
    obj.body.cancel()


@phase
async def r2_get_onlyif_headers(c: Context) -> None:
    """R2 get() with the request's Headers as `onlyIf` (If-None-Match: *): no body."""
    request = _js_request("http://probe/" + KEY, {"if-none-match": "*"})
    options = to_js({"onlyIf": request.headers}, dict_converter=js.Object.fromEntries)
    await c.raw_env.BUCKET.get(KEY, options)


@phase
async def r2_get_onlyif_object(c: Context) -> None:
    """R2 get() with `onlyIf` as an R2Conditional ({etagDoesNotMatch: "*"}): no body; the
    request made as in r2_get_onlyif_headers."""
    _js_request("http://probe/" + KEY, {"if-none-match": "*"})
    conditional = {"onlyIf": {"etagDoesNotMatch": "*"}}
    await c.raw_env.BUCKET.get(KEY, to_js(conditional, dict_converter=js.Object.fromEntries))


@phase
async def r2_get_bucket(c: Context) -> None:
    """R2 get() through r2gate's Bucket wrapper, body cancelled without awaiting."""
    from handlers.r2 import Bucket

    obj = await Bucket(c.raw_env.BUCKET).get(KEY)
    obj.body.cancel()


@phase
async def r2_get_described(c: Context) -> None:
    """r2_get_bucket plus the cached per-version description and the read plan."""
    from handlers.config import settings_from_env
    from handlers.r2 import Bucket
    from handlers.read import _described
    from r2gate.read_plan import plan_headers, plan_read

    obj = await Bucket(c.raw_env.BUCKET).get(KEY)
    described = _described(obj, settings_from_env(c.env), False)
    info = described.info
    plan = plan_read("GET", {"cache-control": "no-cache"}, info.http_etag, info.uploaded, info.size)
    plan_headers(plan, described.headers, info.size)
    obj.body.cancel()


@phase
async def r2_get_response(c: Context) -> None:
    """R2 get(), a JS Response around its body with eight headers (one to_js), body cancelled."""
    obj = await c.raw_env.BUCKET.get(KEY)
    init = to_js({"status": 200, "headers": c.headers8}, dict_converter=js.Object.fromEntries)
    js.Response.new(obj.body, init).body.cancel()


async def _read_object_reply(c: Context) -> Any:
    """r2gate's read_object for GET /bench/small.bin (edge cache bypassed), its Reply."""
    from handlers.call import Call
    from handlers.config import js_env, settings_from_env
    from handlers.read import read_object

    request = _js_request("http://probe/" + KEY, {"cache-control": "no-cache"})
    call = Call(
        http.Incoming(request), js_env(c.env), c.ctx, settings_from_env(c.env), params={"key": KEY}
    )
    return await read_object(call)


@phase
async def read_object_to_js(c: Context) -> None:
    """read_object_direct, then the Reply made into a JS Response (as dispatch does)."""
    (await _read_object_reply(c)).to_js().body.cancel()


@phase
async def r2_get_raw_nowait_cancel(c: Context) -> None:
    """R2 get() on the JS binding, body cancelled without awaiting."""
    obj = await c.raw_env.BUCKET.get(KEY)
    obj.body.cancel()


@phase
async def read_core(c: Context) -> None:
    """The pure decisions of a GET from R2 on a fetched object: object_info, cache policy,
    representation headers, read plan, plan headers."""
    from handlers.config import settings_from_env
    from handlers.r2 import object_info
    from r2gate.cache_policy import decide
    from r2gate.objects import representation_headers
    from r2gate.read_plan import plan_headers, plan_read

    if c.obj is None:
        c.obj = await c.raw_env.BUCKET.head(KEY)
    settings = settings_from_env(c.env)
    info = object_info(c.obj)
    policy = decide(info.key, info.cache_control, settings.cache)
    headers = representation_headers(info, "application/octet-stream", policy.cache_control)
    plan = plan_read("GET", {"cache-control": "no-cache"}, info.http_etag, info.uploaded, 1024)
    plan_headers(plan, headers, info.size)


@phase
async def make_js_request(c: Context) -> None:
    """The phases' own synthetic JS Request (subtract from dispatch_get_r2)."""
    _js_request("http://probe/" + KEY, {"cache-control": "no-cache"})


@phase
async def read_object_direct(c: Context) -> None:
    """r2gate's read_object handler alone for GET /bench/small.bin (no routing, no Response)."""
    (await _read_object_reply(c)).body.cancel()


@phase
async def response_new_premade(c: Context) -> None:
    """js.Response.new(None, init) with an init object made once: the JS side alone."""
    if c.obj is None:
        c.obj = to_js({"status": 200, "headers": c.headers8}, dict_converter=js.Object.fromEntries)
    js.Response.new(None, c.obj)


@phase
async def to_js_init(c: Context) -> None:
    """to_js of a Response init with eight headers (Object.fromEntries), no Response."""
    to_js({"status": 200, "headers": c.headers8}, dict_converter=js.Object.fromEntries)


@phase
async def json_parse_init(c: Context) -> None:
    """A Response init with eight headers through json.dumps and JSON.parse, no Response."""
    js.JSON.parse(json.dumps({"status": 200, "headers": c.headers8}))


@phase
async def minimal_get_r2(c: Context) -> None:
    """The least Python can do for a GET from R2, as the JS anchor does it: get, copy the HTTP
    metadata into Headers in JS, a Response around R2's body (cancelled, not awaited)."""
    obj = await c.raw_env.BUCKET.get(KEY)
    headers = js.Headers.new()
    obj.writeHttpMetadata(headers)
    headers.set("etag", obj.httpEtag)
    init = to_js({"status": 200, "headers": headers}, dict_converter=js.Object.fromEntries)
    js.Response.new(obj.body, init).body.cancel()


@phase
async def then_callback(c: Context) -> None:
    """A resolved JS promise continued by a Python function (JS calls it; no await)."""
    from pyodide.ffi import create_once_callable

    js.Promise.resolve(1).then(create_once_callable(lambda value: value))


@phase
async def promise_resolve(c: Context) -> None:
    """js.Promise.resolve(1), nothing else."""
    js.Promise.resolve(1)


@phase
async def object_new(c: Context) -> None:
    """js.Object.new(), nothing else."""
    js.Object.new()


@phase
async def array_of(c: Context) -> None:
    """js.Array.of(1): a JS call returning a new object."""
    js.Array.of(1)


@phase
async def schedule_callback(c: Context) -> None:
    """Pyodide's scheduleCallback of a once-callable (what call_soon does), not awaited."""
    from pyodide.ffi import create_once_callable
    from pyodide_js._api import scheduleCallback

    scheduleCallback(create_once_callable(lambda: None), 0)


@phase
async def queue_microtask(c: Context) -> None:
    """queueMicrotask of a once-callable, not awaited."""
    from pyodide.ffi import create_once_callable

    js.queueMicrotask(create_once_callable(lambda: None))


_RANGES = [{"range": {"offset": o, "length": 10}} for o in (0, 20, 40)]


@phase
async def r2_three_gets_at_once(c: Context) -> None:
    """Three ranged R2 gets at once (one await, Promise.all), bodies cancelled."""
    from handlers.r2 import Bucket, discard_body

    for obj in await Bucket(c.raw_env.BUCKET).get_each(KEY, _RANGES):
        discard_body(obj)


@phase
async def r2_three_gets_in_turn(c: Context) -> None:
    """Three ranged R2 gets one after the other, bodies cancelled."""
    from handlers.r2 import Bucket, discard_body

    bucket = Bucket(c.raw_env.BUCKET)
    for options in _RANGES:
        discard_body(await bucket.get(KEY, options))


@phase
async def multipart_stream_three(c: Context) -> None:
    """Three ranged gets stitched with four byte parts by streams.concatenated, read whole."""
    from handlers.r2 import Bucket
    from handlers.streams import concatenated

    objs = await Bucket(c.raw_env.BUCKET).get_each(KEY, _RANGES)
    parts: list[Any] = [b"x" * 100]
    for obj in objs:
        parts += [obj.body, b"y" * 100]
    readable = concatenated(parts, None, 430, c.ctx)
    await js.Response.new(readable).arrayBuffer()


@phase
async def stream_seven_byte_parts(c: Context) -> None:
    """Seven byte parts stitched by streams.concatenated (no R2), read whole."""
    from handlers.streams import concatenated

    readable = concatenated([b"x" * 60] * 7, None, 420, c.ctx)
    await js.Response.new(readable).arrayBuffer()


@phase
async def stream_three_r2_bodies(c: Context) -> None:
    """Three ranged R2 bodies stitched by streams.concatenated, read whole."""
    from handlers.r2 import Bucket
    from handlers.streams import concatenated

    objs = await Bucket(c.raw_env.BUCKET).get_each(KEY, _RANGES)
    readable = concatenated([obj.body for obj in objs], None, 30, c.ctx)
    await js.Response.new(readable).arrayBuffer()


@phase
async def r2_get_raw_body_dropped(c: Context) -> None:
    """R2 get() on the JS binding, body neither read nor cancelled (left to the runtime)."""
    await c.raw_env.BUCKET.get(KEY)


@phase
async def getattr_missing_js(c: Context) -> None:
    """getattr(js_object, "absent", None): a JS attribute that is not there."""
    getattr(c.js_request, "absent", None)


@phase
async def reflect_has_js(c: Context) -> None:
    """js.Reflect.has(js_object, "absent")."""
    js.Reflect.has(c.js_request, "absent")


_PUT_BODY = js.Uint8Array.new(1024)


def _put_request(c: Context, headers: dict[str, str]) -> Any:
    sent = {"content-type": "application/octet-stream", "content-length": "1024", **headers}
    init = {"method": "PUT", "headers": sent}
    js_init = to_js(init, dict_converter=js.Object.fromEntries)
    js_init.body = _PUT_BODY
    return js.Request.new("http://probe/bench/phase-put.bin", js_init)


@phase
async def put_request_new(c: Context) -> None:
    """A JS Request for a 1 KB PUT, nothing done with it (subtract from the PUT steps)."""
    _put_request(c, {})


@phase
async def put_minimal(c: Context) -> None:
    """The least Python can do for a PUT: R2 put of the request's body, a small JSON Response."""
    request = _put_request(c, {})
    stored = await c.raw_env.BUCKET.put("bench/phase-put.bin", request.body)
    js.Response.new(f'{{"etag":"{stored.etag}"}}')


@phase
async def put_dispatch_api_key(c: Context) -> None:
    """r2gate's whole dispatch of an API-key PUT of 1 KB (a head, the put, the eviction)."""
    from handlers.routes import dispatch

    request = _put_request(c, {"authorization": f"Bearer {c.raw_env.API_KEY}"})
    response = await dispatch(request, c.env, c.ctx)
    if response.status not in (200, 201):
        raise RuntimeError(f"{response.status}: {await response.text()}")


async def _put_with(c: Context, options: dict[str, Any]) -> None:
    request = _put_request(c, {})
    js_options = to_js(options, dict_converter=js.Object.fromEntries)
    await c.raw_env.BUCKET.put("bench/phase-put.bin", request.body, js_options)


@phase
async def put_with_type(c: Context) -> None:
    """R2 put of a request's 1 KB body with httpMetadata.contentType."""
    await _put_with(c, {"httpMetadata": {"contentType": "application/octet-stream"}})


@phase
async def cache_delete_waited(c: Context) -> None:
    """caches.default.delete of a URL, awaited (the eviction after a write)."""
    await js.caches.default.delete("http://probe/bench/phase-put.bin")


@phase
async def put_dispatch_api_key_no_evict(c: Context) -> None:
    """put_dispatch_api_key with the eviction left out (what the eviction costs r2gate)."""
    from handlers import storage

    evict = storage.edge_cache.evict
    storage.edge_cache.evict = lambda ctx, url: None  # type: ignore[assignment]
    try:
        await put_dispatch_api_key(c)
    finally:
        storage.edge_cache.evict = evict  # type: ignore[assignment]


@phase
async def put_decisions(c: Context) -> None:
    """An API-key PUT's decisions without I/O: Incoming, identify, the write policy."""
    from handlers.config import settings_from_env
    from handlers.http import Incoming
    from r2gate.auth import identify
    from r2gate.write_policy import decide_write, put_proposal

    incoming = Incoming(_put_request(c, {"authorization": f"Bearer {c.raw_env.API_KEY}"}))
    settings = settings_from_env(c.env)
    principal = identify(incoming.headers, incoming.params, settings, 0)
    proposal = put_proposal("bench/phase-put.bin", incoming.headers)
    decide_write(principal, proposal, max_single=settings.max_put_bytes)


_fresh = iter(range(10**9))


@phase
async def put_new_key(c: Context) -> None:
    """R2 put of a request's 1 KB body to a new key."""
    request = _put_request(c, {})
    await c.raw_env.BUCKET.put(f"bench/phase-new/{next(_fresh)}", request.body)


@phase
async def put_new_key_only_if_absent(c: Context) -> None:
    """R2 put of a request's 1 KB body to a new key, onlyIf etagDoesNotMatch "*" (create-only)."""
    request = _put_request(c, {})
    options = to_js({"onlyIf": {"etagDoesNotMatch": "*"}}, dict_converter=js.Object.fromEntries)
    await c.raw_env.BUCKET.put(f"bench/phase-new/{next(_fresh)}", request.body, options)


def _api_key_call(c: Context) -> Any:
    from handlers.call import Call
    from handlers.config import settings_from_env
    from handlers.http import Incoming

    incoming = Incoming(_put_request(c, {"authorization": f"Bearer {c.raw_env.API_KEY}"}))
    settings = settings_from_env(c.env)
    return Call(incoming, c.raw_env, c.ctx, settings, params={"key": "bench/phase-put.bin"})


@phase
async def put_write_object(c: Context) -> None:
    """r2gate's write_object for an API-key PUT (no routing, no JS Response)."""
    from handlers.write import write_object

    await write_object(_api_key_call(c))


@phase
async def put_head_put_evict(c: Context) -> None:
    """A head, r2gate's Bucket.put and the eviction: write_object's I/O alone."""
    from handlers import edge_cache
    from handlers.r2 import Bucket, current

    call = _api_key_call(c)
    bucket = Bucket(c.raw_env.BUCKET)
    current(await bucket.head("bench/phase-put.bin"))
    options = {"httpMetadata": {"contentType": "application/octet-stream"}}
    await bucket.put("bench/phase-put.bin", call.incoming.body, options)
    edge_cache.evict(c.ctx, "http://probe/bench/phase-put.bin")


_EVICT_URL = "http://probe/bench/phase-evict.bin"


@phase
async def evict_r2gate(c: Context) -> None:
    """r2gate's eviction after a write (edge_cache.evict): delete, a logged failure, waitUntil."""
    from handlers import edge_cache

    edge_cache.evict(c.ctx, _EVICT_URL)


@phase
async def evict_bare(c: Context) -> None:
    """ctx.waitUntil(caches.default.delete(url)): no failure handler."""
    c.ctx.waitUntil(js.caches.default.delete(_EVICT_URL))


@phase
async def evict_log_bound_once(c: Context) -> None:
    """The eviction with its failure logger bound once per isolate, not per call."""
    c.ctx.waitUntil(js.caches.default.delete(_EVICT_URL).then(None, _LOG))


@phase
async def evict_in_js(c: Context) -> None:
    """The eviction composed of bound JS functions, so no promise comes back to Python:
    [0].map(delete bound to the cache and url).forEach(waitUntil bound to ctx)."""
    cache = js.caches.default
    remove = js.Cache.prototype.delete.bind(cache, _EVICT_URL, js.undefined)
    js.Array.of(0).map(remove).forEach(c.ctx.waitUntil.bind(c.ctx))


_LOG = js.console.error.bind(js.console, "r2gate: edge cache evict failed:")


@phase
async def evict_in_js_check(c: Context) -> None:
    """evict_in_js, then checks that the entry is gone (correctness, not cost)."""
    init = to_js(
        {"headers": {"Cache-Control": "max-age=600"}}, dict_converter=js.Object.fromEntries
    )
    await js.caches.default.put(_EVICT_URL, js.Response.new("x", init))
    if not await js.caches.default.match(_EVICT_URL):
        raise RuntimeError("not stored")
    await evict_in_js(c)
    if await js.caches.default.match(_EVICT_URL):
        raise RuntimeError("not evicted")
    rejected = js.Promise.reject.bind(js.Promise, "r2gate-probe: rejected in waitUntil")
    js.Array.of(0).map(rejected).forEach(c.ctx.waitUntil.bind(c.ctx))


def _lean_future(loop: Any) -> Any:
    """WebLoop.create_future without its in-progress count (a done callback: one more
    scheduled callback per future)."""
    from pyodide.webloop import PyodideFuture

    return PyodideFuture(loop=loop)


@phase
async def await_js_promise_lean(c: Context) -> None:
    """await_js_promise with the loop's create_future replaced by _lean_future."""
    import asyncio
    import types

    loop = asyncio.get_running_loop()
    loop.create_future = types.MethodType(_lean_future, loop)
    try:
        await js.Promise.resolve(1)
    finally:
        del loop.create_future


@phase
async def patch_and_restore_loop(c: Context) -> None:
    """The patching in await_js_promise_lean alone (subtract it)."""
    import asyncio
    import types

    loop = asyncio.get_running_loop()
    loop.create_future = types.MethodType(_lean_future, loop)
    del loop.create_future


@phase
async def range_options_to_js(c: Context) -> None:
    """The options of a ranged get: the request's Headers as `range`, through r2gate's _to_js."""
    from handlers.r2 import _to_js

    _to_js({"range": c.js_request.headers})


@phase
async def served_range(c: Context) -> None:
    """read._served on a ranged R2 object: the range R2 says it served."""
    from handlers.read import _served

    if c.obj is None:
        request = _js_request("http://probe/" + KEY, {"range": "bytes=0-99"})
        options = to_js({"range": request.headers}, dict_converter=js.Object.fromEntries)
        c.obj = await c.raw_env.BUCKET.get(KEY, options)
        c.obj.body.cancel()
    _served(c.obj)


@phase
async def plan_range_headers(c: Context) -> None:
    """The read plan and the 206 headers of Range: bytes=0-99 on a 1 KB object (pure Python)."""
    from datetime import UTC, datetime

    from r2gate.read_plan import plan_headers, plan_read

    when = datetime(2026, 11, 26, tzinfo=UTC)
    plan = plan_read("GET", {"range": "bytes=0-99"}, '"e"', when, 1024)
    plan_headers(plan, dict(c.headers8), 1024)


class _PyodideCallSoon:
    """Pyodide's own WebLoop.call_soon while the block runs (r2gate's is restored after)."""

    def __enter__(self) -> None:
        from pyodide.webloop import WebLoop

        self.ours = WebLoop.__dict__["call_soon"]
        WebLoop.call_soon = getattr(self.ours, "replaced", self.ours)

    def __exit__(self, *exc: object) -> None:
        from pyodide.webloop import WebLoop

        WebLoop.call_soon = self.ours


@phase
async def asyncio_sleep0_pyodide(c: Context) -> None:
    """asyncio.sleep(0) with Pyodide's call_soon (a JS timer and a new JS function per
    callback), against asyncio_sleep0 with r2gate's (handlers/event_loop.py)."""
    import asyncio

    with _PyodideCallSoon():
        await asyncio.sleep(0)


@phase
async def await_js_promise_pyodide(c: Context) -> None:
    """await_js_promise with Pyodide's call_soon."""
    with _PyodideCallSoon():
        await js.Promise.resolve(1)

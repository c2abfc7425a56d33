"""r2gate behind counters: what one request costs (measurement only, never deployed).

The probe serves exactly what r2gate serves (`handlers.routes.dispatch`, src/ linked here) and
adds to each response what r2gate's own code did for it:

    X-Probe-Crossings: calls from Python into JS during dispatch (only on the counting Pyodide
                       bundle, scripts/pyodide_bundle.py COUNTING; otherwise absent)
    X-Probe-R2: R2 calls by method, e.g. "get=1" ("none" when there were none)
    X-Probe-Cache: edge cache operations by kind, e.g. "lookup=1"
    X-Probe-Crossings-By-Name: with `X-Probe-Detail: 1`, the 12 JS functions called most often

With `X-Probe-Repeat: N` (reads only), dispatch runs N times on the same request and the bodies
of all but the last answer are cancelled: the CPU of that request over N is the CPU of one call
of r2gate's handler, with real objects, inside workerd (bench/run.py `profile`). With
`X-Probe-Phase: <name>`, one step of a request (phases.py) runs N times instead.
"""

import json
from collections import Counter
from typing import Any

import js
from phases import PHASES, Context
from pyodide.ffi import JsException, jsnull
from workers import Response, WorkerEntrypoint

from handlers import edge_cache, r2, routes
from handlers.event_loop import lighten_call_soon, lighten_futures

lighten_futures()  # as src/entry.py does
lighten_call_soon()

R2_CALLS: Counter[str] = Counter()
CACHE_CALLS: Counter[str] = Counter()


def _counted(owner: Any, name: str, counter: Counter[str], label: str) -> None:
    original = getattr(owner, name)

    def counting(*args: Any, **kwargs: Any) -> Any:
        counter[label] += 1
        return original(*args, **kwargs)

    setattr(owner, name, counting)


for _method in ("head", "get", "put", "delete", "list", "create_multipart_upload"):
    if hasattr(r2.Bucket, _method):
        _counted(r2.Bucket, _method, R2_CALLS, _method)
_get_each = r2.Bucket.get_each


def _counted_gets(self: Any, key: str, options: Any) -> Any:
    R2_CALLS["get"] += len(options)  # several gets at once
    return _get_each(self, key, options)


r2.Bucket.get_each = _counted_gets  # type: ignore[method-assign]
for _method in ("upload_part", "complete", "abort"):
    _counted(r2.Upload, _method, R2_CALLS, _method)
for _function in ("lookup", "store", "evict"):
    _counted(edge_cache, _function, CACHE_CALLS, _function)
_evict_many = edge_cache.evict_many


def _counted_evictions(ctx: Any, urls: list[str]) -> None:
    CACHE_CALLS["evict"] += len(urls)  # one eviction per URL, made in one batch
    _evict_many(ctx, urls)


edge_cache.evict_many = _counted_evictions  # type: ignore[assignment]


def crossings() -> int | None:
    """The counting bundle's total of calls from Python into JS (None on the plain bundle)."""
    try:
        return int(js.__pyodideCrossings.total)
    except (AttributeError, JsException):
        return None


def crossings_by_name() -> Counter[str]:
    """Calls per imported JS function so far (empty on the plain bundle)."""
    try:
        raw = js.JSON.stringify(js.__pyodideCrossings.byName)
    except (AttributeError, JsException):
        return Counter()
    return Counter({name: slot["calls"] for name, slot in json.loads(raw).items()})


def _summary(counter: Counter[str]) -> str:
    return ",".join(f"{name}={count}" for name, count in sorted(counter.items())) or "none"


class Default(WorkerEntrypoint):
    async def fetch(self, request: Any) -> Any:
        repeat = max(1, int(request.js_object.headers.get("x-probe-repeat") or 1))
        phase = request.js_object.headers.get("x-probe-phase")
        if phase:
            context = Context(request, self.env, self.ctx)
            run = PHASES[phase]
            for _ in range(repeat):
                await run(context)
            return Response(phase)
        for _ in range(repeat - 1):
            extra = await routes.dispatch(request, self.env, self.ctx)
            body = getattr(extra, "js_object", extra).body
            if body is not None and body is not jsnull:
                body.cancel()  # not awaited: awaiting a JS promise costs a turn of the loop
        R2_CALLS.clear()
        CACHE_CALLS.clear()
        detail = request.js_object.headers.get("x-probe-detail") is not None
        by_name = crossings_by_name() if detail else Counter()
        calibration = crossings()
        before = crossings()
        response = await routes.dispatch(request, self.env, self.ctx)
        after = crossings()
        if detail:
            by_name = crossings_by_name() - by_name
        headers = getattr(response, "js_object", response).headers
        if detail:
            top = by_name.most_common(12)
            headers.set("X-Probe-Crossings-By-Name", ",".join(f"{n}={c}" for n, c in top))
        if after is not None and before is not None and calibration is not None:
            reading = before - calibration  # reading the counter crosses too
            headers.set("X-Probe-Crossings", str(after - before - reading))
        headers.set("X-Probe-R2", _summary(R2_CALLS))
        headers.set("X-Probe-Cache", _summary(CACHE_CALLS))
        return response

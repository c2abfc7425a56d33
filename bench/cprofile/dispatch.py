"""cProfile of r2gate's dispatch in Pyodide (run by bench/cprofile/harness.mjs, see there):
R2GATE_CASE requests (a method, a path and headers) dispatched R2GATE_CALLS times, the
functions sorted by their own time."""

import cProfile
import io
import os
import pstats
import sys
import time

sys.path.insert(0, "/src")

import js  # noqa: E402
from pyodide.ffi import to_js  # noqa: E402

from handlers.routes import dispatch  # noqa: E402

CASES = {
    "root": ("GET", "/", {}),
    "get": ("GET", "/bench/small.bin", {"cache-control": "no-cache"}),
    "head": ("HEAD", "/bench/small.bin", {"cache-control": "no-cache"}),
    "range": ("GET", "/bench/small.bin", {"cache-control": "no-cache", "range": "bytes=0-99"}),
}
method, path, headers = CASES[os.environ.get("R2GATE_CASE", "get")]
calls = int(os.environ.get("R2GATE_CALLS", "300"))


async def run(times: int) -> None:
    for _ in range(times):
        init = to_js(headers, dict_converter=js.Object.fromEntries)
        request = js.benchRequest("http://bench" + path, method, init)
        response = await dispatch(request, js.benchEnv, js.benchCtx)
        if response.body:
            response.body.cancel()


await run(20)  # noqa: F704 (top-level await: Pyodide's runPythonAsync)
started = time.perf_counter()
await run(calls)  # noqa: F704
per_call = (time.perf_counter() - started) / calls * 1e6
profile = cProfile.Profile()
profile.enable()
await run(calls)  # noqa: F704
profile.disable()
out = io.StringIO()
print(f"{method} {path}: {per_call:.0f} us per dispatch without the profiler", file=out)
pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(25)
out.getvalue()

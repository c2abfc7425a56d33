"""cProfile of r2gate's dispatch in Pyodide (run by bench/cprofile/harness.mjs, see there):
R2GATE_CASE requests (a method, a path and headers) dispatched R2GATE_CALLS times, the
functions sorted by their own time."""

import base64
import cProfile
import hashlib
import hmac
import io
import json
import os
import pstats
import sys
import time

sys.path.insert(0, "/src")

import js  # noqa: E402
from pyodide.ffi import to_js  # noqa: E402

from handlers.routes import dispatch  # noqa: E402


def _token(prefix: str) -> str:
    """A put token signed with the harness's SIGNING_KEYS (as bench/run.py signs them)."""
    encode = lambda part: base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")  # noqa: E731
    now = int(time.time())
    claims = {"aud": "r2gate", "iat": now, "exp": now + 600, "op": "put", "prefix": prefix}
    signing_input = b".".join(encode(part) for part in ({"alg": "HS256", "kid": "bench"}, claims))
    mac = hmac.new(b"s" * 48, signing_input, hashlib.sha256).digest()
    return (signing_input + b"." + base64.urlsafe_b64encode(mac).rstrip(b"=")).decode()


PUT = {"content-type": "application/octet-stream", "content-length": "1024"}
KEY = {"authorization": "Bearer " + "k" * 32}
CASES = {
    "root": ("GET", "/", {}),
    "get": ("GET", "/bench/small.bin", {"cache-control": "no-cache"}),
    "head": ("HEAD", "/bench/small.bin", {"cache-control": "no-cache"}),
    "range": ("GET", "/bench/small.bin", {"cache-control": "no-cache", "range": "bytes=0-99"}),
    "multipart": (
        "GET",
        "/bench/small.bin",
        {"cache-control": "no-cache", "range": "bytes=0-9,20-29,40-49"},
    ),
    "token-put": ("PUT", "/bench/t.bin?token=" + _token("bench/"), PUT),
    "key-put": ("PUT", "/bench/k.bin", {**PUT, **KEY}),
    "uploads": (
        "POST",
        "/api/v1/uploads",
        {**KEY, "content-type": "application/json"},
    ),
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
order, rows = os.environ.get("R2GATE_SORT", "tottime"), int(os.environ.get("R2GATE_ROWS", "25"))
pstats.Stats(profile, stream=out).sort_stats(order).print_stats(rows)
out.getvalue()

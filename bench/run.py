"""`make bench`: r2gate on the real workerd, measured against references in the same run.

One `wrangler dev` (local Pyodide dev bundle) serves four Workers in one workerd process with
one local R2 bucket: r2gate, the JS anchor (bench/anchor: the same R2 reads and writes done the
way a good JS Worker does them), a minimal JS Worker and a minimal Python Worker (bench/floor-*).
Requests go straight to that workerd (Miniflare's entry socket; Miniflare's MF-Route-Override
header picks the Worker), not through wrangler's dev proxy, which production does not have.

CPU per request: the utime + stime of that workerd process (/proc/<pid>/stat) over N sequential
requests on one keep-alive connection, divided by N; every scenario once per round, rounds
interleaved, the median over rounds. Python floor minus JS floor is the unavoidable cost of
entering Python for one request; the **Python excess** of a row, (r2gate - anchor) - (Python
floor - JS floor), is what r2gate's own Python costs beyond that, on equal work.

Also: throughput and latency from 4 keep-alive connections (reads), upload throughput with the
peak RSS of the workerd process (bench/uploads.py), and cold start (starting wrangler dev to the
first 200, r2gate alone). BENCH_SCALE scales the request counts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import s3, uploads  # noqa: E402
from scripts.pyodide_bundle import pyodide_version  # noqa: E402
from tests.support.server import RunningServer, start_wrangler_dev  # noqa: E402

API_KEY = "bench-" + secrets.token_hex(16)
SIGNING_SECRET = secrets.token_urlsafe(48)
REFERENCES = {
    name: ROOT / "bench" / name / "wrangler.toml" for name in ("anchor", "floor-js", "floor-python")
}
WORKER_NAMES = {
    "r2gate": "r2gate",
    "anchor": "bench-anchor",
    "floor-js": "bench-floor-js",
    "floor-python": "bench-floor-python",
}
CONCURRENCY = 4
ROUNDS = 5
TIMING = re.compile(r"py;dur=([0-9.]+)")
TICKS = os.sysconf("SC_CLK_TCK")
SMALL, LARGE = "bench/small.bin", "bench/large.bin"
BYPASS = {"Cache-Control": "no-cache"}  # r2gate skips the edge cache: R2 work, as the anchor


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime


@dataclass
class Scenario:
    """N sequential requests of one kind to one Worker; `path` may use {i} (a fresh key)."""

    worker: str
    method: str
    path: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    cpu_ms: list[float] = field(default_factory=list)
    # paths made before the timed requests (presigned URLs, one per fresh key), else `path`
    paths: Callable[[int], str] | None = field(default=None, compare=False)

    def run(self, port: int, pid: int, count: int, serial: Callable[[], int]) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {**self.headers, "MF-Route-Override": WORKER_NAMES[self.worker]}
        make = self.paths or (lambda i: self.path.format(i=i))
        paths = [make(serial()) for _ in range(count)]
        started = cpu_seconds(pid)
        for path in paths:
            conn.request(self.method, path, self.body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != self.status:
                raise SystemExit(
                    f"bench: {self.worker} {self.method} {self.path} gave {response.status}, "
                    f"expected {self.status}"
                )
        self.cpu_ms.append((cpu_seconds(pid) - started) * 1000 / count)
        conn.close()

    @property
    def median(self) -> float:
        return statistics.median(self.cpu_ms)


@dataclass
class Row:
    name: str
    r2gate: Scenario
    anchor: Scenario | None


def cpu_rows(
    etag: str, token: str, get_token: str, port: int
) -> tuple[list[Row], Scenario, Scenario]:
    small = b"s" * 1024
    put_headers = {"Content-Type": "application/octet-stream"}

    def pair(name: str, method: str, path: str, status: int, **headers: str) -> Row:
        """r2gate (edge cache bypassed) and the anchor, the same request."""
        return Row(
            name,
            Scenario("r2gate", method, path, status, {**BYPASS, **headers}),
            Scenario("anchor", method, path, status, dict(headers)),
        )

    anchor_put = Scenario("anchor", "PUT", "/bench/anchor-put/{i}", 201, put_headers, small)
    anchor_get = Scenario("anchor", "GET", f"/{SMALL}", 200)
    presigned_get = s3.presigned_path(port, "GET", SMALL)
    rows = [
        Row(
            "GET / (no R2)",
            Scenario("r2gate", "GET", "/", 200),
            Scenario("anchor", "GET", "/", 200),
        ),
        Row(
            "GET 1 KB from R2 (edge cache bypassed)",
            Scenario("r2gate", "GET", f"/{SMALL}", 200, dict(BYPASS)),
            anchor_get,
        ),
        Row(
            "token GET 1 KB (download token, edge cache bypassed)",
            Scenario("r2gate", "GET", f"/{SMALL}?token={get_token}", 200, dict(BYPASS)),
            anchor_get,
        ),
        Row(
            "presigned GET 1 KB (S3 SigV4 URL, edge cache bypassed)",
            Scenario("r2gate", "GET", presigned_get, 200, dict(BYPASS)),
            anchor_get,
        ),
        Row("GET 1 KB from the edge cache", Scenario("r2gate", "GET", f"/{SMALL}", 200), None),
        pair("HEAD 1 KB", "HEAD", f"/{SMALL}", 200),
        pair("GET with If-None-Match (304)", "GET", f"/{SMALL}", 304, **{"If-None-Match": etag}),
        pair("GET Range bytes=0-99 (206)", "GET", f"/{SMALL}", 206, Range="bytes=0-99"),
        pair("GET Range bytes=5000- (416)", "GET", f"/{SMALL}", 416, Range="bytes=5000-"),
        Row(
            "token PUT 1 KB",
            Scenario(
                "r2gate", "PUT", f"/bench/token-put/{{i}}?token={token}", 201, put_headers, small
            ),
            anchor_put,
        ),
        Row(
            "presigned PUT 1 KB (S3 SigV4 URL)",
            Scenario(
                "r2gate",
                "PUT",
                "",
                200,
                put_headers,
                small,
                paths=lambda i: s3.presigned_path(port, "PUT", f"bench/presigned-put/{i}"),
            ),
            anchor_put,
        ),
        Row(
            "API-key PUT 1 KB",
            Scenario(
                "r2gate",
                "PUT",
                "/bench/key-put/{i}",
                201,
                {**put_headers, "Authorization": f"Bearer {API_KEY}"},
                small,
            ),
            anchor_put,
        ),
        Row(
            "POST /api/v1/uploads",
            Scenario(
                "r2gate",
                "POST",
                "/api/v1/uploads",
                201,
                {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"},
                json.dumps(
                    {"filename": "scan.ply", "content_type": "application/octet-stream"}
                ).encode(),
            ),
            None,
        ),
    ]
    floors = (Scenario("floor-js", "GET", "/", 200), Scenario("floor-python", "GET", "/", 200))
    return rows, *floors


def measure_cpu(port: int, pid: int, scale: float) -> tuple[list[Row], Scenario, Scenario]:
    etag = request(port, "HEAD", f"/{SMALL}").getheader("etag") or ""
    token = upload_token("bench/token-put/")
    get_token = upload_token("bench/", op="get")
    rows, js_floor, python_floor = cpu_rows(etag, token, get_token, port)
    scenarios: list[Scenario] = []
    for scenario in [s for row in rows for s in (row.r2gate, row.anchor) if s is not None]:
        if scenario not in scenarios:  # the anchor's PUT serves two rows
            scenarios.append(scenario)
    scenarios += [js_floor, python_floor]
    counter = iter(range(10**9))
    count = max(20, int(150 * scale))
    for scenario in scenarios:  # warm-up: the Python floor loads Pyodide on its first request
        scenario.run(port, pid, 20, lambda: next(counter))
        scenario.cpu_ms.clear()
    for _ in range(ROUNDS):
        for scenario in scenarios:
            scenario.run(port, pid, count, lambda: next(counter))
    return rows, js_floor, python_floor


def cpu_table(rows: list[Row], js_floor: Scenario, python_floor: Scenario) -> list[str]:
    floor_gap = python_floor.median - js_floor.median
    lines = [
        "| request | r2gate CPU ms | JS anchor CPU ms | r2gate / anchor | Python excess ms |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        ours = row.r2gate.median
        if row.anchor is None:
            lines.append(f"| {row.name} | {ours:.2f} | | | |")
            continue
        anchor = row.anchor.median
        excess = (ours - anchor) - floor_gap
        lines.append(
            f"| {row.name} | {ours:.2f} | {anchor:.2f} | {ours / anchor:.1f}x | {excess:+.2f} |"
        )
    lines += [
        f"| minimal JS Worker (JS floor) | | {js_floor.median:.2f} | | |",
        f"| minimal Python Worker (Python floor) | {python_floor.median:.2f} | | | |",
    ]
    return lines


def sigv4_summary(rows: list[Row]) -> str:
    """SigV4 verification against the token path: the same request with a presigned URL
    instead of a token (same anchor, so the difference is r2gate's Python alone)."""
    by_name = {row.name.split(" (")[0]: row.r2gate.median for row in rows}
    get = by_name["presigned GET 1 KB"] - by_name["token GET 1 KB"]
    put = by_name["presigned PUT 1 KB"] - by_name["token PUT 1 KB"]
    return (
        f"S3 SigV4 over the token path (r2gate CPU, presigned URL minus token, same request): "
        f"GET {get:+.2f} ms, PUT {put:+.2f} ms."
    )


def upload_token(prefix: str, op: str = "put") -> str:
    """A token for `prefix` (op put or get), signed HS256 as any backend would
    (docs/tokens.md)."""
    now = int(time.time())
    claims = {"aud": "r2gate", "iat": now, "exp": now + 86400, "op": op, "prefix": prefix}
    header = {"alg": "HS256", "typ": "JWT", "kid": "bench"}
    signing_input = ".".join(b64url(json.dumps(part).encode()) for part in (header, claims))
    mac = hmac.new(SIGNING_SECRET.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(mac)}"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def request(
    port: int, method: str, path: str, body: bytes | None = None
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body, {"Authorization": f"Bearer {API_KEY}"})
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status >= 300:
        raise SystemExit(f"bench: {method} {path} gave {response.status}")
    return response


def warm(port: int, key: str) -> None:
    """Read until the edge cache answers (it is filled in the background)."""
    for _ in range(100):
        if request(port, "GET", f"/{key}").getheader("x-cache") == "HIT":
            return
        time.sleep(0.1)
    raise SystemExit(f"bench: {key} never reached the edge cache")


@dataclass
class Load:
    name: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    python_ms: list[float]
    bytes_per_request: int

    def row(self) -> str:
        lat = sorted(self.latencies_ms)
        p50 = lat[len(lat) // 2]
        p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
        py = statistics.median(self.python_ms) if self.python_ms else float("nan")
        mbps = self.requests * self.bytes_per_request / self.seconds / 1e6
        return (
            f"| {self.name} | {self.requests / self.seconds:,.0f} | {p50:.1f} | {p99:.1f} "
            f"| {py:.2f} | {mbps:,.0f} |"
        )


def load(port: int, name: str, path: str, total: int, headers: dict[str, str]) -> Load:
    """`total` GETs of r2gate from CONCURRENCY keep-alive connections."""
    latencies: list[float] = []
    python: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))
    size = 0

    def worker() -> None:
        nonlocal size
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while True:
            with lock:
                if next(counter, None) is None:
                    break
            started = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                raise SystemExit(f"bench: unexpected {response.status} for {path}")
            match = TIMING.search(response.getheader("server-timing") or "")
            with lock:
                latencies.append(elapsed)
                size = len(body)
                if match:
                    python.append(float(match.group(1)))
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(CONCURRENCY)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return Load(name, total, time.perf_counter() - started, latencies, python, size)


def throughput(port: int, scale: float) -> list[Load]:
    n_small, n_large = int(600 * scale), int(40 * scale)
    load(port, "warm-up", "/", 50, {})
    return [
        load(port, "GET / (no R2, no cache)", "/", n_small, {}),
        load(port, "GET 1 KB from R2", f"/{SMALL}", n_small, BYPASS),
        load(port, "GET 1 KB from the edge cache", f"/{SMALL}", n_small, {}),
        load(port, "GET 10 MB from R2", f"/{LARGE}", n_large, BYPASS),
        load(port, "GET 10 MB from the edge cache", f"/{LARGE}", n_large, {}),
    ]


def cold_starts(times: int) -> list[float]:
    """Seconds from starting wrangler dev (r2gate alone) to its first 200."""
    seconds = []
    for _ in range(times):
        with tempfile.TemporaryDirectory() as state:
            started = time.perf_counter()
            server = start_wrangler_dev({"API_KEY": API_KEY}, Path(state))
            seconds.append(time.perf_counter() - started)
            server.stop()
    return seconds


def machine() -> str:
    cpu = "unknown CPU"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    versions = {
        name: json.loads((ROOT / "node_modules" / name / "package.json").read_text())["version"]
        for name in ("wrangler", "workerd")
    }
    return (
        f"{datetime.now(UTC):%Y-%m-%d}, {cpu}, {os.cpu_count()} cores, {platform.system()}; "
        f"wrangler {versions['wrangler']}, workerd {versions['workerd']}, "
        f"local Pyodide {pyodide_version()} (dev bundle)"
    )


def start_bench_server(state: Path) -> RunningServer:
    settings = {
        "API_KEY": API_KEY,
        "SIGNING_KEYS": json.dumps({"bench": SIGNING_SECRET}),
        "TOKEN_MAX_LIFETIME": "86400",
        "SERVER_TIMING": "on",
        "MAX_PUT_BYTES": str(uploads.LARGEST + 1),
        **s3.SETTINGS,
    }
    configs = tuple(f"--config={path}" for path in REFERENCES.values())
    return start_wrangler_dev(settings, state, extra_args=configs)


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    with tempfile.TemporaryDirectory() as state:
        server = start_bench_server(Path(state))
        try:
            assert server.worker_url is not None
            port = int(server.worker_url.rsplit(":", 1)[1])
            pid = server.workerd_pid()
            request(port, "PUT", f"/{SMALL}", secrets.token_bytes(1024))
            request(port, "PUT", f"/{LARGE}", secrets.token_bytes(10 * 1024 * 1024))
            warm(port, SMALL)
            warm(port, LARGE)
            rows, js_floor, python_floor = measure_cpu(port, pid, scale)
            loads = throughput(port, scale)
            upload_results = uploads.run(port, pid, API_KEY)
            upload_results += uploads.run_s3(port, pid)
        finally:
            server.stop()
    starts = cold_starts(3)
    lines = [
        f"workerd through wrangler dev; {machine()}.",
        "",
        f"CPU per request (median of {ROUNDS} interleaved rounds of sequential keep-alive "
        "requests; the workerd process that runs all four Workers):",
        "",
        *cpu_table(rows, js_floor, python_floor),
        "",
        sigv4_summary(rows),
        "",
        f"Cold start, starting wrangler dev to the first 200: "
        f"{statistics.median(starts):.1f} s (median of {', '.join(f'{s:.1f}' for s in starts)}).",
        "",
        f"r2gate reads, {CONCURRENCY} keep-alive connections:",
        "",
        "| scenario | req/s | p50 ms | p99 ms | Server-Timing py ms (median) | MB/s |",
        "|---|---|---|---|---|---|",
        *(result.row() for result in loads),
        "",
        "| upload | MB | MB/s (r2gate) | peak RSS above idle, r2gate, MB | same, JS anchor, MB |",
        "|---|---|---|---|---|",
        *(result.row() for result in upload_results),
    ]
    report = "\n".join(lines)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()

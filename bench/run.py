"""`make bench`: r2gate on the real workerd, measured against references in the same run.

One `wrangler dev` (local Pyodide dev bundle) serves five Workers in one workerd process with
one local R2 bucket: r2gate, the JS anchor (bench/anchor: the same R2 reads and writes done the
way a good JS Worker does them), the anchor's GET and PUT in plain Python (bench/anchor-python,
for the diagnostic rows), a minimal JS Worker and a minimal Python Worker (bench/floor-*).
Requests go straight to that workerd (Miniflare's entry socket; Miniflare's MF-Route-Override
header picks the Worker), not through wrangler's dev proxy, which production does not have.

CPU per request: the CPU time of that workerd process (its threads' run time from
/proc/<pid>/task/*/schedstat, in nanoseconds) over N sequential requests on one keep-alive
connection, divided by N; every scenario once per round, rounds interleaved. Python floor minus
JS floor is the unavoidable cost of entering Python for one request; the **Python excess** of a
row, (r2gate - anchor) - (Python floor - JS floor), is what r2gate's own Python costs beyond
that, on equal work: computed within each round (the four share that moment's load), its median
over the rounds is reported.

Also: throughput and latency from 4 keep-alive connections (reads), upload throughput with the
peak RSS of the workerd process (bench/uploads.py), and cold start (starting wrangler dev to the
first 200, r2gate alone; and from the memory snapshot production takes at deploy time).

BENCH_SCALE scales the request counts, BENCH_ROUNDS sets the rounds; BENCH_ROWS="GET 1 KB|HEAD"
measures only the rows whose names contain one of those parts; BENCH_RECHECK=0 skips measuring
again when a row is over its goal.
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
import subprocess
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

from bench import events, profile, s3, tus, uploads  # noqa: E402
from scripts.pyodide_bundle import pyodide_version  # noqa: E402
from tests.support.server import RunningServer, start_wrangler_dev  # noqa: E402

API_KEY = "bench-" + secrets.token_hex(16)
SIGNING_SECRET = secrets.token_urlsafe(48)
REFERENCES = {
    name: ROOT / "bench" / name / "wrangler.toml"
    for name in ("anchor", "anchor-python", "floor-js", "floor-python")
}
WORKER_NAMES = {
    "r2gate": "r2gate",
    "anchor": "bench-anchor",
    "anchor-python": "bench-anchor-python",
    "floor-js": "bench-floor-js",
    "floor-python": "bench-floor-python",
}
CONCURRENCY = 4
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "15"))  # each row's excess: median over rounds
TIMING = re.compile(r"py;dur=([0-9.]+)")
TICKS = os.sysconf("SC_CLK_TCK")
SMALL, LARGE = "bench/small.bin", "bench/large.bin"
BYPASS = {"Cache-Control": "no-cache"}  # r2gate skips the edge cache: R2 work, as the anchor


def cpu_seconds(pid: int) -> float:
    """CPU seconds the process has run: the sum of its threads' run time in nanoseconds
    (/proc/<pid>/task/*/schedstat, first field), else utime + stime (10 ms ticks)."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS  # utime, stime
    return total / 1e9


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

    def path_of(self, serial: int) -> str:
        return self.paths(serial) if self.paths else self.path.format(i=serial)

    def run(self, port: int, pid: int, count: int, serial: Callable[[], int]) -> float:
        """Send `count` requests; the CPU ms per request (also appended to `cpu_ms`)."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {**self.headers, "MF-Route-Override": WORKER_NAMES[self.worker]}
        paths = [self.path_of(serial()) for _ in range(count)]
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
        cpu_ms = (cpu_seconds(pid) - started) * 1000 / count
        self.cpu_ms.append(cpu_ms)
        conn.close()
        return cpu_ms

    @property
    def median(self) -> float:
        return statistics.median(self.cpu_ms)


@dataclass
class Row:
    """One row of the CPU table: r2gate's request and its reference, the JS anchor doing the
    same work (its Python excess is (r2gate - anchor) - (Python floor - JS floor)) or, with
    `vs_floor`, the minimal Python Worker (excess = r2gate - Python floor). `goal`: the most
    Python excess allowed (issue 10), per part with `parts`. Every round measures r2gate's
    block and its reference's right after it: `pairs` holds their CPU ms per request."""

    name: str
    r2gate: Scenario
    anchor: Scenario | None
    goal: float | None = None
    vs_floor: bool = False
    parts: int = 1
    pairs: list[tuple[float, float | None]] = field(default_factory=list)

    @property
    def ours(self) -> float:
        return statistics.median(pair[0] for pair in self.pairs)

    @property
    def reference(self) -> float | None:
        values = [pair[1] for pair in self.pairs if pair[1] is not None]
        return statistics.median(values) if values else None


MULTIPART_RANGE = "bytes=0-9,20-29,40-49"


def cpu_rows(
    etag: str, token: str, get_token: str, port: int
) -> tuple[list[Row], Scenario, Scenario]:
    small = b"s" * 1024
    put_headers = {"Content-Type": "application/octet-stream"}

    def pair(name: str, method: str, path: str, status: int, **headers: str) -> Row:
        """r2gate and the anchor, the same request, edge cache bypassed."""
        return Row(
            name,
            Scenario("r2gate", method, path, status, {**BYPASS, **headers}),
            Scenario("anchor", method, path, status, {**BYPASS, **headers}),
            goal=1.0,
        )

    anchor_put = Scenario("anchor", "PUT", "/bench/anchor-put/{i}", 201, put_headers, small)
    # the API-key PUT tells 201 from 200, so it reads first: the anchor too
    anchor_reporting_put = Scenario(
        "anchor", "PUT", "/bench/anchor-put/{i}?report", 201, put_headers, small
    )
    python_floor = Scenario("floor-python", "GET", "/", 200)
    anchor_get = Scenario("anchor", "GET", f"/{SMALL}", 200, dict(BYPASS))
    presigned_get = s3.presigned_path(port, "GET", SMALL)
    delete_path, delete_body, delete_headers = s3.delete_request(port, s3.LISTED_KEYS)
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
            goal=1.0,
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
        Row(
            "GET 1 KB from the edge cache",
            Scenario("r2gate", "GET", f"/{SMALL}", 200),
            Scenario("anchor", "GET", f"/{SMALL}", 200),
            goal=1.0,
        ),
        pair("HEAD 1 KB", "HEAD", f"/{SMALL}", 200),
        pair("GET with If-None-Match (304)", "GET", f"/{SMALL}", 304, **{"If-None-Match": etag}),
        pair("GET Range bytes=0-99 (206)", "GET", f"/{SMALL}", 206, Range="bytes=0-99"),
        pair("GET Range bytes=5000- (416)", "GET", f"/{SMALL}", 416, Range="bytes=5000-"),
        Row(
            f"GET Range {MULTIPART_RANGE} (206 multipart/byteranges, 3 parts)",
            Scenario("r2gate", "GET", f"/{SMALL}", 206, {**BYPASS, "Range": MULTIPART_RANGE}),
            Scenario("anchor", "GET", f"/{SMALL}", 206, {**BYPASS, "Range": MULTIPART_RANGE}),
            goal=1.0,
            parts=3,
        ),
        Row(
            "plain Python GET 1 KB (the JS anchor's GET in Python, bench/anchor-python)",
            Scenario("anchor-python", "GET", f"/{SMALL}", 200, dict(BYPASS)),
            anchor_get,
        ),
        Row(
            "plain Python GET Range bytes=0-99 (206)",
            Scenario("anchor-python", "GET", f"/{SMALL}", 206, {**BYPASS, "Range": "bytes=0-99"}),
            Scenario("anchor", "GET", f"/{SMALL}", 206, {**BYPASS, "Range": "bytes=0-99"}),
        ),
        Row(
            "token PUT 1 KB",
            Scenario(
                "r2gate", "PUT", f"/bench/token-put/{{i}}?token={token}", 201, put_headers, small
            ),
            anchor_put,
            goal=2.0,
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
            anchor_reporting_put,
            goal=2.0,
        ),
        Row(
            "plain Python PUT 1 KB (the JS anchor's PUT in Python, bench/anchor-python)",
            Scenario(
                "anchor-python", "PUT", "/bench/anchor-python-put/{i}", 201, put_headers, small
            ),
            anchor_put,
        ),
        Row(
            "plain Python PUT 1 KB with a token PUT's R2 options (content type, create-only)",
            Scenario(
                "anchor-python",
                "PUT",
                "/bench/anchor-python-put/{i}?options",
                201,
                put_headers,
                small,
            ),
            anchor_put,
        ),
        Row(
            "plain Python PUT 1 KB, a head first (as the API-key PUT)",
            Scenario(
                "anchor-python",
                "PUT",
                "/bench/anchor-python-put/{i}?report",
                201,
                put_headers,
                small,
            ),
            anchor_reporting_put,
        ),
        Row(
            f"S3 ListObjectsV2, {s3.LISTED_KEYS:,} keys (presigned)",
            Scenario("r2gate", "GET", s3.list_path(port), 200),
            Scenario("anchor", "GET", f"/?list={s3.LISTED}", 200),
        ),
        Row(
            f"S3 DeleteObjects, {s3.LISTED_KEYS:,} keys (presigned)",
            Scenario("r2gate", "POST", delete_path, 200, delete_headers, delete_body),
            Scenario("anchor", "POST", "/?delete", 200, delete_headers, delete_body),
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
            python_floor,
            goal=2.0,
            vs_floor=True,
        ),
    ]
    return rows, Scenario("floor-js", "GET", "/", 200), python_floor


def measure_cpu(
    port: int, pid: int, scale: float, rounds: int = ROUNDS
) -> tuple[list[Row], Scenario, Scenario]:
    etag = request(port, "HEAD", f"/{SMALL}").getheader("etag") or ""
    token = upload_token("bench/token-put/")
    get_token = upload_token("bench/", op="get")
    rows, js_floor, python_floor = cpu_rows(etag, token, get_token, port)
    chosen = os.environ.get("BENCH_ROWS")  # "|"-separated parts of row names: those rows only
    if chosen:
        rows = [row for row in rows if any(part in row.name for part in chosen.split("|"))]
    counter = iter(range(10**9))
    count = max(10, int(50 * scale))
    warmed: list[Scenario] = []
    for scenario in [s for row in rows for s in (row.r2gate, row.anchor) if s is not None]:
        if scenario not in warmed:  # the Python floor loads Pyodide on its first request
            scenario.run(port, pid, 20, lambda: next(counter))
            warmed.append(scenario)
    for floor in (js_floor, python_floor):
        floor.run(port, pid, 20, lambda: next(counter))
        floor.cpu_ms.clear()

    def one_round() -> None:
        for row in rows:  # r2gate, then its reference at once: both see the same load
            ours = row.r2gate.run(port, pid, count, lambda: next(counter))
            reference = (
                None
                if row.anchor is None
                else row.anchor.run(port, pid, count, lambda: next(counter))
            )
            row.pairs.append((ours, reference))
        js_floor.run(port, pid, count, lambda: next(counter))
        python_floor.run(port, pid, count, lambda: next(counter))

    for _ in range(rounds):
        one_round()
    recheck = os.environ.get("BENCH_RECHECK", "1") != "0"
    if recheck and over_goal(rows, js_floor, python_floor):  # noise or a regression: again
        print(f"bench: a row is over its goal after {rounds} rounds; {rounds} more", flush=True)
        for _ in range(rounds):
            one_round()
    return rows, js_floor, python_floor


def floor_gap(js_floor: Scenario, python_floor: Scenario) -> float:
    """What entering Python costs one request: the medians of the floors over all rounds."""
    return python_floor.median - js_floor.median


def excesses(row: Row, js_floor: Scenario, python_floor: Scenario) -> list[float]:
    """The row's Python excess in ms (per part for multipart rows) in each round, from the
    pair measured back to back in that round."""
    if row.anchor is None:
        return []
    if row.vs_floor:
        return [ours - ref for ours, ref in row.pairs if ref is not None]
    gap = floor_gap(js_floor, python_floor)
    return [((ours - ref) - gap) / row.parts for ours, ref in row.pairs if ref is not None]


def excess(row: Row, js_floor: Scenario, python_floor: Scenario) -> float | None:
    """The median of the row's per-round Python excess, None without a reference."""
    values = excesses(row, js_floor, python_floor)
    return statistics.median(values) if values else None


def fail_over_goal(rows: list[Row], js_floor: Scenario, python_floor: Scenario) -> None:
    """`make bench` fails when a row's Python excess is over its goal (a regression guard)."""
    over = over_goal(rows, js_floor, python_floor)
    if over:
        names = "; ".join(row.name for row in over)
        raise SystemExit(f"bench: Python excess over the goal of issue 10: {names}")


def over_goal(rows: list[Row], js_floor: Scenario, python_floor: Scenario) -> list[Row]:
    return [
        row
        for row in rows
        if row.goal is not None and (excess(row, js_floor, python_floor) or 0) > row.goal
    ]


def cpu_table(rows: list[Row], js_floor: Scenario, python_floor: Scenario) -> list[str]:
    lines = [
        "| request | r2gate CPU ms | reference CPU ms | r2gate / reference | Python excess ms "
        "| goal (issue 10) | excess, middle half of the rounds |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ours = row.ours
        values = sorted(excesses(row, js_floor, python_floor))
        quarter = len(values) // 4
        spread = f"{values[quarter]:+.2f}..{values[-1 - quarter]:+.2f}" if values else ""
        value = excess(row, js_floor, python_floor)
        if row.anchor is None or value is None:
            lines.append(f"| {row.name} | {ours:.2f} | | | | | {spread} |")
            continue
        reference = row.reference or float("nan")
        kind = "Python floor" if row.vs_floor else "JS anchor"
        per = " per part" if row.parts > 1 else ""
        goal = (
            ""
            if row.goal is None
            else f"<= {row.goal:.1f}{per}: " + ("met" if value <= row.goal else "NOT MET")
        )
        lines.append(
            f"| {row.name} | {ours:.2f} | {reference:.2f} ({kind}) | {ours / reference:.1f}x "
            f"| {value:+.2f}{per} | {goal} | {spread} |"
        )
    lines += [
        f"| minimal JS Worker (JS floor) | | {js_floor.median:.2f} | | | | |",
        f"| minimal Python Worker (Python floor) | {python_floor.median:.2f} | | | | | |",
    ]
    return lines


def sigv4_summary(rows: list[Row]) -> str:
    """SigV4 verification against the token path: the same request with a presigned URL
    instead of a token (same anchor, so the difference is r2gate's Python alone)."""
    by_name = {row.name.split(" (")[0]: row.ours for row in rows}
    if not {"presigned GET 1 KB", "token GET 1 KB", "presigned PUT 1 KB"} <= set(by_name):
        return ""
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


@dataclass
class ColdStart:
    """Starting wrangler dev with one Worker to its first 200: seconds, and the CPU seconds of
    the workerd process by then (Pyodide's start, the Worker's imports, one request)."""

    seconds: float
    cpu_seconds: float


DEDICATED_SNAPSHOT = ("--compatibility-flag", "python_dedicated_snapshot")


def cold_start(config: Path | None, workerd_args: tuple[str, ...] = ()) -> ColdStart:
    """Start `config` (None: r2gate) alone; with `workerd_args`, with the deploy snapshot's
    compatibility flag and those workerd options (see cold_starts_from_snapshot)."""
    extra = DEDICATED_SNAPSHOT if workerd_args else ()
    with tempfile.TemporaryDirectory() as state:
        started = time.perf_counter()
        if config is None:
            server = start_wrangler_dev(
                {"API_KEY": API_KEY}, Path(state), extra_args=extra, workerd_args=workerd_args
            )
        else:
            server = start_wrangler_dev(
                {}, Path(state), config=config, extra_args=extra, workerd_args=workerd_args
            )
        try:
            return ColdStart(time.perf_counter() - started, cpu_seconds(server.workerd_pid()))
        finally:
            server.stop()


def cold_starts(times: int) -> tuple[list[ColdStart], list[ColdStart]]:
    """r2gate's cold starts and the Python floor's, interleaved: the difference in CPU is what
    r2gate's imports (and its first request) cost beyond starting Python."""
    ours, floors = [], []
    for _ in range(times):
        ours.append(cold_start(None))
        floors.append(cold_start(REFERENCES["floor-python"]))
    return ours, floors


def cold_starts_from_snapshot(times: int) -> tuple[list[ColdStart], list[ColdStart]]:
    """As production starts an isolate: from the memory snapshot taken after the top level ran
    (python_dedicated_snapshot; tests/local/test_memory_snapshot.py). Each Worker's snapshot is
    saved once (not timed), then it is started from it `times` times, interleaved."""
    with tempfile.TemporaryDirectory() as directory:
        options: dict[str, tuple[str, ...]] = {}
        for name, config in (("r2gate", None), ("floor", REFERENCES["floor-python"])):
            saved = Path(directory) / name
            saved.mkdir()
            where = f"--python-snapshot-dir={saved}"
            cold_start(config, ("--python-save-snapshot", where))
            options[name] = ("--python-load-snapshot=snapshot.bin", where)
        ours, floors = [], []
        for _ in range(times):
            ours.append(cold_start(None, options["r2gate"]))
            floors.append(cold_start(REFERENCES["floor-python"], options["floor"]))
    return ours, floors


def cold_start_line(
    ours: list[ColdStart],
    floors: list[ColdStart],
    how: str = "starting wrangler dev",
    what: str = "r2gate's imports and first request",
) -> str:
    wall = statistics.median(start.seconds for start in ours)
    cpu = statistics.median(start.cpu_seconds for start in ours)
    floor_cpu = statistics.median(start.cpu_seconds for start in floors)
    return (
        f"Cold start, {how} to the first 200 (median of {len(ours)}): "
        f"{wall:.1f} s; workerd CPU {cpu:.2f} s, the Python floor's {floor_cpu:.2f} s: "
        f"{what} {(cpu - floor_cpu) * 1000:+.0f} ms of CPU."
    )


SNAPSHOT_START = (
    "starting wrangler dev from the deploy-time memory snapshot, as production does,",
    "r2gate's larger restored memory and first request (its imports are in the snapshot)",
)


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


def tus_table() -> list[str]:
    """`python bench/run.py tus`: the tus rows alone (bench/tus.py)."""
    with tempfile.TemporaryDirectory() as state:
        server = start_bench_server(Path(state))
        try:
            assert server.worker_url is not None
            port = int(server.worker_url.rsplit(":", 1)[1])
            rows = tus.run(port, server.workerd_pid(), API_KEY)
        finally:
            server.stop()
    return [*tus.HEADER, *(row.row() for row in rows)]


def start_bench_server(state: Path) -> RunningServer:
    """r2gate (with the Queue producer and no consumer: bench/events.py says why) and the
    reference Workers."""
    configs = tuple(f"--config={path}" for path in REFERENCES.values())
    config = events.variant_path("producer")
    return start_wrangler_dev(bench_settings(), state, config=config, extra_args=configs)


def bench_settings() -> dict[str, str]:
    return {
        "API_KEY": API_KEY,
        "SIGNING_KEYS": json.dumps({"bench": SIGNING_SECRET}),
        "TOKEN_MAX_LIFETIME": "86400",
        "SERVER_TIMING": "on",
        "MAX_PUT_BYTES": str(uploads.LARGEST + 1),
        **s3.SETTINGS,
    }


def prepare_probe(port: int) -> None:
    """The probe's bucket and edge cache hold what the CPU rows read."""
    request(port, "PUT", f"/{SMALL}", b"s" * 1024)
    warm(port, SMALL)


def probed_requests(port: int) -> list[profile.Request]:
    """The r2gate requests of the CPU table, sent to the probe (no MF-Route-Override) on
    `port` (presigned URLs are signed for it)."""
    etag = f'"{hashlib.md5(b"s" * 1024).hexdigest()}"'  # noqa: S324 (R2's etag of SMALL)
    tokens = upload_token("bench/token-put/"), upload_token("bench/", op="get")
    rows, _, _ = cpu_rows(etag, *tokens, port)
    return [
        profile.Request(row.name, s.method, s.path, s.status, s.headers, s.body, s.paths)
        for row in rows
        for s in (row.r2gate,)
        if s.worker == "r2gate"  # not the plain Python rows
    ]


def crossings() -> list[str]:
    return profile.crossing_table(probed_requests, bench_settings(), prepare_probe)


PROFILED_READS = 40  # handler calls per probe request
PROFILED_PHASES = (
    ("nothing", 1000),
    ("getattr_js", 1000),
    ("header_get_js", 1000),
    ("incoming", 300),
    ("sdk_headers", 300),
    ("env_settings_sdk", 300),
    ("env_bucket_sdk", 300),
    ("object_info_sdk", 300),
    ("response_sdk", 300),
    ("response_js_to_js", 300),
    ("reply_to_js", 300),
    ("json_response", 300),
    ("array_of", 300),
    ("promise_resolve", 300),
    ("await_js_promise", 300),
    ("run_sync_js_promise", 300),
    ("then_callback", 300),
    ("asyncio_sleep0", 300),
    ("schedule_callback", 300),
    ("queue_microtask", 300),
    ("r2_head_sdk", 50),
    ("r2_head_raw", 50),
    ("r2_get_sdk", 50),
    ("r2_get_raw", 50),
)


def profiled() -> list[str]:
    def measured(port: int) -> list[tuple[profile.Request, int]]:
        reads = [
            r
            for r in probed_requests(port)
            if r.method in ("GET", "HEAD") and "{i}" not in r.path and r.paths is None
        ]
        chosen = [(r, PROFILED_READS) for r in reads]
        if os.environ.get("BENCH_PHASES"):  # "a,b": only those steps, 300 calls each
            names = os.environ["BENCH_PHASES"].split(",")
            return [(profile.phase_request(name), 300) for name in names]
        return chosen + [(profile.phase_request(name), calls) for name, calls in PROFILED_PHASES]

    return profile.profile_table(bench_settings(), prepare_probe, cpu_seconds, measured)


def cprofile(case: str) -> str:
    """cProfile of r2gate's dispatch in Node's Pyodide (bench/cprofile)."""
    node = ROOT / "node_modules" / ".bin" / "node"
    harness = ROOT / "bench" / "cprofile"
    environment = {
        **os.environ,
        "R2GATE_SRC": str(ROOT / "src"),
        "R2GATE_CODE": (harness / "dispatch.py").read_text(),
        "R2GATE_CASE": case,
    }
    done = subprocess.run(
        [str(node), str(harness / "harness.mjs")],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    only = sys.argv[1] if len(sys.argv) > 1 else None  # cpu, cold, crossings, profile, cprofile
    if only == "cold":
        print(cold_start_line(*cold_starts(3)))
        print(cold_start_line(*cold_starts_from_snapshot(3), *SNAPSHOT_START))
        return
    if only == "crossings":
        print("\n".join(crossings()))
        return
    if only == "profile":
        print("\n".join(profiled()))
        return
    if only == "events":
        print("\n".join(events.measure()))
        return
    if only == "cprofile":  # python bench/run.py cprofile [root|get|head|range]
        print(cprofile(sys.argv[2] if len(sys.argv) > 2 else "get"))
        return
    if only == "tus":
        print("\n".join(tus_table()))
        return
    cpu_only = only == "cpu"
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
            for i in range(s3.LISTED_KEYS):
                request(port, "PUT", f"/{s3.LISTED}{i:04d}", b"x")
            rows, js_floor, python_floor = measure_cpu(port, pid, scale)
            if cpu_only:
                print("\n".join(cpu_table(rows, js_floor, python_floor)))
                fail_over_goal(rows, js_floor, python_floor)
                return
            loads = throughput(port, scale)
            upload_results = uploads.run(port, pid, API_KEY)
            upload_results += uploads.run_s3(port, pid)
            tus_rows = tus.run(port, pid, API_KEY)
        finally:
            server.stop()
    ours, floors = cold_starts(3)
    from_snapshot = cold_starts_from_snapshot(3)
    event_lines = events.measure()
    lines = [
        f"workerd through wrangler dev; {machine()}.",
        "",
        f"CPU per request (the median of {len(rows[0].pairs)} interleaved rounds of sequential "
        "keep-alive requests; the workerd process that runs all five Workers; Python excess is "
        "the median of the per-round excesses):",
        "",
        *cpu_table(rows, js_floor, python_floor),
        "",
        sigv4_summary(rows),
        "",
        cold_start_line(ours, floors),
        cold_start_line(*from_snapshot, *SNAPSHOT_START),
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
        "",
        *tus.HEADER,
        *(row.row() for row in tus_rows),
        "",
        *event_lines,
    ]
    report = "\n".join(lines)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()

"""`make bench`: read-path throughput and latency against the offline runtime.

Starts the runtime on a free port with a throw-away bucket, stores a 1 KB and a 10 MB object,
then for each scenario sends a fixed number of GETs from a few keep-alive connections and
reports requests/s, p50/p99 latency and the time spent inside the Python handler (the
Worker's own `Server-Timing: py;dur=` measurement). The baseline row is `GET /`, a response
that touches neither R2 nor the cache: the fixed cost of the runtime, Pyodide and routing.
"""

from __future__ import annotations

import http.client
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
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import uploads  # noqa: E402
from tests.support.server import start_runtime  # noqa: E402

API_KEY = "bench-" + secrets.token_hex(16)
CONCURRENCY = 4
TIMING = re.compile(r"py;dur=([0-9.]+)")


@dataclass
class Result:
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


def load(port: int, path: str, total: int, headers: dict[str, str], expect: bytes | None) -> Result:
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
            if response.status != 200 or (expect is not None and body != expect):
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
    return Result(path, total, time.perf_counter() - started, latencies, python, size)


def put(port: int, key: str, data: bytes) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request("PUT", f"/{key}", body=data, headers={"Authorization": f"Bearer {API_KEY}"})
    response = conn.getresponse()
    response.read()
    if response.status not in (200, 201):
        raise SystemExit(f"bench: PUT {key} failed with {response.status}")


def warm(port: int, key: str) -> None:
    """Read until the edge cache answers (it is filled in the background)."""
    for _ in range(100):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        conn.request("GET", f"/{key}")
        response = conn.getresponse()
        response.read()
        if response.getheader("x-cache") == "HIT":
            return
        time.sleep(0.1)
    raise SystemExit(f"bench: {key} never reached the edge cache")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = subprocess.run(
        [str(ROOT / "node_modules/.bin/node"), "--version"], capture_output=True, text=True
    ).stdout.strip()
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()}, Node {node}"


def main() -> None:
    scale = float(os.environ.get("BENCH_SCALE", "1"))
    with tempfile.TemporaryDirectory() as state:
        server = start_runtime(
            ROOT / "wrangler.toml",
            Path(state),
            {"API_KEY": API_KEY, "SERVER_TIMING": "on"},
            ("--quiet",),
        )
        port = int(server.url.rsplit(":", 1)[1])
        try:
            small, large = secrets.token_bytes(1024), secrets.token_bytes(10 * 1024 * 1024)
            put(port, "bench/small.bin", small)
            put(port, "bench/large.bin", large)
            warm(port, "bench/small.bin")
            warm(port, "bench/large.bin")
            bypass = {"Cache-Control": "no-cache"}
            n_small, n_large = int(600 * scale), int(40 * scale)
            load(port, "/", 50, {}, None)  # warm-up
            results = [
                load(port, "/", n_small, {}, None),
                load(port, "/bench/small.bin", n_small, bypass, small),
                load(port, "/bench/small.bin", n_small, {}, small),
                load(port, "/bench/large.bin", n_large, bypass, large),
                load(port, "/bench/large.bin", n_large, {}, large),
            ]
            assert server.process is not None
            upload_results = uploads.run(port, server.process.pid, API_KEY)
        finally:
            server.stop()
    names = [
        "GET / (baseline: no R2, no cache)",
        "GET 1 KB from R2",
        "GET 1 KB from edge cache",
        "GET 10 MB from R2",
        "GET 10 MB from edge cache",
    ]
    lines = [
        f"Offline runtime, {CONCURRENCY} keep-alive connections; {machine()}.",
        "",
        "| scenario | req/s | p50 ms | p99 ms | Python ms/request (median) | MB/s |",
        "|---|---|---|---|---|---|",
    ]
    for name, result in zip(names, results, strict=True):
        result.name = name
        lines.append(result.row())
    lines += [
        "",
        "| upload | MB | MB/s | peak RSS of the Worker process above idle, MB |",
        "|---|---|---|---|",
        *(result.row() for result in upload_results),
    ]
    report = "\n".join(lines)
    out = ROOT / "bench" / "results"
    out.mkdir(exist_ok=True)
    (out / "latest.md").write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()

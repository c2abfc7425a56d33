"""What r2gate's requests cost, seen from inside: the probe (bench/probe) on workerd.

- `crossing_table`: for each request of the CPU table, the calls from Python into JS during
  r2gate's handling (on the counting Pyodide bundle) and the R2 and edge cache operations.
  Exact counts, unlike CPU: they show what a change removed.
- `profile_table` (`python bench/run.py profile`): the CPU of one call of r2gate's handler
  per request type, of single steps of a request and of the FFI's unit operations
  (bench/probe/phases.py), each run N times inside one request with real objects; CPU per
  call = (CPU of the request with N calls - with 1 call) / (N - 1), median of interleaved
  rounds.
"""

from __future__ import annotations

import http.client
import statistics
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.support.probe import start_probe
from tests.support.server import RunningServer

PHASE_ROUNDS = 5


@dataclass(frozen=True)
class Probed:
    """One request as the probe saw it."""

    status: int
    crossings: int | None
    r2: str
    cache: str


def probe_port(server: RunningServer) -> int:
    assert server.worker_url is not None
    return int(server.worker_url.rsplit(":", 1)[1])


def probe(
    port: int, method: str, path: str, headers: Mapping[str, str], body: bytes | None = None
) -> Probed:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    conn.request(method, path, body, dict(headers))
    response = conn.getresponse()
    response.read()
    conn.close()
    crossings = response.getheader("x-probe-crossings")
    return Probed(
        response.status,
        None if crossings is None else int(crossings),
        response.getheader("x-probe-r2") or "?",
        response.getheader("x-probe-cache") or "?",
    )


@dataclass(frozen=True)
class Request:
    """A request of the CPU table; `path` may use {i} (a fresh key per request), or `paths`
    makes the path for each (presigned URLs)."""

    name: str
    method: str
    path: str
    status: int
    headers: Mapping[str, str]
    body: bytes | None
    paths: Callable[[int], str] | None = None

    def path_of(self, serial: int) -> str:
        return self.paths(serial) if self.paths else self.path.format(i=serial)


def crossing_table(
    requests_for: Callable[[int], Sequence[Request]],
    settings: Mapping[str, str],
    prepare: Callable[[int], None],
    repeats: int = 3,
) -> list[str]:
    """Crossings, R2 and cache operations per request: the median of `repeats` requests (the
    first, which parses the settings, is not counted)."""
    lines = [
        "| request | crossings (Python -> JS calls) | R2 calls | edge cache operations |",
        "|---|---|---|---|",
    ]
    serial = iter(range(10**9))
    with tempfile.TemporaryDirectory() as state:
        server = start_probe(settings, Path(state), counting=True)
        try:
            port = probe_port(server)
            prepare(port)
            for request in requests_for(port):
                seen: list[Probed] = []
                for _ in range(repeats + 1):
                    path = request.path_of(next(serial))
                    seen.append(probe(port, request.method, path, request.headers, request.body))
                last = seen[-1]
                if any(p.status != request.status for p in seen):
                    raise SystemExit(f"bench: probe {request.name} gave {[p.status for p in seen]}")
                counts = [p.crossings for p in seen[1:] if p.crossings is not None]
                crossings = f"{statistics.median(counts):.0f}" if counts else "?"
                lines.append(f"| {request.name} | {crossings} | {last.r2} | {last.cache} |")
        finally:
            server.stop()
    return lines


def repeated_cpu_us(
    port: int, pid: int, cpu_seconds: Callable[[int], float], request: Request, calls: int
) -> float:
    """CPU microseconds of one of `calls` repetitions inside one probe request (one round)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def run(repeat: int, times: int) -> float:
        started = cpu_seconds(pid)
        for _ in range(times):
            headers = {**request.headers, "X-Probe-Repeat": str(repeat)}
            conn.request(request.method, request.path, request.body, headers)
            response = conn.getresponse()
            response.read()
            if response.status != request.status:
                raise SystemExit(f"bench: probe {request.name} gave {response.status}")
        return cpu_seconds(pid) - started

    run(2, 2)  # warm-up
    many, one = run(calls, 3), run(1, 3)
    conn.close()
    return (many - one) * 1e6 / (3 * (calls - 1))


def phase_request(name: str) -> Request:
    return Request(name, "GET", "/", 200, {"X-Probe-Phase": name}, None)


def profile_table(
    settings: Mapping[str, str],
    prepare: Callable[[int], None],
    cpu_seconds: Callable[[int], float],
    measured_for: Callable[[int], Sequence[tuple[Request, int]]],
) -> list[str]:
    """CPU per call of each (request or phase, calls per probe request): the median and the
    spread of PHASE_ROUNDS interleaved rounds."""
    results: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as state:
        server = start_probe(settings, Path(state), counting=False)
        try:
            port, pid = probe_port(server), server.workerd_pid()
            prepare(port)
            measured = measured_for(port)
            results = {request.name: [] for request, _ in measured}
            for _ in range(PHASE_ROUNDS):
                for request, calls in measured:
                    cpu = repeated_cpu_us(port, pid, cpu_seconds, request, calls)
                    results[request.name].append(cpu)
        finally:
            server.stop()
    lines = ["| step | CPU us per call (median) | spread |", "|---|---|---|"]
    for name, values in results.items():
        lines.append(
            f"| {name} | {statistics.median(values):.0f} | {min(values):.0f}..{max(values):.0f} |"
        )
    return lines

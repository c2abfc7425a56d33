"""What each kind of request costs r2gate on workerd, counted, not timed: its R2 calls and
edge cache operations, exactly, and its calls from Python into JS (crossings), within a budget.

The requests are `make bench`'s (bench/run.py), sent to the probe (bench/probe: r2gate behind
counters) on the Pyodide bundle that counts crossings. A change that adds an R2 round trip,
a second read of what one read answers, or a crossing per header fails here; `make bench`
times them. The budgets are the counts of docs/performance.md with about 15% of room.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.profile import Probed, Request, probe, probe_port
from bench.run import bench_settings, prepare_probe, probed_requests
from tests.support.probe import start_probe

# request name (the start of a bench row's name): R2 calls, cache operations, most crossings
BUDGETS = {
    "GET / (no R2)": ("none", "none", 170),
    "GET 1 KB from R2": ("get=1", "none", 300),
    "token GET 1 KB": ("get=1", "none", 300),
    "presigned GET 1 KB": ("get=1", "none", 310),
    "GET 1 KB from the edge cache": ("none", "lookup=1", 320),
    "HEAD 1 KB": ("head=1", "none", 280),
    "GET with If-None-Match (304)": ("get=1", "none", 300),
    "GET Range bytes=0-99 (206)": ("get=1", "none", 380),
    "GET Range bytes=5000- (416)": ("get=1", "none", 320),
    "GET Range bytes=0-9,20-29,40-49": ("get=3,head=1", "none", 1420),
    "token PUT 1 KB": ("put=1", "evict=1", 460),
    "presigned PUT 1 KB": ("put=1", "evict=1", 400),
    "API-key PUT 1 KB": ("head=1,put=1", "evict=1", 480),
    "POST /api/v1/uploads": ("none", "none", 240),
    "S3 ListObjectsV2, 1,000 keys": ("list=1", "none", 350),
    # 934 crossings before upload events; its 1,000 object.deleted events take ~2,100 more
    "S3 DeleteObjects, 1,000 keys": ("delete=1", "evict=1000", 3500),
}


@pytest.fixture(scope="module")
def probe_server() -> Iterator[int]:
    with tempfile.TemporaryDirectory() as state:
        server = start_probe(bench_settings(), Path(state), counting=True)
        try:
            port = probe_port(server)
            prepare_probe(port)
            yield port
        finally:
            server.stop()


def budget(request: Request) -> tuple[str, str, int]:
    (found,) = [costs for name, costs in BUDGETS.items() if request.name.startswith(name)]
    return found


def test_every_request_of_the_bench_has_a_budget(probe_server: int) -> None:
    for request in probed_requests(probe_server):
        budget(request)


@pytest.mark.parametrize("name", sorted(BUDGETS))
def test_a_request_costs_no_more_than_its_budget(probe_server: int, name: str) -> None:
    (request,) = [r for r in probed_requests(probe_server) if r.name.startswith(name)]
    r2, cache, crossings = budget(request)
    seen: list[Probed] = []
    for serial in range(3):  # the first of a kind may set up what the others reuse
        path = request.path_of(10_000 + serial)
        seen.append(probe(probe_server, request.method, path, request.headers, request.body))
    last = seen[-1]
    assert last.status == request.status
    assert (last.r2, last.cache) == (r2, cache)
    assert last.crossings is not None, "the probe is not on the counting bundle"
    assert last.crossings <= crossings, f"{last.crossings} crossings, budget {crossings}"

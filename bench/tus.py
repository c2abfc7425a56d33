"""tus uploads against r2gate's own multipart upload (part of `make bench`, or alone with
`python bench/run.py tus`).

One 64 MiB file sent as tus PATCHes of 5 MiB (the upload's part size: each PATCH is one R2
part, through the upload's Durable Object), and the same file as r2gate's own multipart upload
in 5 MiB parts (the Worker alone): the CPU of the workerd process per MiB (its threads'
schedstat, which includes Miniflare's local R2 in the same process), and MB/s. Then a 1 GiB
tus upload in 5 MiB PATCHes for the peak resident memory above idle: the Durable Object holds
about one part at a time, whatever the size.
"""

from __future__ import annotations

import base64
import http.client
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from bench.uploads import peak_rss_during, random_chunks, request

MIB = 1024 * 1024
PART = 5 * MIB
SMALL = 64 * MIB
LARGE = 1024 * MIB


@dataclass
class TusRow:
    name: str
    size: int
    seconds: float
    cpu_seconds: float | None = None
    rss_peak_mb: float | None = None

    def row(self) -> str:
        cpu = (
            "" if self.cpu_seconds is None else f"{self.cpu_seconds * 1000 / (self.size / MIB):.1f}"
        )
        rss = "" if self.rss_peak_mb is None else f"{self.rss_peak_mb:,.1f}"
        mbps = self.size / self.seconds / 1e6
        return f"| {self.name} | {self.size // MIB:,} | {cpu} | {mbps:,.1f} | {rss} |"


HEADER = [
    "| upload | MiB | workerd CPU ms per MiB | MB/s | peak RSS above idle, MB |",
    "|---|---|---|---|---|",
]


def _send(
    port: int, method: str, path: str, headers: dict[str, str], size: int
) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest(method, path)
    for name, value in {**headers, "Content-Length": str(size)}.items():
        conn.putheader(name, value)
    conn.endheaders()
    for piece in random_chunks(size):
        conn.send(piece)
    response = conn.getresponse()
    response.read()
    conn.close()
    if response.status >= 300:
        raise SystemExit(f"bench: tus {method} {path} -> {response.status}")
    return response


def tus_put(port: int, api_key: str, key: str, size: int, patch: int = PART) -> None:
    """One tus upload of `size` bytes in PATCHes of `patch` bytes."""
    tus = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {api_key}"}
    meta = "key " + base64.b64encode(key.encode()).decode()
    created = _send(
        port, "POST", "/api/v1/tus", {**tus, "Upload-Length": str(size), "Upload-Metadata": meta}, 0
    )
    path = urlsplit(created.getheader("Location") or "").path
    offset = 0
    while offset < size:
        piece = min(patch, size - offset)
        headers = {
            **tus,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        _send(port, "PATCH", path, headers, piece)
        offset += piece


def multipart_put(port: int, api_key: str, key: str, size: int) -> None:
    """r2gate's own multipart upload of `size` bytes in 5 MiB parts."""
    created = request(
        port, "POST", f"/{key}?uploads", api_key, body=json.dumps({"part_size": PART}).encode()
    )
    upload_id = created["upload_id"]
    parts, number, offset = [], 1, 0
    while offset < size:
        piece = min(PART, size - offset)
        path = f"/{key}?uploadId={upload_id}&partNumber={number}"
        sent = request(port, "PUT", path, api_key, size=piece)
        parts.append({"part_number": number, "etag": sent["etag"]})
        number, offset = number + 1, offset + piece
    body = json.dumps({"parts": parts}).encode()
    request(port, "POST", f"/{key}?uploadId={upload_id}", api_key, body=body)


def _cpu_and_time(pid: int, work: Callable[[], None]) -> tuple[float, float]:
    from bench.run import cpu_seconds

    cpu, started = cpu_seconds(pid), time.perf_counter()
    work()
    return cpu_seconds(pid) - cpu, time.perf_counter() - started


def run(port: int, pid: int, api_key: str, rounds: int = 3) -> list[TusRow]:
    """The median of `rounds` runs of each 64 MiB upload (interleaved), then one 1 GiB tus
    upload for memory."""
    tus_runs, mpu_runs = [], []
    for round_ in range(rounds):
        tus_runs.append(
            _cpu_and_time(pid, lambda r=round_: tus_put(port, api_key, f"bench/tus-{r}.bin", SMALL))
        )
        mpu_runs.append(
            _cpu_and_time(
                pid, lambda r=round_: multipart_put(port, api_key, f"bench/mpu5-{r}.bin", SMALL)
            )
        )

    def median(runs: list[tuple[float, float]]) -> tuple[float, float]:
        ordered = sorted(runs)
        return ordered[len(ordered) // 2]

    tus_cpu, tus_seconds = median(tus_runs)
    mpu_cpu, mpu_seconds = median(mpu_runs)
    seconds, peak = peak_rss_during(pid, lambda: tus_put(port, api_key, "bench/tus-1g.bin", LARGE))
    return [
        TusRow("tus 64 MiB, 5 MiB PATCHes", SMALL, tus_seconds, tus_cpu),
        TusRow("r2gate multipart 64 MiB, 5 MiB parts", SMALL, mpu_seconds, mpu_cpu),
        TusRow("tus 1 GiB, 5 MiB PATCHes", LARGE, seconds, None, peak),
    ]

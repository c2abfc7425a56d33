"""Upload throughput and the workerd process's memory during uploads (part of `make bench`).

Single PUTs of 10 MB, 200 MB and 1 GB (through r2gate, then the same through the JS anchor),
and multipart uploads of 200 MB and 1 GB in 8 MiB parts. While each upload runs, the resident
memory (VmRSS) of the workerd process that runs the Workers (and Miniflare's local R2) is
sampled every 20 ms; the table reports its peak above the idle level measured just before.
Bodies stream through the Worker, so the peak must stay flat as the size grows. (A 1 GB single
PUT is over every plan's request limit in production; the bench server raises MAX_PUT_BYTES to
show that memory does not depend on the size.)
"""

from __future__ import annotations

import http.client
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1024 * 1024
PART_SIZE = 8 * 1024 * 1024


@dataclass
class UploadResult:
    name: str
    size: int
    seconds: float
    rss_peak_mb: float
    anchor_rss_peak_mb: float | None = None

    def row(self) -> str:
        anchor = "" if self.anchor_rss_peak_mb is None else f"{self.anchor_rss_peak_mb:,.1f}"
        return (
            f"| {self.name} | {self.size / 1e6:,.0f} | {self.size / self.seconds / 1e6:,.1f} "
            f"| {self.rss_peak_mb:,.1f} | {anchor} |"
        )


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_during(pid: int, work: Callable[[], None]) -> tuple[float, float]:
    """Run `work`; return (seconds, peak RSS above the idle level in MB)."""
    idle = rss_mb(pid)
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_mb(pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample)
    sampler.start()
    started = time.perf_counter()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return time.perf_counter() - started, peak - idle


def random_chunks(size: int) -> Iterator[bytes]:
    block = secrets.token_bytes(CHUNK)
    sent = 0
    while sent < size:
        piece = block[: min(CHUNK, size - sent)]
        sent += len(piece)
        yield piece


def request(
    port: int,
    method: str,
    path: str,
    api_key: str,
    size: int | None = None,
    body: bytes | None = None,
    worker: str | None = None,
) -> dict:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest(method, path)
    conn.putheader("Authorization", f"Bearer {api_key}")
    if worker is not None:  # another Worker in the same workerd (Miniflare's routing header)
        conn.putheader("MF-Route-Override", worker)
    length = size if size is not None else len(body or b"")
    conn.putheader("Content-Length", str(length))
    if body is not None:
        conn.putheader("Content-Type", "application/json")
    conn.endheaders()
    if size is not None:
        for piece in random_chunks(size):
            conn.send(piece)
    elif body:
        conn.send(body)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status >= 300:
        raise SystemExit(f"bench: {method} {path} -> {response.status} {data[:200]!r}")
    return json.loads(data) if data else {}


def single_put(port: int, api_key: str, key: str, size: int, worker: str | None = None) -> None:
    request(port, "PUT", f"/{key}", api_key, size=size, worker=worker)


def multipart_put(port: int, api_key: str, key: str, size: int) -> None:
    created = request(
        port, "POST", f"/{key}?uploads", api_key, body=json.dumps({"part_size": PART_SIZE}).encode()
    )
    upload_id = created["upload_id"]
    parts = []
    number, remaining = 1, size
    while remaining > 0:
        part = min(PART_SIZE, remaining)
        sent = request(
            port, "PUT", f"/{key}?uploadId={upload_id}&partNumber={number}", api_key, size=part
        )
        parts.append({"part_number": number, "etag": sent["etag"]})
        number, remaining = number + 1, remaining - part
    request(
        port,
        "POST",
        f"/{key}?uploadId={upload_id}",
        api_key,
        body=json.dumps({"parts": parts}).encode(),
    )


LARGEST = 1_000_000_000
ANCHOR = "bench-anchor"


def run_s3(port: int, pid: int) -> list[UploadResult]:
    """200 MB PutObjects through the S3 surface: UNSIGNED-PAYLOAD (straight into R2, like a
    single PUT), a CRC32 header (every byte through a DigestStream in the Worker), and
    aws-chunked with a trailing CRC32 (decoded in the Worker as it streams); and a 200 MB
    presigned POST (the file streamed into R2, searched natively for a following part)."""
    from bench import s3

    size = 200_000_000
    block = secrets.token_bytes(CHUNK)

    def chunks() -> Iterator[bytes]:
        return (block[: min(CHUNK, size - sent)] for sent in range(0, size, CHUNK))

    results = []
    for mode, label in (
        ("unsigned", "UNSIGNED-PAYLOAD"),
        ("crc32-header", "x-amz-checksum-crc32 header"),
        ("aws-chunked", "aws-chunked + trailing CRC32"),
    ):
        key = f"bench/s3-{mode}.bin"
        seconds, peak = peak_rss_during(
            pid,
            lambda k=key, m=mode: s3.put(port, k, size, chunks(), chunks(), m),
        )
        results.append(UploadResult(f"S3 PutObject 200 MB, {label}", size, seconds, peak))
    seconds, peak = peak_rss_during(pid, lambda: s3.post(port, "bench/s3-post.bin", size, chunks()))
    results.append(UploadResult("S3 presigned POST 200 MB (form upload)", size, seconds, peak))
    return results


def run(port: int, pid: int, api_key: str) -> list[UploadResult]:
    """Each upload through r2gate; single PUTs also through the JS anchor, as the reference.
    First one upload of the largest size: the process's memory grows once, on its first large
    upload (whichever Worker makes it), and keeps that size; that is not charged to any row."""
    single_put(port, api_key, "bench/warm-up.bin", LARGEST, ANCHOR)
    results = []
    for size in (10_000_000, 200_000_000, LARGEST):
        name = f"single PUT {size // 1_000_000:,} MB".replace("1,000 MB", "1 GB")
        key = f"bench/upload-{size}.bin"
        seconds, peak = peak_rss_during(pid, lambda k=key, s=size: single_put(port, api_key, k, s))
        _, anchor_peak = peak_rss_during(
            pid, lambda k=key, s=size: single_put(port, api_key, k, s, ANCHOR)
        )
        results.append(UploadResult(name, size, seconds, peak, anchor_peak))
    for size in (200_000_000, LARGEST):
        name = f"multipart {size // 1_000_000:,} MB (8 MiB parts)".replace("1,000 MB", "1 GB")
        key = f"bench/multipart-{size}.bin"
        seconds, peak = peak_rss_during(
            pid, lambda k=key, s=size: multipart_put(port, api_key, k, s)
        )
        results.append(UploadResult(name, size, seconds, peak))
    return results

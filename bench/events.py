"""Upload events in `make bench` (docs/performance.md, "Upload events"): what enqueueing adds
to a token PUT, and the Queue consumer's CPU per delivered event.

wrangler.toml binds the Queue's producer and its consumer in the same Worker, so in one
workerd process a consumer batch would run in the middle of whichever request rows happen to
be measured. The benchmark therefore runs variants of wrangler.toml, written next to it for
the run (paths in it are relative) and removed after:

* ``producer``: the producer only (messages wait in the Queue, no consumer runs): the main CPU
  table runs on it, so its token PUT row includes the enqueueing and is held to its goal;
* ``none``: no Queue at all: against ``producer``, what enqueueing adds to a token PUT;
* ``full``: as deployed, with one webhook endpoint (a local receiver answering 204): the CPU
  of the workerd process from the first PUT until every delivery arrived, less the PUTs' own
  CPU (measured on ``producer``) and the idle process's, per event (one index row and one
  webhook delivery each).

``BENCH_EVENTS_LOG=1 python bench/run.py events`` also prints the ``full`` server's Queue and
r2gate log lines (a delivery that failed and was retried shows there).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import json
import os
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "wrangler.toml"
ROUNDS = 7
PUTS = 50
EVENTS = 100
SECRET = "whsec_" + base64.b64encode(b"bench-webhook-secret-0123456789ab").decode()


def variant_text(kind: str) -> str:
    """wrangler.toml without its Queue consumers (``producer``) or without any Queue
    (``none``); ``full`` is it as it is."""
    if kind == "full":
        return CONFIG.read_text()
    dropped = {"[[queues.consumers]]"} | ({"[[queues.producers]]"} if kind == "none" else set())
    kept, skipping = [], False
    for line in CONFIG.read_text().splitlines(keepends=True):
        if line.startswith("["):
            skipping = line.strip() in dropped
        if not skipping:
            kept.append(line)
    return "".join(kept)


def variant_path(kind: str) -> Path:
    """A wrangler.toml variant beside wrangler.toml (wrangler dev watches it while it runs),
    removed when the benchmark exits."""
    path = ROOT / f".bench-{kind}.wrangler.toml"
    path.write_text(variant_text(kind))
    atexit.register(path.unlink, missing_ok=True)
    return path


class Receiver:
    """A webhook endpoint that answers 204 and keeps the webhook-id of each delivery of an
    event under `prefix`."""

    def __init__(self, prefix: str) -> None:
        from tests.support.server import free_port

        self.ids: list[str] = []
        self.port = free_port()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("content-length", "0"))))
                if body["data"]["key"].startswith(prefix):
                    receiver.ids.append(self.headers.get("webhook-id", ""))
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def webhooks(self) -> str:
        return json.dumps([{"url": f"http://127.0.0.1:{self.port}/hook", "secret": SECRET}])


def _put(worker: str, path: str) -> Any:
    from bench.run import Scenario

    headers = {"Content-Type": "application/octet-stream"}
    return Scenario(worker, "PUT", path, 201, headers, b"e" * 1024)


def _token_put(port: int, pid: int, token: str, prefix: str, count: int, serial: Any) -> float:
    return float(_put("r2gate", f"/{prefix}{{i}}?token={token}").run(port, pid, count, serial))


def measure() -> list[str]:
    """The two figures, as lines for the report."""
    from bench.run import REFERENCES, bench_settings, cpu_seconds, upload_token
    from tests.support.server import start_wrangler_dev

    token = upload_token("bench/events/")
    counter = iter(range(10**9))
    serial = lambda: next(counter)  # noqa: E731
    servers = {}
    servers_log: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as state, contextlib.ExitStack() as stack:
        receiver = Receiver("bench/events/full/")
        stack.callback(receiver.server.shutdown)
        for kind in ("none", "producer", "full"):
            config = variant_path(kind)
            settings = bench_settings()
            if kind == "full":
                settings.update(WEBHOOKS=receiver.webhooks(), WEBHOOK_RETRY_DELAY="1")
            anchor = (f"--config={REFERENCES['anchor']}",) if kind == "producer" else ()
            server = start_wrangler_dev(
                settings, Path(state) / kind, config=config, extra_args=anchor
            )
            stack.callback(server.stop)
            assert server.worker_url is not None
            servers[kind] = (int(server.worker_url.rsplit(":", 1)[1]), server.workerd_pid())
            servers_log[kind] = server.log
        for port, pid in servers.values():  # warm: Pyodide, settings, the bucket
            _token_put(port, pid, token, "bench/events/warm/", 20, serial)
        port, pid = servers["producer"]
        anchors = {
            "anchor": _put("anchor", "/bench/events/anchor/{i}"),
            "anchor_noevent": _put("anchor", "/bench/events/anchor/{i}?noevent"),
        }
        for scenario in anchors.values():
            scenario.run(port, pid, 20, serial)
        per: dict[str, list[float]] = {
            "none": [],
            "producer": [],
            "anchor": [],
            "anchor_noevent": [],
        }
        for _ in range(ROUNDS):  # interleaved: all see the same load
            for kind in ("none", "producer"):
                port, pid = servers[kind]
                per[kind].append(_token_put(port, pid, token, "bench/events/", PUTS, serial))
            port, pid = servers["producer"]
            for name, scenario in anchors.items():
                per[name].append(scenario.run(port, pid, PUTS, serial))
        median = {name: statistics.median(values) for name, values in per.items()}
        none, producer = median["none"], median["producer"]
        js_send = median["anchor"] - median["anchor_noevent"]

        port, pid = servers["full"]
        time.sleep(3)  # the warm-up's events delivered
        idle_started, idle_cpu = time.monotonic(), cpu_seconds(pid)
        time.sleep(3)
        idle_rate = (cpu_seconds(pid) - idle_cpu) / (time.monotonic() - idle_started)
        started, cpu_started = time.monotonic(), cpu_seconds(pid)
        _token_put(port, pid, token, "bench/events/full/", EVENTS, serial)
        deadline = time.monotonic() + 60
        while len(set(receiver.ids)) < EVENTS and time.monotonic() < deadline:
            time.sleep(0.05)
        delivered = len(set(receiver.ids))
        time.sleep(1.5)  # the last batch's index rows and acks
        elapsed = time.monotonic() - started
        total_ms = (cpu_seconds(pid) - cpu_started - idle_rate * elapsed) * 1000
        consumer = (total_ms - EVENTS * producer) / max(delivered, 1)
        if os.environ.get("BENCH_EVENTS_LOG"):
            full_log = servers_log["full"]()
            print(
                "".join(
                    line
                    for line in full_log.splitlines(True)
                    if "QUEUE" in line or "r2gate" in line
                )
            )
    return [
        f"Upload events (bench/events.py; token PUT 1 KB, medians of {ROUNDS} interleaved "
        f"rounds of {PUTS}):",
        "",
        "| measure | CPU ms |",
        "|---|---|",
        f"| token PUT, no Queue bound | {none:.2f} |",
        f"| token PUT, enqueueing its event (wrangler.toml's producer) | {producer:.2f} |",
        f"| what enqueueing adds to a token PUT (Miniflare's Queue broker included) "
        f"| {producer - none:+.2f} |",
        f"| what one `EVENTS.send` adds to the JS anchor's PUT | {js_send:+.2f} |",
        f"| Python's part of enqueueing (the difference of the two) "
        f"| {producer - none - js_send:+.2f} |",
        f"| Queue consumer per delivered event (its index row in D1 and one signed webhook; "
        f"{delivered} of {EVENTS} delivered, {len(receiver.ids) - delivered} twice; Miniflare's "
        f"Queue broker and D1 included) | {consumer:.2f} |",
    ]

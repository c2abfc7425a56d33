"""A real webhook receiver for the HTTP tests: an HTTP server on a free port, started before
`wrangler dev` (its URLs are in the suite's WEBHOOKS), verifying every delivery with the
`standardwebhooks` package from PyPI, as a backend would.

Each path is one endpoint of the suite's WEBHOOKS (`endpoints`), filtered by its own prefix:

    /all      every event under ev/
    /flaky    under ev-flaky/: answers 500 to the first two attempts of each webhook-id
    /rotated  under ev-rot/: signed with an old and a new secret (rotation)
    /images   object.created only, under ev-img/images/; answers 204 (no body)
    a closed port  under ev-down/: nobody answers (the dead-letter queue test)
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook, WebhookVerificationError

from tests.support.server import free_port


def _secret(seed: str) -> str:
    return "whsec_" + base64.b64encode((seed * 32)[:32].encode()).decode()


SECRET = _secret("r2gate-test-webhook-secret")
OLD_SECRET = _secret("old-secret")
NEW_SECRET = _secret("new-secret")
FLAKY_FAILURES = 2


@dataclass
class Delivery:
    """One POST the receiver got: its path, headers, event and whether it verified."""

    path: str
    webhook_id: str
    event: dict[str, Any]
    verified: dict[str, bool]
    status: int
    received: float = field(default_factory=time.monotonic)

    @property
    def key(self) -> str:
        return str(self.event.get("data", {}).get("key", ""))


@dataclass
class Receiver:
    port: int
    down_port: int
    deliveries: list[Delivery] = field(default_factory=list)
    processed: dict[str, list[str]] = field(default_factory=dict)  # path -> ids handled once
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def endpoints(self) -> list[dict[str, Any]]:
        """The suite's WEBHOOKS."""
        return [
            {"url": f"{self.url}/all", "secret": SECRET, "prefixes": ["ev/"]},
            {"url": f"{self.url}/flaky", "secret": SECRET, "prefixes": ["ev-flaky/"]},
            {
                "url": f"{self.url}/rotated",
                "secret": f"{OLD_SECRET} {NEW_SECRET}",
                "prefixes": ["ev-rot/"],
            },
            {
                "url": f"{self.url}/images",
                "secret": SECRET,
                "events": ["object.created"],
                "prefixes": ["ev-img/images/"],
            },
            {
                "url": f"http://127.0.0.1:{self.down_port}/down",
                "secret": SECRET,
                "prefixes": ["ev-down/"],
            },
        ]

    def webhooks_setting(self) -> str:
        return json.dumps(self.endpoints())

    def matching(self, predicate: Callable[[Delivery], bool]) -> list[Delivery]:
        with self.lock:
            return [d for d in self.deliveries if predicate(d)]

    def wait_for(
        self, predicate: Callable[[Delivery], bool], count: int, timeout: float = 20.0
    ) -> list[Delivery]:
        """The deliveries matching `predicate` once there are at least `count`."""
        deadline = time.monotonic() + timeout
        while len(found := self.matching(predicate)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"{len(found)} of {count} deliveries arrived: {found}")
            time.sleep(0.05)
        return found

    def under(self, prefix: str, path: str = "/all") -> Callable[[Delivery], bool]:
        return lambda d: d.path == path and d.key.startswith(prefix)

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> int:
        verified = {}
        secrets = {"/rotated": {"old": OLD_SECRET, "new": NEW_SECRET}}.get(path, {"s": SECRET})
        for name, secret in secrets.items():
            try:
                Webhook(secret).verify(body, headers)
                verified[name] = True
            except WebhookVerificationError:
                verified[name] = False
        event = json.loads(body)
        webhook_id = headers.get("webhook-id", "")
        with self.lock:
            attempts = sum(
                1 for d in self.deliveries if d.path == path and d.webhook_id == webhook_id
            )
            status = 500 if path == "/flaky" and attempts < FLAKY_FAILURES else 200
            if path == "/images":
                status = 204  # any 2xx acknowledges
            if not all(verified.values()):
                status = 400
            if 200 <= status < 300:
                done = self.processed.setdefault(path, [])
                if webhook_id not in done:  # deduplicated by webhook-id, as the spec advises
                    done.append(webhook_id)
            self.deliveries.append(Delivery(path, webhook_id, event, verified, status))
        return status


def start_receiver() -> Receiver:
    receiver = Receiver(port=free_port(), down_port=free_port())

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("content-length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = receiver.handle(self.path, headers, body)
            self.send_response(status)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    server = ThreadingHTTPServer(("127.0.0.1", receiver.port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    receiver.server = server
    return receiver

"""Client tests: a session server of their own (`wrangler dev` on workerd) with a small single-PUT
limit, so multipart and 413 are exercised with files of a few MB."""

from __future__ import annotations

import io
import json
import random
import threading
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from r2gate.client import Client, Retrier, Transport
from r2gate.client.transport import Body, Response, UrllibTransport
from tests.support.server import RunningServer, start_wrangler_dev

MIB = 1024 * 1024
API_KEY = "client-test-" + "c" * 32
READER_KEY = "client-reader-" + "r" * 24  # read + list only: PUT is 403 key_scope
SIGNING_KEYS = json.dumps({"c1": "client-signing-secret-" + "s" * 32})
MAX_PUT_BYTES = 6 * MIB  # single PUTs above this are 413; multipart parts may be 5..6 MiB
PART_SIZE = 5 * MIB


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    variables = {
        "API_KEY": API_KEY,
        "API_KEYS": json.dumps(
            {
                "keys": [
                    {"name": "reader", "key": READER_KEY, "ops": ["read", "list"], "prefixes": [""]}
                ]
            }
        ),
        "SIGNING_KEYS": SIGNING_KEYS,
        "MAX_PUT_BYTES": str(MAX_PUT_BYTES),
        "CACHE_POLICY": json.dumps(
            {"default": "public, max-age=60", "rules": [{"prefix": "private/", "private": True}]}
        ),
    }
    running = start_wrangler_dev(variables, tmp_path_factory.mktemp("r2"))
    yield running
    running.stop()


class RecordingTransport:
    """The real transport, remembering every request as (method, path, query dict)."""

    def __init__(self, inner: Transport | None = None) -> None:
        self.inner = inner or UrllibTransport()
        self.requests: list[tuple[str, str, dict[str, list[str]]]] = []
        self._lock = threading.Lock()

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: Body, timeout: float
    ) -> Response:
        parts = urlsplit(url)
        with self._lock:
            self.requests.append((method, parts.path, parse_qs(parts.query)))
        return self.inner.send(method, url, headers, body, timeout)

    def part_numbers(self) -> list[int]:
        """The part numbers of every part PUT sent, in order."""
        return sorted(
            int(query["partNumber"][0])
            for method, _, query in self.requests
            if method == "PUT" and "partNumber" in query
        )


@pytest.fixture()
def make_client(server: RunningServer, tmp_path: Path) -> Any:
    """Client(...) against the test server: no real sleeps between retries, state in tmp.
    `url=server.worker_url` talks to the Worker without wrangler's dev proxy in front."""

    def make(url: str | None = None, **options: Any) -> Client:
        options.setdefault("api_key", API_KEY)
        options.setdefault("state_dir", tmp_path / "state")
        options.setdefault("retry", Retrier(sleep=lambda seconds: None))
        return Client(url or server.url, **options)

    return make


@pytest.fixture()
def client(make_client: Any) -> Client:
    return make_client()


@pytest.fixture()
def prefix() -> str:
    """A key prefix unique to one test."""
    return f"c-{uuid.uuid4().hex[:12]}/"


def random_bytes(size: int, seed: int | None = None) -> bytes:
    return random.Random(seed).randbytes(size)


def write_file(path: Path, size: int, seed: int | None = None) -> bytes:
    data = random_bytes(size, seed)
    path.write_bytes(data)
    return data


class Scripted:
    """A fake transport answering from a script: (status, headers, body bytes or a readable)
    or an exception to raise."""

    def __init__(self, *script: tuple[int, dict[str, str], Any] | Exception) -> None:
        self.script = list(script)
        self.calls: list[tuple[str, str, dict[str, str]]] = []

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: Body, timeout: float
    ) -> Response:
        self.calls.append((method, url, dict(headers)))
        if body is not None and hasattr(body, "read"):
            while body.read(65536):  # consume a streamed body, as a real transport does
                pass
        step = self.script.pop(0)
        if isinstance(step, Exception):
            raise step
        status, headers_out, data = step
        return Response(status, headers_out, data if hasattr(data, "read") else io.BytesIO(data))


def error_reply(status: int, code: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps({"error": {"code": code, "message": f"{code} happened"}}).encode()
    return status, {"Content-Type": "application/json", **headers}, body

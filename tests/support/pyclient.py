"""The Python client's tests: the server's settings, a recording transport and a scripted one."""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, urlsplit

from r2gate_client import Transport
from r2gate_client.transport import Body, Response, UrllibTransport

MIB = 1024 * 1024
API_KEY = "client-test-" + "c" * 32
READER_KEY = "client-reader-" + "r" * 24  # read + list only: PUT is 403 key_scope
SIGNING_KEYS = json.dumps({"c1": "client-signing-secret-" + "s" * 32})
MAX_PUT_BYTES = 6 * MIB  # single PUTs above this are 413; multipart parts may be 5..6 MiB
PART_SIZE = 5 * MIB


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

"""A request body that stops short of its Content-Length (the HTTP, object and multipart tests)."""

from __future__ import annotations

import time

from tests.support.client import Client
from tests.support.server import RunningServer


def put_short_body(
    server: RunningServer, client: Client, path: str, headers: dict[str, str]
) -> None:
    """PUT 10 bytes of a declared 1000, then stop sending. Locally the Worker must answer
    400 body_length_mismatch (asked straight at its workerd: wrangler's dev proxy answers 500
    itself when a body breaks off) and log nothing: it is the client's fault, not ours."""
    local = server.worker_url is not None
    target = Client(server.worker_url, client.api_key) if server.worker_url else client
    reply = target.put_short(path, 1000, b"x" * 10, headers)
    if not local:
        return  # a deployment's front line may hang up instead; the caller checks the bucket
    assert reply is not None, "the Worker hung up instead of answering"
    assert (reply.status, reply.error_code) == (400, "body_length_mismatch"), reply.body
    key_path = path.split("?", 1)[0]
    time.sleep(0.5)  # the Worker's output reaches the log through wrangler, a little late
    ours = [line for line in server.log().splitlines() if "r2gate:" in line and key_path in line]
    assert ours == []


def put_then_reset(
    server: RunningServer, client: Client, path: str, headers: dict[str, str]
) -> None:
    """PUT 64 KiB of a declared 8 MiB, then reset the connection. Nothing may be stored, and
    the Worker logs no error of its own (the client left; that is not r2gate's failure)."""
    local = server.worker_url is not None
    target = Client(server.worker_url, client.api_key) if server.worker_url else client
    target.put_reset(path, 8 * 1024 * 1024, b"x" * 65536, headers)
    assert client.get("/").status == 200  # the same server still answers
    if not local:
        return
    key_path = path.split("?", 1)[0]
    time.sleep(1.0)  # the Worker notices the reset, then its output reaches the log
    ours = [line for line in server.log().splitlines() if "r2gate:" in line and key_path in line]
    assert ours == []
    assert "Uncaught" not in server.log()

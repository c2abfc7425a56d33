"""tus requests as a client sends them (tests/http/test_tus.py, and the events and quota tests
that upload through tus)."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

from tests.support.client import Client, Reply

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = {**TUS, "Content-Type": "application/offset+octet-stream"}


def metadata(**pairs: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in pairs.items())


def create(client: Client, key: str | None, length: int | None = None, **headers: str) -> Reply:
    sent = {**TUS, **headers}
    if length is not None:
        sent["Upload-Length"] = str(length)
    if key is not None:
        sent["Upload-Metadata"] = metadata(key=key)
    return client.request("POST", "/api/v1/tus", headers=sent, auth=True)


def location(reply: Reply) -> str:
    assert reply.status == 201, (reply.status, reply.body)
    return urlsplit(reply.headers["location"]).path


def patch(client: Client, path: str, offset: int, body: bytes, **headers: str) -> Reply:
    sent = {**OCTETS, "Upload-Offset": str(offset), **headers}
    return client.request("PATCH", path, body=body, headers=sent)

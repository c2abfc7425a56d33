"""Multipart requests for the HTTP tests: paths, one upload's calls, a body that never comes."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from tests.support.client import Client, Reply, read_reply

MIB = 1024 * 1024
PART = 5 * MIB  # R2's smallest part size


def mpu_path(
    key: str, upload_id: str | None = None, part: int | None = None, tok: str | None = None
) -> str:
    """``/<key>?uploads`` or ``/<key>?uploadId=U[&partNumber=N]``, plus ``&token=`` if given."""
    query = "uploads" if upload_id is None else f"uploadId={upload_id}"
    if part is not None:
        query += f"&partNumber={part}"
    if tok is not None:
        query += f"&token={tok}"
    return f"/{quote(key)}?{query}"


class Mpu:
    """Multipart calls for one key, as the API key's client or with a token."""

    def __init__(self, client: Client, key: str, tok: str | None = None) -> None:
        self.client, self.key, self.tok = client, key, tok

    def _send(self, method: str, path: str, body: bytes | None = None, **kw: Any) -> Reply:
        return self.client.request(method, path, body=body, auth=self.tok is None, **kw)

    def create(self, document: Any = None, **kw: Any) -> Reply:
        body = None if document is None else json.dumps(document).encode()
        headers = {} if document is None else {"Content-Type": "application/json"}
        return self._send("POST", mpu_path(self.key, tok=self.tok), body, headers=headers, **kw)

    def start(self, document: Any = None) -> str:
        """Create and return the upload id (fails the test otherwise)."""
        reply = self.create(document)
        assert reply.status == 201, reply.body
        return reply.json()["upload_id"]

    def part(self, upload_id: str, number: int, data: bytes) -> Reply:
        return self._send("PUT", mpu_path(self.key, upload_id, number, self.tok), data)

    def send(self, upload_id: str, number: int, data: bytes) -> str:
        """Send a part and return its etag (fails the test otherwise)."""
        reply = self.part(upload_id, number, data)
        assert reply.status == 200, reply.body
        return reply.json()["etag"]

    def status(self, upload_id: str) -> Reply:
        return self._send("GET", mpu_path(self.key, upload_id, tok=self.tok))

    def complete(self, upload_id: str, parts: Any, headers: dict[str, str] | None = None) -> Reply:
        """`parts` as [(number, etag), ...], or any JSON document to send as is."""
        if isinstance(parts, list) and all(isinstance(p, tuple) for p in parts):
            parts = {"parts": [{"part_number": n, "etag": e} for n, e in parts]}
        body = parts if isinstance(parts, bytes) else json.dumps(parts).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
        return self._send(
            "POST", mpu_path(self.key, upload_id, tok=self.tok), body, headers=headers
        )

    def abort(self, upload_id: str) -> Reply:
        return self._send("DELETE", mpu_path(self.key, upload_id, tok=self.tok))


def declared_only(client: Client, method: str, path: str, length: int) -> Reply:
    """Send headers declaring a `length`-byte body but no body bytes, and read the answer:
    for requests the server must refuse before reading a byte."""
    conn = client.connection(timeout=30)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        if client.api_key is not None and "token=" not in path:
            conn.putheader("Authorization", f"Bearer {client.api_key}")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        return read_reply(conn.getresponse())
    finally:
        conn.close()

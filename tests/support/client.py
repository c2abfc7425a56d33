"""A tiny HTTP client over a real socket that sends paths exactly as given."""

from __future__ import annotations

import http.client
import json
import socket
import struct
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from tests.support.settings import TEST_SCOPED_KEYS
from tests.support.target import need

SCOPED_SECRETS = frozenset(secret for secret, _, _ in TEST_SCOPED_KEYS.values())


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names
    body: bytes
    header_list: list[tuple[str, str]]

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def error_code(self) -> str | None:
        try:
            return self.json()["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return None


def read_reply(response: http.client.HTTPResponse) -> Reply:
    """Read a whole response into a Reply."""
    data = response.read()
    pairs = [(k.lower(), v) for k, v in response.getheaders()]
    return Reply(response.status, dict(pairs), data, pairs)


class Client:
    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        if api_key in SCOPED_SECRETS:  # one of the suite's scoped keys: the server must know it
            need("API_KEYS")
        parts = urlsplit(base_url)
        self.scheme = parts.scheme
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.api_key = api_key

    def connection(self, timeout: float = 60.0) -> http.client.HTTPConnection:
        cls = http.client.HTTPSConnection if self.scheme == "https" else http.client.HTTPConnection
        return cls(self.host, self.port, timeout=timeout)

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | list[tuple[str, str]] | None = None,
        auth: bool = False,
    ) -> Reply:
        """`headers` as a dict, or as (name, value) pairs to send a field twice."""
        pairs = list(headers.items() if isinstance(headers, dict) else headers or [])
        if auth:
            pairs.append(("Authorization", f"Bearer {self.api_key}"))
        conn = self.connection()
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for name, value in pairs:
                conn.putheader(name, value)
            if body is not None and not any(h.lower() == "content-length" for h, _ in pairs):
                conn.putheader("Content-Length", str(len(body)))
            conn.endheaders(body)
            return read_reply(conn.getresponse())
        finally:
            conn.close()

    def put_chunked(self, path: str, chunk: bytes, headers: dict[str, str] | None = None) -> Reply:
        """PUT one chunk with Transfer-Encoding: chunked, so no Content-Length is sent."""
        conn = self.connection()
        try:
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(chunk), chunk))
            return read_reply(conn.getresponse())
        finally:
            conn.close()

    def _put_partly(
        self, path: str, declared: int, sent: bytes, headers: dict[str, str] | None
    ) -> http.client.HTTPConnection:
        """A connection that has sent a PUT's head with Content-Length `declared`, then `sent`."""
        conn = self.connection(timeout=30)
        try:
            conn.putrequest("PUT", path, skip_accept_encoding=True)
            for name, value in (headers or {}).items():
                conn.putheader(name, value)
            conn.putheader("Content-Length", str(declared))
            conn.endheaders()
            conn.send(sent)
        except BaseException:
            conn.close()
            raise
        return conn

    def put_short(
        self, path: str, declared: int, sent: bytes, headers: dict[str, str] | None = None
    ) -> Reply | None:
        """PUT with Content-Length `declared`, send only `sent`, then stop sending (half-close):
        the reply, or None when the server hangs up instead."""
        conn = self._put_partly(path, declared, sent, headers)
        try:
            assert conn.sock is not None
            conn.sock.shutdown(socket.SHUT_WR)
            try:
                return read_reply(conn.getresponse())
            except (ConnectionError, OSError, http.client.HTTPException):
                return None
        finally:
            conn.close()

    def put_reset(
        self, path: str, declared: int, sent: bytes, headers: dict[str, str] | None = None
    ) -> None:
        """PUT with Content-Length `declared`, send `sent`, then reset the connection (RST, as
        a client that crashes or loses its network): nobody is left to read an answer."""
        conn = self._put_partly(path, declared, sent, headers)
        try:
            time.sleep(0.2)  # the Worker has started streaming the body into R2
            assert conn.sock is not None
            conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Reply:
        return self.request("GET", path, **kw)

    def head(self, path: str, **kw: Any) -> Reply:
        return self.request("HEAD", path, **kw)

    def put(self, path: str, body: bytes, **kw: Any) -> Reply:
        return self.request("PUT", path, body=body, auth=kw.pop("auth", True), **kw)

    def delete(self, path: str, **kw: Any) -> Reply:
        return self.request("DELETE", path, auth=kw.pop("auth", True), **kw)

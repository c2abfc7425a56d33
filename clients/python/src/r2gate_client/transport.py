"""The one place that speaks HTTP: a urllib.request transport (stdlib only).

`urllib.request` is used, rather than `http.client`, because pyodide-http patches it: under
Pyodide, `pyodide_http.patch_all()` turns the same calls into browser XMLHttpRequests. Bodies
then travel in memory both ways: a request body is read whole before it is sent, and a
response arrives whole, without the Content-Length that pyodide-http drops (it is put back
from the bytes received; an XMLHttpRequest that breaks off raises instead of returning a
short body). Any object with the `Transport` shape can replace it (tests inject flaky or
recording transports).
"""

from __future__ import annotations

import contextlib
import http.client
import io
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any, BinaryIO, Protocol, cast

from .errors import TransportError

IN_BROWSER = sys.platform == "emscripten"  # Pyodide: requests go out as XMLHttpRequests
if IN_BROWSER:
    from pyodide.ffi import JsException  # a failed XMLHttpRequest (network, CORS)

    _SEND_ERRORS: tuple[type[Exception], ...] = (OSError, http.client.HTTPException, JsException)
else:
    _SEND_ERRORS = (OSError, http.client.HTTPException)


class Readable(Protocol):
    """A request body read in chunks (a binary file, or a slice of one)."""

    def read(self, size: int = -1, /) -> bytes: ...


Body = bytes | Readable | None


class Response:
    """A response whose body is read on demand; `headers` has lower-case names."""

    def __init__(self, status: int, headers: Mapping[str, str], raw: BinaryIO | None) -> None:
        self.status = status
        self.headers = {name.lower(): value for name, value in headers.items()}
        self._raw = raw

    def read(self, size: int = -1) -> bytes:
        """Up to `size` bytes of the body (all of it for -1); b"" at the end."""
        if self._raw is None:
            return b""
        try:
            return self._raw.read(size)
        except (OSError, http.client.HTTPException) as error:
            raise TransportError(f"the response broke off: {error}") from error

    def close(self) -> None:
        if self._raw is not None:
            with contextlib.suppress(OSError):
                self._raw.close()
            self._raw = None

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Transport(Protocol):
    """Sends one request. Returns a Response for any HTTP status; raises TransportError when
    no response arrives. A BinaryIO body is read until its Content-Length is sent."""

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: Body, timeout: float
    ) -> Response: ...


class _EarlyReply:
    """A server may answer (413 too_large, 401...) and close before it has read the body:
    the send then fails with EPIPE/ECONNRESET, but the answer is there to be read."""

    def request(self, method: str, url: str, body: Any = None, *args: Any, **kw: Any) -> None:
        try:
            super().request(method, url, body, *args, **kw)  # type: ignore[misc]
        except (BrokenPipeError, ConnectionResetError):
            if body is None:
                raise
            # getresponse() now reads the early answer, or fails as a TransportError.


class _HTTPConnection(_EarlyReply, http.client.HTTPConnection):
    pass


class _KeepContentType:
    """urllib adds `Content-Type: application/x-www-form-urlencoded` to every request with a
    body; r2gate must see no Content-Type unless the caller gave one (it then infers it)."""

    def _without_default_type(self, request: urllib.request.Request) -> urllib.request.Request:
        had_type = request.has_header("Content-type")
        request = self.do_request_(request)  # type: ignore[attr-defined]
        if not had_type:
            request.remove_header("Content-type")
        return request


class _HTTPHandler(_KeepContentType, urllib.request.HTTPHandler):
    def http_open(self, request: urllib.request.Request) -> Any:
        return self.do_open(_HTTPConnection, request)

    def http_request(self, request: urllib.request.Request) -> urllib.request.Request:
        return self._without_default_type(request)


_HANDLERS: list[type[urllib.request.BaseHandler]] = [_HTTPHandler]

if hasattr(http.client, "HTTPSConnection"):  # not in Pyodide, which has no ssl module

    class _HTTPSConnection(_EarlyReply, http.client.HTTPSConnection):
        pass

    class _HTTPSHandler(_KeepContentType, urllib.request.HTTPSHandler):
        def https_open(self, request: urllib.request.Request) -> Any:
            context = self._context  # type: ignore[attr-defined]
            return self.do_open(_HTTPSConnection, request, context=context)

        def https_request(self, request: urllib.request.Request) -> urllib.request.Request:
            return self._without_default_type(request)

    _HANDLERS.append(_HTTPSHandler)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Redirects are returned, not followed: an API key must never follow one elsewhere."""

    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class UrllibTransport:
    """The default transport: urllib.request with an opener of our own handlers (proxies from
    the environment are honoured, redirects are not followed)."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(*_HANDLERS, _NoRedirect)

    def send(
        self, method: str, url: str, headers: Mapping[str, str], body: Body, timeout: float
    ) -> Response:
        if not url.startswith(("http://", "https://")):
            raise ValueError("only http(s) URLs are sent")
        if IN_BROWSER and body is not None and not isinstance(body, bytes):
            body = body.read()  # an XMLHttpRequest sends a body from memory
        request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
            url, data=body, headers=dict(headers), method=method
        )
        try:
            raw = self._opener.open(request, timeout=timeout)
        except urllib.error.HTTPError as error:  # a 4xx/5xx (or 3xx) is still a response
            # Keep the HTTPError itself: its body closes when the HTTPError is collected.
            return Response(error.code, dict(error.headers.items()), cast(BinaryIO, error))
        except _SEND_ERRORS as error:
            reason = getattr(error, "reason", error)
            raise TransportError(f"{method} {_origin(url)} failed: {reason}") from error
        status = getattr(raw, "status", None) or raw.getcode()
        if IN_BROWSER:
            return _whole(status, raw)
        return Response(status, dict(raw.headers.items()), raw)


def _whole(status: int, raw: Any) -> Response:
    """pyodide-http's response, already whole in memory, with its Content-Length put back."""
    data = raw.read()
    headers = dict(raw.headers.items())
    if not any(name.lower() == "content-length" for name in headers):
        headers["Content-Length"] = str(len(data))
    return Response(status, headers, io.BytesIO(data))


def _origin(url: str) -> str:
    """The URL without its query, which may carry a token."""
    return url.split("?", 1)[0]

"""Requests and responses: what r2gate reads of a request, and the responses it builds.

The thin adapter between the JS Request/Response and r2gate's plain values. The SDK's
Request and Response wrappers are set aside: each of their conversions crosses between
Python and JS per header, and a request needs none of what they add.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import jsnull, to_js

from r2gate.api_requests import check_json_request, parse_json_object
from r2gate.errors import ApiError, error_body
from r2gate.fields import LowerCaseFields
from r2gate.query import Query, parse_query
from r2gate.unread_bodies import DEV_PROXY_VAR, drain_unread_body, drains_every_body

from .config import js_env
from .js_functions import from_entries, new_response
from .streams import read_declared_body, read_small_body

JSON_TYPE = "application/json; charset=utf-8"
_JSON = json.JSONEncoder(separators=(",", ":"))  # one encoder, not one per response
BASE_HEADERS = {"X-Content-Type-Options": "nosniff"}


class Incoming:
    """The parts of a request r2gate decides on, read once: method, path, query, headers.

    Read from the JS Request itself (the SDK's Request is set aside): the headers arrive as one
    plain object (`Object.fromEntries`, lower-case names, repeated headers joined by ", "),
    converted in one go, not one header at a time through http.client.HTTPMessage."""

    def __init__(self, request: Any) -> None:
        js_request = getattr(request, "js_object", request)
        self.js_request = js_request
        # The method as sent: the SDK's request.method maps it through http.HTTPMethod, which
        # raises on extension methods (PROPFIND, ...) that must get a 405, not a crash.
        self.method: str = str(js_request.method).upper()
        self.url: str = str(js_request.url)
        url = urlsplit(self.url)
        self.path: str = url.path
        self.query: str = url.query
        self.headers = LowerCaseFields(js_headers_dict(js_request.headers))
        self.body_taken = False

    @cached_property
    def host(self) -> str:
        """The request's host name, lower case, without the port."""
        return (urlsplit(self.url).hostname or "").lower()

    @cached_property
    def params(self) -> Query:
        """The query, parsed once (400 invalid_request when it is malformed or too large)."""
        return parse_query(self.query)

    @property
    def body(self) -> Any:
        """The body as a JS ReadableStream, or None: never read into Python. Taking it marks
        the body as the handler's to read (`drain_if_unread` then leaves it alone)."""
        self.body_taken = True
        body = self.js_request.body
        return None if body is None or body is jsnull else body

    def client_accept_encoding(self) -> str | None:
        """The Accept-Encoding the client sent (``request.cf.clientAcceptEncoding``: the edge
        rewrites the header itself), "" when it sent none, None when the runtime does not
        say."""
        cf = getattr(self.js_request, "cf", None)
        value = getattr(cf, "clientAcceptEncoding", None) if cf is not None else None
        return value if isinstance(value, str) else None

    @property
    def has_body(self) -> bool:
        """Whether a body came (not taking it: an early refusal still drains it)."""
        body = self.js_request.body
        return not (body is None or body is jsnull)

    async def drain_if_unread(self, env: Any) -> None:
        """Read a body the handler never took to its end and throw it away, before the answer
        goes out (r2gate.unread_bodies says which and why). In production: a small one, at most
        MAX_DRAINING at a time per isolate so hostile bodies cannot pile up in memory. Behind
        `wrangler dev`'s proxy (DEV_PROXY_VAR): any one, piped in JS to a WritableStream that
        drops every chunk, so no byte enters Python or stays in memory. A client that hangs up
        meanwhile is not an error: the rejection is swallowed in JS (by `Boolean`, no Python
        callback)."""
        global _draining
        if self.body_taken:
            return
        if _behind_dev_proxy(env):
            body = self.js_request.body
            if not (body is None or body is jsnull):
                await body.pipeTo(js.WritableStream.new()).catch(js.Boolean)
            return
        if _draining >= MAX_DRAINING or not drain_unread_body(self.headers):
            return
        _draining += 1
        try:  # natively into one buffer: ~10x less CPU than piping it through JS chunk by chunk
            await self.js_request.arrayBuffer().catch(js.Boolean)
        finally:
            _draining -= 1


MAX_DRAINING = 4  # unread bodies being drained at once per isolate (each <= 1 MiB)
_draining = 0
_dev_proxy: bool | None = None  # DEV_PROXY_VAR, read on the first unread body of an isolate


def _behind_dev_proxy(env: Any) -> bool:
    global _dev_proxy
    if _dev_proxy is None:
        value = getattr(js_env(env), DEV_PROXY_VAR, None)
        _dev_proxy = drains_every_body(None if value is None else str(value))
    return _dev_proxy


@dataclass
class Reply:
    """A response being built: status, headers (a plain dict) and body (a JS stream, str,
    bytes or None). Handlers return one; `dispatch` adds CORS and Server-Timing to the dict and
    makes the JS Response once, at the end (`to_js`): the headers cross into JS in one go."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = None
    # The answer when this one cannot be made (a header value the runtime refuses): the
    # surface's own error shape (S3's XML), else r2gate's JSON 500.
    on_failure: Callable[[], Reply] | None = field(default=None, repr=False, compare=False)

    def to_js(self) -> Any:
        """The JS Response (the body is handed over, never copied into Python)."""
        body = to_js(self.body) if isinstance(self.body, bytes) else self.body
        return new_response()(body, response_init(self.status, self.headers))

    @classmethod
    def from_js(cls, response: Any) -> Reply:
        """A Reply from a JS Response (or the SDK's Response around one)."""
        js_response = getattr(response, "js_object", response)
        body = js_response.body
        return cls(
            int(js_response.status),
            from_entries()(js_response.headers).to_py(),
            None if body is None or body is jsnull else body,
        )


def response_init(status: int, headers: dict[str, str]) -> Any:
    """A JS Response's init. A body with a Content-Encoding is sent as it is (``encodeBody:
    "manual"``): it is the stored bytes, already encoded; left to the runtime, workerd would
    encode it a second time."""
    init: dict[str, Any] = {"status": status, "headers": headers}
    if "Content-Encoding" in headers or "content-encoding" in headers:
        init["encodeBody"] = "manual"
    return to_js(init, dict_converter=from_entries())


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Reply:
    """A JSON body built in Python, with its Content-Length (which HEAD repeats)."""
    body = _JSON.encode(data)
    all_headers = _headers(JSON_TYPE, headers)
    all_headers["Content-Length"] = str(len(body.encode("utf-8")))
    return Reply(status, all_headers, body)


def error_response(error: ApiError) -> Reply:
    headers = _headers(JSON_TYPE, error.headers)
    headers["Cache-Control"] = "no-store"
    return Reply(error.status, headers, error_body(error.code, error.message))


def _headers(content_type: str, extra: dict[str, str] | None) -> dict[str, str]:
    headers = {"Content-Type": content_type, **BASE_HEADERS}
    headers.update(extra or {})
    return headers


def stream_response(body: Any, status: int, headers: dict[str, str]) -> Reply:
    """A response whose body is a JS stream (R2 object body) or None (HEAD, 304)."""
    return Reply(status, {**BASE_HEADERS, **headers}, body)


def without_body(reply: Reply) -> Reply:
    """The same status and headers without the body (HEAD answered by a GET handler); a JS
    stream that will not be sent is cancelled (not awaited, as r2.discard_body)."""
    body = reply.body
    if body is not None and not isinstance(body, str | bytes):
        body.cancel()
    reply.body = None
    return reply


def add_headers(reply: Reply, headers: dict[str, str]) -> Reply:
    """Set headers on a Reply: a header already there (in any case) is replaced, Vary merged."""
    target = reply.headers
    names = {key.lower(): key for key in target}
    for name, value in headers.items():
        lower = name.lower()
        present = names.get(lower)
        if present is not None:
            if lower == "vary":
                listed = [v.strip() for v in target[present].split(",")]
                value = ", ".join(listed + [v for v in value.split(", ") if v not in listed])
            del target[present]
        target[name] = value
        names[lower] = name
    return reply


def js_headers_dict(js_headers: Any) -> dict[str, str]:
    """JS Headers as a plain dict (lower-case names), converted in one go."""
    return from_entries()(js_headers).to_py()  # type: ignore[no-any-return]


async def read_json_body(
    incoming: Incoming, limit: int, *, optional: bool = False
) -> dict[str, Any]:
    """A small JSON object body (415, 413 body_too_large, 400 invalid_json). With `optional`,
    no body at all is {}."""
    empty = not incoming.has_body or incoming.headers.get("content-length", "").strip() == "0"
    if optional and empty:
        return {}
    declared = check_json_request(incoming.headers, limit)
    if empty:
        data = b""
    elif declared is not None:  # at most `limit` bytes arrive: one read, not a chunk loop
        incoming.body_taken = True
        data = await read_declared_body(incoming.js_request)
    else:
        data = await read_small_body(incoming.body, limit)
    if optional and not data:
        return {}
    return parse_json_object(data, limit)

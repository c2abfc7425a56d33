"""Requests and responses: what r2gate reads of a request, and the responses it builds.

The thin adapter between the workers SDK's Request/Response and r2gate's plain values.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import jsnull
from workers import Response

from r2gate.api_requests import check_json_request, parse_json_object
from r2gate.errors import ApiError, error_body

from .streams import read_small_body

JSON_TYPE = "application/json; charset=utf-8"
BASE_HEADERS = {"X-Content-Type-Options": "nosniff"}


class Incoming:
    """The parts of a request r2gate decides on, read once: method, path, query, headers."""

    def __init__(self, request: Any) -> None:
        self.request = request
        # Not request.method: the SDK maps it through http.HTTPMethod, which raises on
        # extension methods (PROPFIND, ...) that must get a 405, not a crash.
        self.method: str = str(request.js_object.method).upper()
        url = urlsplit(request.url)
        self.url: str = request.url
        self.path: str = url.path
        self.query: str = url.query
        self.headers: dict[str, str] = {k.lower(): v for k, v in request.headers.items()}

    @property
    def body(self) -> Any:
        """The body as a JS ReadableStream, or None: never read into Python."""
        body = self.request.js_object.body
        return None if body is None or body is jsnull else body


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON body built in Python, with its Content-Length (which HEAD repeats)."""
    body = json.dumps(data, separators=(",", ":"))
    all_headers = _headers(JSON_TYPE, headers)
    all_headers["Content-Length"] = str(len(body.encode("utf-8")))
    return Response(body, status=status, headers=all_headers)


def error_response(error: ApiError) -> Response:
    headers = _headers(JSON_TYPE, error.headers)
    headers["Cache-Control"] = "no-store"
    return Response(error_body(error.code, error.message), status=error.status, headers=headers)


def _headers(content_type: str, extra: dict[str, str] | None) -> dict[str, str]:
    headers = {"Content-Type": content_type, **BASE_HEADERS}
    headers.update(extra or {})
    return headers


def stream_response(body: Any, status: int, headers: dict[str, str]) -> Response:
    """A response whose body is a JS stream (R2 object body) or None (HEAD, 304)."""
    return Response(body, status=status, headers={**BASE_HEADERS, **headers})


async def without_body(response: Any) -> Any:
    """The same status and headers without the body (HEAD answered by a GET handler)."""
    js_response = response.js_object
    body = js_response.body
    if body is None or body is jsnull:
        return response
    await body.cancel()
    return Response(None, status=int(js_response.status), headers=response_headers(js_response))


def js_headers(headers: dict[str, str]) -> Any:
    """A JS Headers object from a dict."""
    result = js.Headers.new()
    for name, value in headers.items():
        result.set(name, value)
    return result


def add_headers(response: Any, headers: dict[str, str]) -> Any:
    """Set headers on a response r2gate built (its headers are mutable); Vary is merged."""
    target = response.js_object.headers
    for name, value in headers.items():
        if name.lower() == "vary" and target.has("vary"):
            present = [v.strip() for v in target.get("vary").split(",")]
            value = ", ".join(present + [v for v in value.split(", ") if v not in present])
        target.set(name, value)
    return response


def response_headers(js_response: Any) -> dict[str, str]:
    """A JS Response's headers as a plain dict (lower-case names)."""
    return {name.lower(): value for name, value in js_response.headers}


async def read_json_body(
    incoming: Incoming, limit: int, *, optional: bool = False
) -> dict[str, Any]:
    """A small JSON object body (415, 413 body_too_large, 400 invalid_json). With `optional`,
    no body at all is {}."""
    empty = incoming.body is None or incoming.headers.get("content-length", "").strip() == "0"
    if optional and empty:
        return {}
    check_json_request(incoming.headers, limit)
    data = b"" if empty else await read_small_body(incoming.body, limit)
    if optional and not data:
        return {}
    return parse_json_object(data, limit)

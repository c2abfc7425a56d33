"""Requests to one r2gate server: URLs, authentication, error mapping and retries."""

from __future__ import annotations

import json
import platform
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlsplit

from . import __version__
from .errors import MAX_ERROR_BODY, R2gateError, error_from_response
from .keys import checked_key
from .retry import Retrier
from .transport import Body, Response, Transport

USER_AGENT = f"r2gate-client/{__version__} Python/{platform.python_version()}"
Query = Sequence[tuple[str, str | None]]
BodyFactory = Callable[[], Body]


def query_string(query: Query) -> str:
    """`?a=1&flag`: a None value gives a bare name (as in `?uploads`)."""
    items = [name if value is None else f"{name}={quote(value, safe='')}" for name, value in query]
    return "?" + "&".join(items) if items else ""


class Session:
    """Base URL + credentials + transport + retrier: every request goes through `request`."""

    def __init__(
        self,
        base_url: str,
        credential: str | None,
        transport: Transport,
        retrier: Retrier,
        timeout: float,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(f"base_url must be an http(s) URL, got {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self._credential = credential
        self.transport = transport
        self.retrier = retrier
        self.timeout = timeout

    def object_url(self, key: str, query: Query = ()) -> str:
        return f"{self.base_url}/{quote(checked_key(key), safe='/')}{query_string(query)}"

    def api_url(self, path: str, query: Query = ()) -> str:
        return f"{self.base_url}{path}{query_string(query)}"

    def _headers(self, extra: Mapping[str, str] | None) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT, "Accept": "application/json, */*"}
        if self._credential:
            headers["Authorization"] = f"Bearer {self._credential}"
        headers.update(extra or {})
        return headers

    def send_once(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: Body | BodyFactory = None,
        ok: tuple[int, ...] = (200,),
    ) -> Response:
        """One attempt: the open response when its status is in `ok`, else a typed error."""
        payload = body() if callable(body) else body
        response = self.transport.send(method, url, self._headers(headers), payload, self.timeout)
        if response.status in ok:
            return response
        with response:
            data = response.read(MAX_ERROR_BODY) if method != "HEAD" else b""
        raise error_from_response(response.status, response.headers, data)

    def request(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: Body | BodyFactory = None,
        ok: tuple[int, ...] = (200,),
        retry: bool = True,
        cancel: threading.Event | None = None,
    ) -> Response:
        """`send_once` with retries; a BinaryIO body must come from a factory (re-read per try)."""
        if not retry:
            return self.send_once(method, url, headers, body, ok)
        return self.retrier.call(lambda: self.send_once(method, url, headers, body, ok), cancel)

    def json(
        self,
        method: str,
        url: str,
        payload: Mapping[str, Any] | None = None,
        ok: tuple[int, ...] = (200,),
        retry: bool = True,
    ) -> Any:
        """Send an optional JSON body and return the decoded JSON reply."""
        headers: dict[str, str] = {}
        body = None
        if payload is not None:
            body = json.dumps(payload, separators=(",", ":")).encode()
            headers = {"Content-Type": "application/json", "Content-Length": str(len(body))}

        def attempt() -> Any:
            with self.send_once(method, url, headers, body, ok) as response:
                data = response.read()
            try:
                return json.loads(data)
            except ValueError:
                raise R2gateError(
                    response.status, "invalid_response", "The server sent invalid JSON."
                ) from None

        return self.retrier.call(attempt) if retry else attempt()

"""The plain request every S3 decision reads: method, raw path, raw query, headers.

The handler builds one `S3Request` from the Worker's Request: the path and query exactly
as they appear in ``request.url`` (percent-encoded, never decoded by the handler) and the
headers as lower-case name -> value. workerd's ``Headers`` already joins a repeated header
into one value with ", "; `S3Request.from_pairs` joins repeated pairs with "," as SigV4
does, for callers that still see them apart.

Query strings are split on "&" and "=", each name and value percent-decoded strictly
(``%`` must start a valid escape, the bytes must be UTF-8); "+" is a literal plus, as in
RFC 3986 (S3 clients send a space as %20). Bounds: `MAX_PATH_CHARS`, `MAX_QUERY_CHARS`,
`MAX_QUERY_PARAMS`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote, unquote_to_bytes

from .errors import InvalidArgument, InvalidURI

__all__ = [
    "MAX_PATH_CHARS",
    "MAX_QUERY_CHARS",
    "MAX_QUERY_PARAMS",
    "QueryParam",
    "S3Request",
    "percent_decode",
    "uri_encode",
]

MAX_PATH_CHARS = 4096
MAX_QUERY_CHARS = 8192
MAX_QUERY_PARAMS = 64
# Printable ASCII as a URL parser leaves it: no space or "#", and no "?" in the path;
# "%" only as a valid escape.
_RAW_PATH = re.compile(r"(?:/(?:[\x21\x22\x24\x26-\x2e\x30-\x3e\x40-\x7e]|%[0-9A-Fa-f]{2})*)+")
_RAW_QUERY = re.compile(r"(?:[\x21\x22\x24\x26-\x7e]|%[0-9A-Fa-f]{2})*")


_UNRESERVED = re.compile(r"[A-Za-z0-9\-_.~]*")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


def uri_encode(text: str) -> str:
    """SigV4's UriEncode: everything but A-Z a-z 0-9 - _ . ~ as %XX (upper-case hex)."""
    return text if _UNRESERVED.fullmatch(text) else quote(text, safe="-_.~")


def percent_decode(raw: str) -> str:
    """Strict percent-decoding to UTF-8 text; ValueError on a bad escape or bad UTF-8."""
    if "%" not in raw:
        return raw if raw.isascii() else raw.encode("utf-8").decode("utf-8")
    if _BAD_ESCAPE.search(raw):
        raise ValueError("bad percent escape")
    return unquote_to_bytes(raw).decode("utf-8")


@dataclass(frozen=True)
class QueryParam:
    """One query parameter: decoded name and value, and whether it had an "=" at all."""

    name: str
    value: str
    has_value: bool = True


def _parse_query(raw: str) -> tuple[QueryParam, ...]:
    if len(raw) > MAX_QUERY_CHARS:
        raise InvalidArgument(f"The query string exceeds {MAX_QUERY_CHARS} characters.")
    if not raw:
        return ()
    if not _RAW_QUERY.fullmatch(raw):
        raise InvalidArgument("The query string is malformed.")
    pieces = raw.split("&")
    if len(pieces) > MAX_QUERY_PARAMS:
        raise InvalidArgument(f"The query string has more than {MAX_QUERY_PARAMS} parameters.")
    params: list[QueryParam] = []
    for piece in pieces:
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        try:
            params.append(QueryParam(percent_decode(name), percent_decode(value), bool(equals)))
        except (ValueError, UnicodeDecodeError):
            raise InvalidArgument("The query string is not valid percent-encoded UTF-8.") from None
    return tuple(params)


@dataclass(frozen=True)
class S3Request:
    """What the handler read from the Worker's Request, as plain values.

    `path`: the raw path (``/api/s3/bucket/a%20b``); `query`: the raw query without "?";
    `headers`: lower-case name -> value. Construction validates the path and parses the
    query (InvalidURI / InvalidArgument, both 400).
    """

    method: str
    path: str
    query: str = ""
    headers: Mapping[str, str] = field(default_factory=dict)
    # SigV2's resource, ``/<bucket>/<key>`` as sent, whatever the endpoint's path prefix or
    # host ("": the path itself)
    bucket_path: str = ""
    params: tuple[QueryParam, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if len(self.path) > MAX_PATH_CHARS or not _RAW_PATH.fullmatch(self.path):
            raise InvalidURI()
        object.__setattr__(self, "method", self.method.upper())
        object.__setattr__(self, "params", _parse_query(self.query))

    @classmethod
    def from_pairs(
        cls, method: str, path: str, query: str, header_pairs: Iterable[tuple[str, str]]
    ) -> S3Request:
        """Build from (name, value) pairs. A repeated name keeps one value: each value
        trimmed (inner whitespace runs collapsed) and joined with ",", as SigV4 signs it."""
        headers: dict[str, str] = {}
        repeated: set[str] = set()
        for name, value in header_pairs:
            lower = name.lower()
            if lower in headers:
                if lower not in repeated:
                    headers[lower] = " ".join(headers[lower].split())
                    repeated.add(lower)
                headers[lower] = f"{headers[lower]},{' '.join(value.split())}"
            else:
                headers[lower] = value
        return cls(method, path, query, headers)

    @property
    def resource(self) -> str:
        return self.bucket_path or self.path

    def header(self, name: str) -> str | None:
        return self.headers.get(name)

    def param(self, name: str) -> str | None:
        """The value of the single parameter `name`; InvalidArgument when it is repeated."""
        found = [p.value for p in self.params if p.name == name]
        if len(found) > 1:
            raise InvalidArgument(f"The query parameter {name} is repeated.", ArgumentName=name)
        return found[0] if found else None

    def has_param(self, name: str) -> bool:
        return any(p.name == name for p in self.params)

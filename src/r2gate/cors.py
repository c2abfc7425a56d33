"""CORS (Fetch standard) decisions from a JSON wrangler.toml var.

Config format (every key optional; no config means no origin is allowed)::

    {
      "origins": ["https://app.example.com", "https://*.example.com", "ar-code://*"],
      "methods": ["GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS"],
      "allow_headers": ["authorization", "content-type", "range", "x-r2gate-*"],
      "expose_headers": ["ETag", "Content-Length", "Content-Range", ...],
      "max_age": 86400
    }

Origin patterns: an exact origin (`scheme://host[:port]`, no path); `scheme://*.domain[:port]`
for subdomains at any depth (not the bare domain; the port must be identical, absent
included); `scheme://*` for any origin of that scheme; `"*"` for any origin. The opaque
origin `null` matches only an explicit `"null"` entry. Patterns are case-insensitive.
`allow_headers` entries may end in `*` to allow every header with that prefix. A preflight
allows the methods its path takes (the route table's ``Allow``) that `methods` also lists.

Only a syntactically valid Origin can match any pattern, `*` included: the RFC 6454
serialisation browsers send, `scheme "://" host [":" port]` in lowercase (a DNS name, an
IPv4 address or a bracketed IPv6 address; a port of 0..65535 without leading zeros) and
nothing else: no userinfo, path, query, fragment, whitespace or quotes. Or `null`.

Allowed origins are echoed (never a literal `*`). Whenever an origin list is configured,
every non-preflight response carries `Vary: Origin`, also without an Origin header or with a
denied one: the answer depends on Origin, so no cache (browser or shared) may hand a copy
made without CORS headers to a CORS request. A rejected preflight gives None: answer it 403
with the JSON error body and no CORS headers, so the browser fails the request and a human
reading the response sees why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .json_bounds import MAX_SETTING_BYTES, JsonRejected, load_json_object

DEFAULT_METHODS = ("GET", "HEAD", "PUT", "POST", "PATCH", "DELETE", "OPTIONS")
DEFAULT_ALLOW_HEADERS = (
    "authorization",
    "content-type",
    "content-md5",
    "content-disposition",
    "cache-control",
    "range",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "if-range",
    "x-r2gate-*",
    # tus (docs/tus.md)
    "tus-resumable",
    "upload-length",
    "upload-defer-length",
    "upload-offset",
    "upload-metadata",
    "upload-checksum",
    "upload-concat",
    "x-http-method-override",
    "x-requested-with",
)
DEFAULT_EXPOSE_HEADERS = (
    "ETag",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "Last-Modified",
    "Content-Type",
    "X-Cache",
    # tus (docs/tus.md)
    "Location",
    "Tus-Resumable",
    "Tus-Version",
    "Tus-Extension",
    "Tus-Max-Size",
    "Tus-Checksum-Algorithm",
    "Upload-Offset",
    "Upload-Length",
    "Upload-Defer-Length",
    "Upload-Expires",
    "Upload-Metadata",
    "Upload-Concat",
    "R2gate-Key",
)
DEFAULT_MAX_AGE = 86400

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SCHEME = r"[a-z][a-z0-9+.-]*"
_HOST = r"(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])"
_PORT = r"0|[1-9][0-9]{0,4}"
_ORIGIN = re.compile(rf"({_SCHEME})://({_HOST})(?::({_PORT}))?", re.ASCII)
_LABELS = r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*"
_SUBDOMAIN_PATTERN = re.compile(rf"({_SCHEME})://\*\.({_LABELS})(?::({_PORT}))?", re.ASCII)
_SCHEME_PATTERN = re.compile(rf"({_SCHEME})://\*", re.ASCII)
_SUBDOMAIN = re.compile(_LABELS, re.ASCII)
MAX_ORIGIN_CHARS = 2048
# Browsers list only the non-safelisted header names a request sets: a few dozen characters.
MAX_REQUEST_HEADERS_CHARS = 4096


@dataclass(frozen=True)
class CorsConfig:
    """Parsed CORS configuration (origin patterns lowercased)."""

    origins: tuple[str, ...] = ()
    methods: tuple[str, ...] = DEFAULT_METHODS
    allow_headers: tuple[str, ...] = DEFAULT_ALLOW_HEADERS
    expose_headers: tuple[str, ...] = DEFAULT_EXPOSE_HEADERS
    max_age: int = DEFAULT_MAX_AGE


def _check_origin_pattern(pattern: object) -> str:
    if not isinstance(pattern, str):
        raise ValueError(f"cors config: origin {pattern!r} must be a string")
    p = pattern.lower()
    if p in ("*", "null") or any(
        rx.fullmatch(p) for rx in (_ORIGIN, _SUBDOMAIN_PATTERN, _SCHEME_PATTERN)
    ):
        return p
    raise ValueError(
        f"cors config: bad origin pattern {pattern!r} (want scheme://host[:port], "
        "scheme://*.domain[:port], scheme://* or *; no path or trailing slash)"
    )


def _tokens(raw: object, key: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise ValueError(f"cors config: {key} must be a list of strings")
    for item in raw:
        if not isinstance(item, str) or not _TOKEN.fullmatch(item):
            raise ValueError(f"cors config: {key} entry {item!r} is not a header/method token")
    return tuple(raw)


def parse_cors_config(text: str | None) -> CorsConfig:
    """Parse the JSON config; None or blank text gives a config allowing no origin."""
    if text is None or not text.strip():
        return CorsConfig()
    try:
        raw = load_json_object(text, max_bytes=MAX_SETTING_BYTES)
    except JsonRejected as exc:
        raise ValueError(f"cors config must be one JSON object: {exc}") from None
    unknown = set(raw) - {"origins", "methods", "allow_headers", "expose_headers", "max_age"}
    if unknown:
        raise ValueError(f"cors config has unknown keys {sorted(unknown)}")
    origins = raw.get("origins", [])
    if not isinstance(origins, list):
        raise ValueError("cors config: origins must be a list of strings")
    max_age = raw.get("max_age", DEFAULT_MAX_AGE)
    if not isinstance(max_age, int) or isinstance(max_age, bool) or max_age < 0:
        raise ValueError("cors config: max_age must be a non-negative integer")
    return CorsConfig(
        origins=tuple(_check_origin_pattern(o) for o in origins),
        methods=_tokens(raw.get("methods", list(DEFAULT_METHODS)), "methods"),
        allow_headers=tuple(
            h.lower()
            for h in _tokens(raw.get("allow_headers", list(DEFAULT_ALLOW_HEADERS)), "allow_headers")
        ),
        expose_headers=_tokens(
            raw.get("expose_headers", list(DEFAULT_EXPOSE_HEADERS)), "expose_headers"
        ),
        max_age=max_age,
    )


def valid_origin(origin: str | None) -> re.Match[str] | None:
    """The parts (scheme, host, port) of a serialised origin as browsers send it, or None."""
    if not isinstance(origin, str) or len(origin) > MAX_ORIGIN_CHARS:
        return None
    match = _ORIGIN.fullmatch(origin)
    if match is None or (match.group(3) is not None and int(match.group(3)) > 65535):
        return None
    return match


def _matches(origin: re.Match[str], pattern: str) -> bool:
    """Does a valid origin match one lowercased pattern (other than "null")?"""
    if pattern == "*":
        return True
    if m := _SCHEME_PATTERN.fullmatch(pattern):
        return origin.group(1) == m.group(1)
    if m := _SUBDOMAIN_PATTERN.fullmatch(pattern):
        if origin.group(1) != m.group(1) or origin.group(3) != m.group(3):
            return False
        host, suffix = origin.group(2), "." + m.group(2)
        return host.endswith(suffix) and bool(_SUBDOMAIN.fullmatch(host[: -len(suffix)]))
    return origin.group(0) == pattern


def origin_allowed(origin: str | None, config: CorsConfig) -> bool:
    """True when the Origin header value is a valid origin (or `null`) matching a pattern."""
    if origin == "null":
        return "null" in config.origins
    parts = valid_origin(origin)
    return parts is not None and any(_matches(parts, p) for p in config.origins if p != "null")


def cors_headers(origin: str | None, config: CorsConfig) -> dict[str, str]:
    """CORS headers for an actual (non-preflight) response, whatever its status.

    With an origin list configured: `Vary: Origin` always, plus the allow/expose headers for
    an allowed origin. Without one: {}. The caller merges `Vary` with any Vary it sends.
    """
    if not config.origins:
        return {}
    if origin is None or not origin_allowed(origin, config):
        return {"Vary": "Origin"}
    headers = {"Access-Control-Allow-Origin": origin, "Vary": "Origin"}
    if config.expose_headers:
        headers["Access-Control-Expose-Headers"] = ", ".join(config.expose_headers)
    return headers


def _header_allowed(name: str, allowed: Iterable[str]) -> bool:
    return any(name.startswith(a[:-1]) if a.endswith("*") else name == a for a in allowed)


def preflight(
    origin: str | None,
    request_method: str | None,
    request_headers: str | None,
    config: CorsConfig,
    route_methods: Sequence[str],
) -> dict[str, str] | None:
    """Headers for a 204 preflight answer, or None when it must be rejected (see module doc).

    `request_method` / `request_headers` are the Access-Control-Request-Method and
    -Headers values; `route_methods` are the methods the requested path takes (its
    ``Allow``). The allowed methods are those the configuration also lists, and the
    requested method must be one of them. Every requested header must be allowed; they are
    echoed back, once each. A header list over `MAX_REQUEST_HEADERS_CHARS` is rejected unread.
    """
    if origin is None or not origin_allowed(origin, config) or not request_method:
        return None
    methods = [method for method in route_methods if method in config.methods]
    if request_method not in methods:
        return None
    if request_headers is not None and len(request_headers) > MAX_REQUEST_HEADERS_CHARS:
        return None
    requested: dict[str, None] = {}
    for item in (request_headers or "").split(","):
        name = item.strip(" \t").lower()
        if not name:
            continue
        if not _TOKEN.fullmatch(name) or not _header_allowed(name, config.allow_headers):
            return None
        requested[name] = None
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Max-Age": str(config.max_age),
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    return headers

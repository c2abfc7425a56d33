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
origin `null` matches only an explicit `"null"` entry. Matching ignores case.
`allow_headers` entries may end in `*` to allow every header with that prefix. A preflight
allows the methods its path takes (the route table's ``Allow``) that `methods` also lists.

Allowed origins are echoed (never a literal `*`) with `Vary: Origin`. A rejected preflight
gives None: answer it 403 with the JSON error body and no CORS headers, so the browser
fails the request and a human reading the response sees why.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DEFAULT_METHODS = ("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS")
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
)
DEFAULT_EXPOSE_HEADERS = (
    "ETag",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "Last-Modified",
    "Content-Type",
    "X-Cache",
)
DEFAULT_MAX_AGE = 86400

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_SCHEME = r"[a-z][a-z0-9+.-]*"
_HOST = r"(?:[a-z0-9_-]+(?:\.[a-z0-9_-]+)*|\[[0-9a-f:.]+\])"
_ORIGIN = re.compile(rf"({_SCHEME})://({_HOST})(?::([0-9]{{1,5}}))?", re.ASCII)
_LABELS = r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*"
_SUBDOMAIN_PATTERN = re.compile(rf"({_SCHEME})://\*\.({_LABELS})(?::([0-9]{{1,5}}))?", re.ASCII)
_SCHEME_PATTERN = re.compile(rf"({_SCHEME})://\*", re.ASCII)
_SUBDOMAIN = re.compile(_LABELS, re.ASCII)


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
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"cors config is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ValueError("cors config must be a JSON object")
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


def _matches(origin: str, pattern: str) -> bool:
    """Does the lowercased `origin` match one lowercased pattern?"""
    if pattern == "null" or origin == "null":
        return origin == pattern
    if pattern == "*":
        return True
    if m := _SCHEME_PATTERN.fullmatch(pattern):
        return origin.startswith(m.group(1) + "://") and len(origin) > len(m.group(1)) + 3
    if m := _SUBDOMAIN_PATTERN.fullmatch(pattern):
        o = _ORIGIN.fullmatch(origin)
        if o is None or o.group(1) != m.group(1) or o.group(3) != m.group(3):
            return False
        host, suffix = o.group(2), "." + m.group(2)
        return host.endswith(suffix) and bool(_SUBDOMAIN.fullmatch(host[: -len(suffix)]))
    return origin == pattern


def origin_allowed(origin: str | None, config: CorsConfig) -> bool:
    """True when the Origin header value matches a configured pattern."""
    if not origin or not origin.isascii() or not origin.isprintable() or " " in origin:
        return False
    o = origin.lower()
    return any(_matches(o, p) for p in config.origins)


def cors_headers(origin: str | None, config: CorsConfig) -> dict[str, str]:
    """CORS headers for an actual (non-preflight) response; {} if origin absent or denied.

    The caller merges `Vary` with any Vary it already sends.
    """
    if origin is None or not origin_allowed(origin, config):
        return {}
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
    echoed back.
    """
    if origin is None or not origin_allowed(origin, config) or not request_method:
        return None
    methods = [method for method in route_methods if method in config.methods]
    if request_method not in methods:
        return None
    requested: list[str] = []
    for item in (request_headers or "").split(","):
        name = item.strip(" \t").lower()
        if not name:
            continue
        if not _TOKEN.fullmatch(name) or not _header_allowed(name, config.allow_headers):
            return None
        if name not in requested:
            requested.append(name)
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Allow-Methods": ", ".join(methods),
        "Access-Control-Max-Age": str(config.max_age),
        "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
    }
    if requested:
        headers["Access-Control-Allow-Headers"] = ", ".join(requested)
    return headers

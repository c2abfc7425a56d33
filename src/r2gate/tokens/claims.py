"""The grant a token carries: its claims, validated into one immutable value.

Claims (unknown claims are ignored): ``op`` in put, mpu, get, delete; exactly one of ``key`` or
``prefix`` (ends with "/", matched by ``startswith``, so "u/42/" covers "u/42/x" and never
"u/420/x"); upload tokens (put, mpu) only: ``ct`` (a list of 1 to 32 RFC 9110 media types or
patterns, "type/sub", "type/*" or "*/*", kept canonical; an active type such as text/html is
allowed only when named exactly), ``max`` or ``len`` (not both), ``sha256`` (64 hex), ``meta``
(str -> str, compact JSON at most 8192 bytes UTF-8), ``cache`` (Cache-Control), ``ow`` (bool,
default false = create-only); get tokens only: ``dn`` (download name); any op: ``jti``, ``sub``
(the subject, named in upload events). The
registered claims (``aud``, ``iss``, ``exp``, ``nbf``, ``iat``) are checked by `verify`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from r2gate.mediatype import MediaTypeError, parse_media_ranges
from r2gate.stored_fields import CACHE_CONTROL, MAX_METADATA_BYTES, metadata_problem
from r2gate.text import has_control

from .config import is_int
from .errors import InvalidClaimError

__all__ = [
    "MAX_KEY_BYTES",
    "MAX_META_BYTES",
    "OPS",
    "UPLOAD_OPS",
    "TokenClaims",
    "parse_claims",
]

OPS = ("put", "mpu", "get", "delete")
UPLOAD_OPS = frozenset({"put", "mpu"})
MAX_META_BYTES = MAX_METADATA_BYTES
MAX_KEY_BYTES = 1024
_UPLOAD_ONLY = ("ct", "max", "len", "sha256", "meta", "cache", "ow")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


@dataclass(frozen=True)
class TokenClaims:
    """The validated grant of one token (times are None when absent or before minting)."""

    op: str
    key: str | None = None
    prefix: str | None = None
    content_types: tuple[str, ...] | None = None
    max_bytes: int | None = None
    exact_length: int | None = None
    sha256: str | None = None
    metadata: Mapping[str, str] | None = None
    cache_control: str | None = None
    overwrite: bool = False
    jti: str | None = None
    subject: str | None = None  # ``sub``: whom the backend minted it for (upload events)
    download_name: str | None = None
    expires_at: int | float | None = None
    not_before: int | float | None = None
    issued_at: int | float | None = None
    kid: str | None = None

    def covers(self, key: str) -> bool:
        """True when `key` is the token's key or lies under its prefix."""
        if not isinstance(key, str):
            return False
        if self.prefix is not None:
            return key.startswith(self.prefix)
        return key == self.key

    def to_claims(self) -> dict[str, Any]:
        """The grant as wire claims (no aud/iss/times)."""
        wire: dict[str, Any] = {"op": self.op}
        pairs = (
            ("key", self.key),
            ("prefix", self.prefix),
            ("ct", list(self.content_types) if self.content_types is not None else None),
            ("max", self.max_bytes),
            ("len", self.exact_length),
            ("sha256", self.sha256),
            ("meta", dict(self.metadata) if self.metadata is not None else None),
            ("cache", self.cache_control),
            ("ow", True if self.overwrite else None),
            ("jti", self.jti),
            ("sub", self.subject),
            ("dn", self.download_name),
        )
        wire.update((name, value) for name, value in pairs if value is not None)
        return wire


def _object_key(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidClaimError(f"claim {name!r} must be a non-empty string")
    if len(value.encode("utf-8")) > MAX_KEY_BYTES:
        raise InvalidClaimError(f"claim {name!r} exceeds {MAX_KEY_BYTES} bytes")
    return value


def _content_types(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidClaimError("claim 'ct' must be a non-empty list of media types")
    try:
        return tuple(r.canonical for r in parse_media_ranges(value))
    except MediaTypeError:
        raise InvalidClaimError(
            "claim 'ct' entries must be media types or patterns: type/subtype, type/* or */*"
        ) from None


def _size(value: Any, name: str) -> int:
    if not is_int(value) or value < 0:
        raise InvalidClaimError(f"claim {name!r} must be a non-negative integer")
    return int(value)


def _metadata(value: Any) -> dict[str, str]:
    """``meta``: custom metadata as the write policy stores it (r2gate.stored_fields)."""
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and k and isinstance(v, str) for k, v in value.items()
    ):
        raise InvalidClaimError("claim 'meta' must be an object of non-empty string -> string")
    problem = metadata_problem(value)
    if problem is not None:
        raise InvalidClaimError(f"claim 'meta' is not storable metadata: {problem}")
    return dict(value)


def _text(value: Any, name: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value or len(value) > 1024:
        raise InvalidClaimError(f"claim {name!r} must be a non-empty string of at most 1024 chars")
    if (pattern is not None and not pattern.fullmatch(value)) or has_control(value):
        raise InvalidClaimError(f"claim {name!r} contains characters that are not allowed")
    return value


def parse_claims(payload: Mapping[str, Any]) -> TokenClaims:
    """Validate the grant claims of a payload; InvalidClaimError names the bad claim."""
    op = payload.get("op")
    if op not in OPS:
        raise InvalidClaimError(f"claim 'op' must be one of {', '.join(OPS)}")
    if ("key" in payload) == ("prefix" in payload):
        raise InvalidClaimError("exactly one of claims 'key' and 'prefix' is required")
    if op not in UPLOAD_OPS and any(name in payload for name in _UPLOAD_ONLY):
        raise InvalidClaimError(f"claims {', '.join(_UPLOAD_ONLY)} are only for put/mpu tokens")
    if op != "get" and "dn" in payload:
        raise InvalidClaimError("claim 'dn' is only for get tokens")
    if "max" in payload and "len" in payload:
        raise InvalidClaimError("claims 'max' and 'len' are mutually exclusive")
    fields: dict[str, Any] = {"op": op}
    if "key" in payload:
        fields["key"] = _object_key(payload["key"], "key")
    else:
        prefix = _object_key(payload["prefix"], "prefix")
        if not prefix.endswith("/"):
            raise InvalidClaimError("claim 'prefix' must end with '/'")
        fields["prefix"] = prefix
    if "ct" in payload:
        fields["content_types"] = _content_types(payload["ct"])
    if "max" in payload:
        fields["max_bytes"] = _size(payload["max"], "max")
    if "len" in payload:
        fields["exact_length"] = _size(payload["len"], "len")
    if "sha256" in payload:
        if not isinstance(payload["sha256"], str) or not _SHA256.fullmatch(payload["sha256"]):
            raise InvalidClaimError("claim 'sha256' must be 64 hex characters")
        fields["sha256"] = payload["sha256"].lower()
    if "meta" in payload:
        fields["metadata"] = MappingProxyType(_metadata(payload["meta"]))  # shared: read-only
    if "cache" in payload:
        fields["cache_control"] = _text(payload["cache"], "cache", CACHE_CONTROL)
    if "ow" in payload:
        if not isinstance(payload["ow"], bool):
            raise InvalidClaimError("claim 'ow' must be a boolean")
        fields["overwrite"] = payload["ow"]
    if "jti" in payload:
        fields["jti"] = _text(payload["jti"], "jti")
    if "sub" in payload:
        fields["subject"] = _text(payload["sub"], "sub")
    if "dn" in payload:
        fields["download_name"] = _text(payload["dn"], "dn")
    return TokenClaims(**fields)

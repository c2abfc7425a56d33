"""Tenant quotas: one decision for every write surface (docs/events.md, "Quotas").

A scoped API key or S3 key pair may carry ``quota_bytes``: the objects under its prefixes may
hold at most that many bytes. A write of a key under a quota's prefixes is refused when the
indexed bytes under them plus the write's declared size exceed it: 413 ``quota_exceeded``
(S3: 403 ``QuotaExceeded``). The bytes come from the object index (D1), which the Queue
consumer keeps: the quota is as fresh as the index, seconds behind the bucket.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ApiError

if TYPE_CHECKING:
    from .apikeys import ApiKey

__all__ = ["Quota", "check_quotas", "configured_quotas", "covering", "prefix_range"]


@dataclass(frozen=True)
class Quota:
    """A credential's quota: `limit` bytes under its `prefixes`."""

    name: str
    prefixes: tuple[str, ...]
    limit: int


def configured_quotas(api_keys: Iterable[ApiKey], s3_scopes: Iterable[ApiKey]) -> tuple[Quota, ...]:
    """The quotas of the API keys and S3 key pairs (their scopes) that carry one, named
    ``key:<name>`` and ``s3:<name>``."""
    return tuple(
        Quota(f"{kind}:{scope.name}", scope.prefixes, scope.quota_bytes)
        for kind, scopes in (("key", api_keys), ("s3", s3_scopes))
        for scope in scopes
        if scope.quota_bytes is not None
    )


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The key range [low, high) of the keys under `prefix` (high None: no end). A prefix
    ends with "/", so the range ends just past it ("a/" -> ["a/", "a0"))."""
    if not prefix:
        return "", None
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def covering(quotas: Iterable[Quota], key: str) -> list[Quota]:
    """The quotas whose prefixes hold `key`: each must allow a write of it."""
    return [q for q in quotas if any(key.startswith(p) for p in q.prefixes)]


def check_quotas(quotas: Iterable[Quota], used: Mapping[str, int], declared: int | None) -> None:
    """The one quota decision, for every write surface: 413 quota_exceeded when a quota's
    `used` bytes (by quota name) plus the `declared` size exceed its limit; a write whose size
    is not known yet (None: a multipart upload's creation, a token without max_bytes) is
    refused once the quota is reached."""
    for quota in quotas:
        spent = used.get(quota.name, 0)
        over = spent >= quota.limit if declared is None else spent + declared > quota.limit
        if over:
            raise ApiError(
                413,
                "quota_exceeded",
                f"This upload would exceed the storage quota of {quota.name!r} "
                f"({quota.limit} bytes; {spent} in use).",
                {"X-R2gate-Quota-Limit": str(quota.limit)},
            )

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

from .errors import ApiError

__all__ = ["Quota", "check_quotas", "covering", "prefix_range"]


@dataclass(frozen=True)
class Quota:
    """A credential's quota: `limit` bytes under its `prefixes`."""

    name: str
    prefixes: tuple[str, ...]
    limit: int


def prefix_range(prefix: str) -> tuple[str, str | None]:
    """The key range [low, high) of the keys under `prefix` (high None: no end). A prefix
    ends with "/", so the range ends just past it ("a/" -> ["a/", "a0"))."""
    if not prefix:
        return "", None
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def covering(quotas: Iterable[Quota], key: str) -> list[Quota]:
    """The quotas whose prefixes hold `key`: each must allow a write of it."""
    return [q for q in quotas if any(key.startswith(p) for p in q.prefixes)]


def check_quotas(quotas: Iterable[Quota], used: Mapping[str, int], declared: int) -> None:
    """413 quota_exceeded when a quota's `used` bytes (by quota name) plus `declared` exceed
    its limit."""
    for quota in quotas:
        total = used.get(quota.name, 0) + max(declared, 0)
        if total > quota.limit:
            raise ApiError(
                413,
                "quota_exceeded",
                f"This upload would exceed the storage quota of {quota.name!r} "
                f"({quota.limit} bytes; {used.get(quota.name, 0)} in use).",
                {"X-R2gate-Quota-Limit": str(quota.limit)},
            )

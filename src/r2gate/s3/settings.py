"""The S3 surface's settings: its key pairs and the bucket name clients use.

* ``S3_ACCESS_KEY_ID`` + ``S3_SECRET_ACCESS_KEY``, ``S3_CREDENTIALS``: the key pairs
  (`credentials.load_s3_credentials`). An S3 secret may not be an API key's secret too:
  the two are handed to different programs and rotated apart.
* ``S3_BUCKET``: the bucket name in ``/api/s3/<bucket>``, wrangler.toml's ``bucket_name``
  (a Worker cannot read the name of its binding). Unset: the S3 surface answers
  NotImplemented to every request.
* ``S3_HOSTS``: host names that serve the S3 API virtual-hosted style
  (``r2gate-assets.s3.example.com``, each ``<S3_BUCKET>.`` followed by a domain), separated
  by commas; routes for them go in wrangler.toml (docs/s3.md, Endpoints).
* ``S3_BUCKET_CREATED``: the bucket's creation date ListBuckets reports
  (``2026-11-01T00:00:00Z``); unset, the date r2gate's database was set up.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from r2gate.apikeys import ApiKey

from .credentials import S3Keyring, load_s3_credentials

__all__ = ["S3_SETTING_NAMES", "S3Settings", "parse_s3_settings"]

S3_SETTING_NAMES = (
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_CREDENTIALS",
    "S3_BUCKET",
    "S3_HOSTS",
    "S3_BUCKET_CREATED",
)
# S3's bucket naming rules: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_CREATED = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})Z")


@dataclass(frozen=True)
class S3Settings:
    """The S3 key pairs, and the bucket name (None: the S3 surface is off)."""

    keyring: S3Keyring = field(default_factory=S3Keyring)
    bucket: str | None = None
    hosts: frozenset[str] = frozenset()
    created: datetime | None = None


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).digest()


def parse_s3_settings(raw: Mapping[str, str | None], api_keys: Iterable[ApiKey]) -> S3Settings:
    """Parse the S3 settings; ValueError naming the setting (never a secret)."""
    keyring = load_s3_credentials(
        raw.get("S3_ACCESS_KEY_ID"), raw.get("S3_SECRET_ACCESS_KEY"), raw.get("S3_CREDENTIALS")
    )
    api_digests = [_digest(key.secret) for key in api_keys]
    for credential in keyring:
        digest = _digest(credential.secret_access_key)
        if any(hmac.compare_digest(digest, other) for other in api_digests):
            raise ValueError(
                f"S3 credential {credential.name!r}: its secret is also an API key's secret; "
                "give the S3 key pair its own secret"
            )
    bucket = (raw.get("S3_BUCKET") or "").strip() or None
    if bucket is not None and not _BUCKET.fullmatch(bucket):
        raise ValueError("S3_BUCKET must be the bucket_name of wrangler.toml (3-63 of a-z 0-9 . -)")
    hosts = _hosts(raw.get("S3_HOSTS"), bucket)
    return S3Settings(keyring, bucket, hosts, _created(raw.get("S3_BUCKET_CREATED")))


def _hosts(text: str | None, bucket: str | None) -> frozenset[str]:
    names = [name.strip().lower() for name in (text or "").split(",") if name.strip()]
    if names and bucket is None:
        raise ValueError("S3_HOSTS needs S3_BUCKET")
    for name in names:
        labels = name.split(".")
        if (
            len(name) > 253
            or not name.startswith(f"{bucket}.")
            or len(labels) < 3
            or not all(_LABEL.fullmatch(label) for label in labels[len(str(bucket).split(".")) :])
        ):
            raise ValueError(
                "S3_HOSTS: each host must be <S3_BUCKET>. followed by a domain "
                "(r2gate-assets.s3.example.com)"
            )
    return frozenset(names)


def _created(text: str | None) -> datetime | None:
    if text is None or not text.strip():
        return None
    found = _CREATED.fullmatch(text.strip())
    try:
        if found is None:
            raise ValueError("not an ISO 8601 UTC time")
        year, month, day, hour, minute, second = (int(part) for part in found.groups())
        return datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        raise ValueError("S3_BUCKET_CREATED must be like 2026-11-01T00:00:00Z") from None

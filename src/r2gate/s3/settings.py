"""The S3 surface's settings: its key pairs and the bucket name clients use.

* ``S3_ACCESS_KEY_ID`` + ``S3_SECRET_ACCESS_KEY``, ``S3_CREDENTIALS``: the key pairs
  (`credentials.load_s3_credentials`). An S3 secret may not be an API key's secret too:
  the two are handed to different programs and rotated apart.
* ``S3_BUCKET``: the bucket name in ``/api/s3/<bucket>``, wrangler.toml's ``bucket_name``
  (a Worker cannot read the name of its binding). Unset: the S3 surface answers
  NotImplemented to every request.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from r2gate.apikeys import ApiKey

from .credentials import S3Keyring, load_s3_credentials

__all__ = ["S3_SETTING_NAMES", "S3Settings", "parse_s3_settings"]

S3_SETTING_NAMES = ("S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_CREDENTIALS", "S3_BUCKET")
# S3's bucket naming rules: 3-63 of a-z 0-9 . -, starting and ending with a letter or digit.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")


@dataclass(frozen=True)
class S3Settings:
    """The S3 key pairs, and the bucket name (None: the S3 surface is off)."""

    keyring: S3Keyring = field(default_factory=S3Keyring)
    bucket: str | None = None


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
    return S3Settings(keyring, bucket)

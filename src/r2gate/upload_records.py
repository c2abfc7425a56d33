"""What r2gate records in R2 about a multipart upload, and who may use it.

The R2 binding cannot list the parts of an upload, so r2gate keeps its own records under the
reserved ``api/`` prefix, which clients can never read or write (``keys.validate_key``):

* ``api/uploads/<upload_id>``: the manifest, an empty object whose custom metadata holds the
  target key, R2's upload id, the owner, the part size, times and the token's bounds;
* ``api/upload-parts/<upload_id>/<nnnnn>``: one empty object per received part, custom
  metadata ``{"size": "<bytes>", "etag": "<R2 etag>"}``.

Manifests and parts live under different prefixes so that the cleanup cron lists manifests
only. ``upload_id`` is r2gate's own id (32 lowercase hex characters), never R2's.

An upload belongs to the caller that created it (``owner``): an API key by name, a token by
its ``jti`` (so a refreshed token with the same ``jti`` continues the upload), a token without
``jti`` by a digest of its whole grant, an S3 key pair by its name. Anything else, another
key, or an expired manifest is ``404 upload_not_found``, so upload ids reveal nothing to other
callers.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from .errors import ApiError
from .tokens import TokenClaims
from .uploads import UploadBounds

__all__ = [
    "MANIFEST_PREFIX",
    "PARTS_PREFIX",
    "Manifest",
    "PartRecord",
    "check_access",
    "expired_upload_ids",
    "manifest_key",
    "owner_for_api_key",
    "owner_for_s3_key",
    "owner_for_token",
    "part_record_key",
    "part_record_metadata",
    "part_records",
    "parts_prefix",
    "upload_id_from_manifest_key",
    "valid_upload_id",
]

MANIFEST_PREFIX = "api/uploads/"
PARTS_PREFIX = "api/upload-parts/"
MANIFEST_VERSION = "1"
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")
_DIGITS = re.compile(r"[0-9]{1,16}")


def valid_upload_id(upload_id: str) -> bool:
    """True for the ids r2gate hands out (32 lowercase hex characters)."""
    return isinstance(upload_id, str) and _UPLOAD_ID.fullmatch(upload_id) is not None


def manifest_key(upload_id: str) -> str:
    return f"{MANIFEST_PREFIX}{upload_id}"


def upload_id_from_manifest_key(key: str) -> str | None:
    """The upload id of a manifest key from a listing, or None for anything else."""
    if not key.startswith(MANIFEST_PREFIX):
        return None
    upload_id = key[len(MANIFEST_PREFIX) :]
    return upload_id if valid_upload_id(upload_id) else None


def parts_prefix(upload_id: str) -> str:
    return f"{PARTS_PREFIX}{upload_id}/"


def part_record_key(upload_id: str, part_number: int) -> str:
    """Zero-padded, so a listing returns parts in order."""
    return f"{parts_prefix(upload_id)}{part_number:05d}"


def owner_for_api_key(name: str) -> str:
    return f"key:{name}"


def owner_for_s3_key(name: str) -> str:
    """An S3 key pair's uploads, by the pair's configured name."""
    return f"s3:{name}"


def owner_for_token(claims: TokenClaims) -> str:
    """``jti:<jti>``; without a jti, a digest of the token's grant, times and kid."""
    if claims.jti is not None:
        return f"jti:{claims.jti}"
    grant = {
        "claims": claims.to_claims(),
        "exp": claims.expires_at,
        "nbf": claims.not_before,
        "iat": claims.issued_at,
        "kid": claims.kid,
    }
    canonical = json.dumps(grant, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return f"grant:{hashlib.sha256(canonical.encode('ascii')).hexdigest()}"


def _int(value: str | None) -> int:
    if value is None or _DIGITS.fullmatch(value) is None:
        raise ValueError("not a whole number")
    return int(value)


def _optional_int(value: str | None) -> int | None:
    return None if value is None else _int(value)


@dataclass(frozen=True)
class Manifest:
    """One upload as r2gate recorded it at creation."""

    upload_id: str
    key: str
    r2_upload_id: str
    owner: str
    part_size: int
    created: int  # unix seconds
    expires: int  # unix seconds; the upload is gone from then on
    content_type: str
    max_bytes: int | None = None  # the creating token's `max`
    exact_length: int | None = None  # the creating token's `len`
    overwrite: bool = True  # False: a create-only token (412 when the key exists)
    client_sized: bool = False  # S3: the client picks the part size; part_size is the maximum

    @classmethod
    def new(
        cls,
        *,
        upload_id: str,
        key: str,
        r2_upload_id: str,
        owner: str,
        part_size: int,
        content_type: str,
        now: int,
        max_age: int,
        bounds: UploadBounds | None,
        client_sized: bool = False,
    ) -> Manifest:
        """A new upload's manifest: a bounded caller's limits and create-only flag are kept;
        a trusted caller's upload is unbounded and may replace an existing object, as its PUT
        does."""
        return cls(
            upload_id=upload_id,
            key=key,
            r2_upload_id=r2_upload_id,
            owner=owner,
            part_size=part_size,
            created=now,
            expires=now + max_age,
            content_type=content_type,
            max_bytes=bounds.max_bytes if bounds is not None else None,
            exact_length=bounds.exact_length if bounds is not None else None,
            overwrite=bounds.overwrite if bounds is not None else True,
            client_sized=client_sized,
        )

    def to_metadata(self) -> dict[str, str]:
        """The manifest object's custom metadata (strings only)."""
        metadata = {
            "v": MANIFEST_VERSION,
            "key": self.key,
            "r2_upload_id": self.r2_upload_id,
            "owner": self.owner,
            "part_size": str(self.part_size),
            "created": str(self.created),
            "expires": str(self.expires),
            "content_type": self.content_type,
            "overwrite": "1" if self.overwrite else "0",
        }
        if self.max_bytes is not None:
            metadata["max_bytes"] = str(self.max_bytes)
        if self.exact_length is not None:
            metadata["exact_length"] = str(self.exact_length)
        if self.client_sized:
            metadata["sized_by"] = "client"
        return metadata

    @classmethod
    def from_metadata(cls, upload_id: str, metadata: Mapping[str, str]) -> Manifest:
        """Parse what `to_metadata` wrote; ValueError for anything else."""
        if metadata.get("v") != MANIFEST_VERSION or metadata.get("overwrite") not in ("0", "1"):
            raise ValueError("not an r2gate upload manifest")
        if metadata.get("sized_by", "client") != "client":
            raise ValueError("unknown sized_by")
        texts = [metadata.get(name) for name in ("key", "r2_upload_id", "owner", "content_type")]
        if not all(isinstance(text, str) and text for text in texts):
            raise ValueError("manifest lacks a required member")
        key, r2_upload_id, owner, content_type = (str(text) for text in texts)
        return cls(
            upload_id=upload_id,
            key=key,
            r2_upload_id=r2_upload_id,
            owner=owner,
            part_size=_int(metadata.get("part_size")),
            created=_int(metadata.get("created")),
            expires=_int(metadata.get("expires")),
            content_type=content_type,
            max_bytes=_optional_int(metadata.get("max_bytes")),
            exact_length=_optional_int(metadata.get("exact_length")),
            overwrite=metadata["overwrite"] == "1",
            client_sized="sized_by" in metadata,
        )


def _not_found() -> ApiError:
    return ApiError(404, "upload_not_found", "No such multipart upload for this key and caller.")


def check_access(manifest: Manifest | None, key: str, owner: str, now: int) -> Manifest:
    """The manifest, if it exists, is for `key`, belongs to `owner` and has not expired;
    otherwise 404 upload_not_found (the same answer for every case)."""
    if manifest is None:
        raise _not_found()
    same_key = hmac.compare_digest(manifest.key.encode("utf-8"), key.encode("utf-8"))
    same_owner = hmac.compare_digest(manifest.owner.encode("utf-8"), owner.encode("utf-8"))
    if not (same_key and same_owner) or now >= manifest.expires:
        raise _not_found()
    return manifest


@dataclass(frozen=True)
class PartRecord:
    """A received part: its number, its size in bytes and R2's etag for it."""

    part_number: int
    size: int
    etag: str

    def to_json(self) -> dict[str, object]:
        return {"part_number": self.part_number, "size": self.size, "etag": self.etag}


def part_record_metadata(size: int, etag: str) -> dict[str, str]:
    return {"size": str(size), "etag": etag}


def part_records(
    upload_id: str, listed: Iterable[tuple[str, Mapping[str, str]]]
) -> dict[int, PartRecord]:
    """Part number -> record from listed (key, custom metadata) pairs. Entries that are not
    well-formed part records are skipped, so they count as never received."""
    prefix = parts_prefix(upload_id)
    records: dict[int, PartRecord] = {}
    for key, metadata in listed:
        number = key[len(prefix) :] if key.startswith(prefix) else ""
        etag = metadata.get("etag")
        if len(number) != 5 or not number.isdigit() or not isinstance(etag, str) or not etag:
            continue
        try:
            size = _int(metadata.get("size"))
        except ValueError:
            continue
        records[int(number)] = PartRecord(part_number=int(number), size=size, etag=etag)
    return records


def expired_upload_ids(
    manifests: Iterable[tuple[str, datetime]], now: datetime, max_age: int
) -> list[str]:
    """Upload ids of listed manifests (key, uploaded) at least `max_age` seconds old at `now`
    (aware datetimes), oldest first; keys that are not manifests are ignored."""
    expired = []
    for key, uploaded in manifests:
        upload_id = upload_id_from_manifest_key(key)
        if upload_id is not None and (now - uploaded).total_seconds() >= max_age:
            expired.append((uploaded, upload_id))
    return [upload_id for _, upload_id in sorted(expired)]

"""What r2gate records about a multipart upload, and who may use it.

The R2 binding cannot list an upload's parts, so r2gate keeps its own records, in D1 (the
``DB`` binding, migrations/0001_upload_records.sql), outside the bucket's key space, so that
no listing of the bucket ever shows them: a row of ``uploads`` per upload (the target key,
R2's upload id, the owner, the part size, the creator's limits, times, and once completed
the object it became) and a row of ``upload_parts`` per received part (size, R2's etag, the
part's MD5 and checksum when known). ``upload_id`` is r2gate's own id (32 lowercase hex
characters), never R2's. This module turns rows into plain values and back; the handlers
(handlers/upload_store.py) run the SQL.

An upload belongs to the caller that created it (``owner``): an API key by name, a token by
its ``jti`` (so a refreshed token with the same ``jti`` continues the upload), a token without
``jti`` by a digest of its whole grant, an S3 key pair by its name. Anything else, another
key, or an expired upload is ``404 upload_not_found``, so upload ids reveal nothing to other
callers.

Earlier versions kept these records in the bucket under ``api/uploads/`` and
``api/upload-parts/`` (`LEGACY_PREFIXES`); the cleanup cron removes what is left of them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .tokens import TokenClaims
from .uploads import UploadBounds

__all__ = [
    "LEGACY_PREFIXES",
    "ROW_COLUMNS",
    "Manifest",
    "PartRecord",
    "check_access",
    "owner_for_api_key",
    "owner_for_s3_key",
    "owner_for_token",
    "part_records",
    "valid_upload_id",
]

LEGACY_PREFIXES = ("api/uploads/", "api/upload-parts/")
# The columns of an ``uploads`` row, in the order `Manifest.to_row` gives them.
ROW_COLUMNS = (
    "upload_id",
    "key",
    "r2_upload_id",
    "owner",
    "part_size",
    "client_sized",
    "content_type",
    "max_bytes",
    "exact_length",
    "overwrite",
    "checksum_algorithm",
    "checksum_type",
    "created",
    "expires",
    "completed_etag",
    "completed_size",
)
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


def valid_upload_id(upload_id: str) -> bool:
    """True for the ids r2gate hands out (32 lowercase hex characters)."""
    return isinstance(upload_id, str) and _UPLOAD_ID.fullmatch(upload_id) is not None


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


def _integer(row: Mapping[str, Any], name: str) -> int:
    value = row.get(name)
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # D1 hands numbers to JS, and JS has one number type
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{name} is not a whole number")
    return value


def _optional_integer(row: Mapping[str, Any], name: str) -> int | None:
    return None if row.get(name) is None else _integer(row, name)


def _text(row: Mapping[str, Any], name: str) -> str:
    value = row.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} is missing")
    return value


@dataclass(frozen=True)
class Manifest:
    """One upload as r2gate recorded it at creation (and, once completed, what it became)."""

    upload_id: str
    key: str
    r2_upload_id: str
    owner: str
    part_size: int
    created: int  # unix seconds
    expires: int  # unix seconds; the upload is gone from then on
    content_type: str
    max_bytes: int | None = None  # the creator's limits: a token's `max`, a pair's `max_bytes`
    exact_length: int | None = None  # a token's `len`
    overwrite: bool = True  # False: create-only (412 when the key exists)
    client_sized: bool = False  # S3: the client picks the part size; part_size is the maximum
    checksum_algorithm: str | None = None  # S3's ChecksumAlgorithm, when one was asked for
    checksum_type: str | None = None  # COMPOSITE or FULL_OBJECT
    completed_etag: str | None = None  # R2's etag of the object it became, once completed
    completed_size: int | None = None

    @property
    def completed(self) -> bool:
        return self.completed_etag is not None

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
        checksum_algorithm: str | None = None,
        checksum_type: str | None = None,
    ) -> Manifest:
        """A new upload's record: a bounded creator's limits and create-only flag are kept; a
        trusted creator's upload is unbounded and may replace an existing object, as its PUT
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
            checksum_algorithm=checksum_algorithm,
            checksum_type=checksum_type,
        )

    def to_row(self) -> dict[str, Any]:
        """The ``uploads`` row (column -> value, D1's types: text, integers, null)."""
        return {
            "upload_id": self.upload_id,
            "key": self.key,
            "r2_upload_id": self.r2_upload_id,
            "owner": self.owner,
            "part_size": self.part_size,
            "client_sized": int(self.client_sized),
            "content_type": self.content_type,
            "max_bytes": self.max_bytes,
            "exact_length": self.exact_length,
            "overwrite": int(self.overwrite),
            "checksum_algorithm": self.checksum_algorithm,
            "checksum_type": self.checksum_type,
            "created": self.created,
            "expires": self.expires,
            "completed_etag": self.completed_etag,
            "completed_size": self.completed_size,
        }

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> Manifest:
        """Parse an ``uploads`` row; ValueError for anything `to_row` does not write."""
        upload_id = _text(row, "upload_id")
        if not valid_upload_id(upload_id):
            raise ValueError("not an r2gate upload id")
        checksum, kind = row.get("checksum_algorithm"), row.get("checksum_type")
        etag = row.get("completed_etag")
        return cls(
            upload_id=upload_id,
            key=_text(row, "key"),
            r2_upload_id=_text(row, "r2_upload_id"),
            owner=_text(row, "owner"),
            part_size=_integer(row, "part_size"),
            created=_integer(row, "created"),
            expires=_integer(row, "expires"),
            content_type=_text(row, "content_type"),
            max_bytes=_optional_integer(row, "max_bytes"),
            exact_length=_optional_integer(row, "exact_length"),
            overwrite=_integer(row, "overwrite") == 1,
            client_sized=_integer(row, "client_sized") == 1,
            checksum_algorithm=checksum if isinstance(checksum, str) and checksum else None,
            checksum_type=kind if isinstance(kind, str) and kind else None,
            completed_etag=etag if isinstance(etag, str) and etag else None,
            completed_size=_optional_integer(row, "completed_size"),
        )


def _not_found() -> ApiError:
    return ApiError(404, "upload_not_found", "No such multipart upload for this key and caller.")


def check_access(
    manifest: Manifest | None, key: str, owner: str, now: int, *, completed: bool = False
) -> Manifest:
    """The record, if it exists, is for `key`, belongs to `owner`, has not expired and is
    still open (or, with `completed`, may be completed); otherwise 404 upload_not_found (the
    same answer for every case)."""
    if manifest is None:
        raise _not_found()
    same_key = hmac.compare_digest(manifest.key.encode("utf-8"), key.encode("utf-8"))
    same_owner = hmac.compare_digest(manifest.owner.encode("utf-8"), owner.encode("utf-8"))
    if not (same_key and same_owner) or now >= manifest.expires:
        raise _not_found()
    if manifest.completed and not completed:
        raise _not_found()
    return manifest


PART_ETAG_MARK = "r2-"  # PartRecord.client_etag


@dataclass(frozen=True)
class PartRecord:
    """A received part: its number, its size in bytes, R2's etag for it, and when known the
    MD5 of its bytes (S3's part ETag), its checksum (``algorithm:base64``) and when it came
    (unix milliseconds)."""

    part_number: int
    size: int
    etag: str
    md5: str | None = None
    checksum: str | None = None
    uploaded: int = 0

    def to_json(self) -> dict[str, object]:
        return {"part_number": self.part_number, "etag": self.etag, "size": self.size}

    @property
    def client_etag(self) -> str:
        """The ETag an S3 client is given for the part (and lists to complete): the MD5 of
        its bytes when it was computed, else R2's etag marked ``r2-``. An S3 ETag without a
        ``-`` claims to be the MD5 of the bytes, and s3cmd checks every such part ETag
        against its own MD5 and sends the part again when they differ; R2's etag is
        base64url, which has a ``-`` only sometimes. r2gate's own API gives R2's etag
        (`to_json`); a completion accepts either (`etag_matches`)."""
        return self.md5 or f"{PART_ETAG_MARK}{self.etag}"

    def etag_matches(self, given: str) -> bool:
        """Is `given` (unquoted) this part's etag, as either API gave it (constant time)?"""
        sent = given.encode("utf-8")
        return hmac.compare_digest(sent, self.client_etag.encode("utf-8")) | hmac.compare_digest(
            sent, self.etag.encode("utf-8")
        )

    @classmethod
    def from_row(cls, row: Mapping[str, Any]) -> PartRecord:
        md5, checksum = row.get("md5"), row.get("checksum")
        return cls(
            part_number=_integer(row, "part_number"),
            size=_integer(row, "size"),
            etag=_text(row, "etag"),
            md5=md5 if isinstance(md5, str) and md5 else None,
            checksum=checksum if isinstance(checksum, str) and checksum else None,
            uploaded=_optional_integer(row, "uploaded") or 0,
        )


def part_records(rows: Iterable[Mapping[str, Any]]) -> dict[int, PartRecord]:
    """Part number -> record from ``upload_parts`` rows; malformed rows are skipped, so they
    count as never received."""
    records: dict[int, PartRecord] = {}
    for row in rows:
        try:
            record = PartRecord.from_row(row)
        except ValueError:
            continue
        records[record.part_number] = record
    return records

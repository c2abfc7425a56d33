"""S3 credentials (access key id + secret access key), scoped like API keys.

Configuration (both may be set; names and access key ids unique, secrets distinct):

* ``S3_ACCESS_KEY_ID`` + ``S3_SECRET_ACCESS_KEY``: one full-access pair named
  "s3-default" (every op, prefixes ``[""]``), the S3 counterpart of ``API_KEY``. Setting
  only one of the two is a configuration error.
* ``S3_CREDENTIALS``: JSON ``{"credentials": [{"name": "tenant42-s3",
  "access_key_id": "...", "secret_access_key": "...", "ops": ["read", "write", "sign"],
  "prefixes": ["tenant-42/"], "limits": {"max_bytes": 10485760,
  "content_types": ["image/*"], "create_only": true}, "quota_bytes": 10737418240}]}``.
  ``limits`` and each of its members, and ``quota_bytes`` (as for API keys: r2gate.quotas),
  are optional; every other member is required; unknown members are refused.

Why a separate setting rather than extra members in ``API_KEYS`` entries: the Bearer key
and the S3 pair are two secrets with two lifetimes (an S3 pair sits in a backend's boto3
settings, a Bearer key elsewhere), a backend often needs only one of them, and rotating
one must not touch the other. The scope semantics are shared by composition: every
credential carries an `r2gate.apikeys.ApiKey` with the same ops (read, write, delete,
sign, list) and prefixes ("" or ending in "/"), so "tenant-42/" never covers "tenant-420/x".

Access key ids are 16 to 128 characters of ``[A-Za-z0-9._-]`` (they travel in
``Credential=`` and are not secret); secret access keys are 32 to 256 visible ASCII
characters. Errors name the entry (index and name), never a secret.

`ops` for S3 requests: GET/HEAD need read, PUT/multipart/copy-destination need write,
DELETE needs delete, listing needs list on the listed prefix; a presigned URL or a
presigned POST (a request signed for someone else) additionally needs sign. `limits`
apply to presigned PUTs and POSTs, the requests a credential hands to third parties.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from r2gate.apikeys import API_OPS, MAX_QUOTA, ApiKey, valid_quota
from r2gate.json_bounds import MAX_SETTING_BYTES, load_json_object
from r2gate.mediatype import MediaTypeError, allows, parse_media_ranges, parse_media_type
from r2gate.operations import Operation

from .errors import InvalidAccessKeyId

__all__ = [
    "DEFAULT_CREDENTIAL_NAME",
    "S3Credential",
    "S3Keyring",
    "UploadLimits",
    "load_s3_credentials",
]

DEFAULT_CREDENTIAL_NAME = "s3-default"
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9._-]{16,128}")
_SECRET = re.compile(r"[\x21-\x7e]{32,256}")
_MEDIA_RANGE = re.compile(r"(?:\*/\*|[!#$%&'+.^_`|~0-9a-z-]+/(?:\*|[!#$%&'+.^_`|~0-9a-z-]+))")
_ENTRY_REQUIRED = frozenset({"name", "access_key_id", "secret_access_key", "ops", "prefixes"})
_ENTRY_MEMBERS = _ENTRY_REQUIRED | {"limits", "quota_bytes"}
_LIMIT_MEMBERS = frozenset({"max_bytes", "content_types", "create_only"})
MAX_CREDENTIALS = 1000


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class UploadLimits:
    """What a credential's presigned PUTs and POSTs may store.

    `max_bytes`: largest object; `content_types`: media ranges ("image/png", "image/*",
    "*/*"), parameters and case ignored; `create_only`: never overwrite an existing key.
    """

    max_bytes: int | None = None
    content_types: tuple[str, ...] | None = None
    create_only: bool = False

    def __post_init__(self) -> None:
        if self.max_bytes is not None and (not _is_int(self.max_bytes) or self.max_bytes < 0):
            raise ValueError("max_bytes must be a non-negative integer")
        if self.content_types is not None:
            ranges = tuple(self.content_types)
            if not ranges or not all(
                isinstance(r, str) and _MEDIA_RANGE.fullmatch(r) for r in ranges
            ):
                raise ValueError("content_types must be type/subtype, type/* or */* (lower case)")
            object.__setattr__(self, "content_types", ranges)
        if not isinstance(self.create_only, bool):
            raise ValueError("create_only must be true or false")

    @property
    def unlimited(self) -> bool:
        return self.max_bytes is None and self.content_types is None and not self.create_only

    def allows_size(self, length: int) -> bool:
        return self.max_bytes is None or length <= self.max_bytes

    def allows_content_type(self, content_type: str | None) -> bool:
        """RFC 9110 media types against the allowed ranges (r2gate.mediatype): parameters and
        case ignored, an active type (HTML, SVG, ...) only when named explicitly."""
        if self.content_types is None:
            return True
        if content_type is None:
            return False
        try:
            media = parse_media_type(content_type)
        except MediaTypeError:
            return False
        return allows(parse_media_ranges(self.content_types), media)


NO_LIMITS = UploadLimits()


@dataclass(frozen=True)
class S3Credential:
    """One access key id with its secret, scope and upload limits. repr shows no secret."""

    access_key_id: str
    secret_access_key: str = field(repr=False)
    scope: ApiKey = field(repr=False)
    limits: UploadLimits = NO_LIMITS

    def __post_init__(self) -> None:
        if not isinstance(self.access_key_id, str) or not _ACCESS_KEY_ID.fullmatch(
            self.access_key_id
        ):
            raise ValueError(
                f"S3 credential {self.scope.name!r}: access_key_id must be 16-128 of "
                "A-Z a-z 0-9 . _ -"
            )
        if not isinstance(self.secret_access_key, str) or not _SECRET.fullmatch(
            self.secret_access_key
        ):
            raise ValueError(
                f"S3 credential {self.scope.name!r}: secret_access_key must be 32-256 "
                "visible ASCII characters"
            )

    @classmethod
    def create(
        cls,
        name: str,
        access_key_id: str,
        secret_access_key: str,
        ops: Iterable[str],
        prefixes: Iterable[str],
        limits: UploadLimits = NO_LIMITS,
        quota_bytes: int | None = None,
    ) -> S3Credential:
        """Build a credential; ValueError (naming `name`, never the secret) when invalid."""
        if not isinstance(secret_access_key, str) or not _SECRET.fullmatch(secret_access_key):
            raise ValueError(
                f"S3 credential {name!r}: secret_access_key must be 32-256 visible ASCII characters"
            )
        scope = ApiKey(
            name=name,
            secret=secret_access_key,
            ops=frozenset(ops),
            prefixes=tuple(prefixes),
            quota_bytes=quota_bytes,
        )
        return cls(access_key_id, secret_access_key, scope, limits)

    @classmethod
    def full_access(
        cls, access_key_id: str, secret_access_key: str, name: str = DEFAULT_CREDENTIAL_NAME
    ) -> S3Credential:
        return cls.create(name, access_key_id, secret_access_key, API_OPS, [""])

    @property
    def name(self) -> str:
        return self.scope.name

    def allows(self, op: str, key: str) -> bool:
        """The API-key rule: `op` granted and `key` (or listing prefix) inside a prefix."""
        return self.scope.allows(Operation(op), key)


class S3Keyring:
    """The configured credentials, looked up by access key id (ids are not secret)."""

    def __init__(self, credentials: Iterable[S3Credential] = ()) -> None:
        by_id: dict[str, S3Credential] = {}
        names: set[str] = set()
        digests: set[bytes] = set()
        for credential in credentials:
            if credential.access_key_id in by_id:
                raise ValueError(f"S3 credential {credential.name!r}: access_key_id is repeated")
            if credential.name in names:
                raise ValueError(f"S3 credential names must be unique ({credential.name!r})")
            digest = hashlib.sha256(credential.secret_access_key.encode("ascii")).digest()
            if digest in digests:
                raise ValueError(f"S3 credential {credential.name!r}: secrets must be distinct")
            by_id[credential.access_key_id] = credential
            names.add(credential.name)
            digests.add(digest)
        self._by_id = by_id

    def __len__(self) -> int:
        return len(self._by_id)

    def __iter__(self) -> Iterator[S3Credential]:
        return iter(self._by_id.values())

    def __repr__(self) -> str:
        return f"S3Keyring({sorted(c.name for c in self)!r})"

    def lookup(self, access_key_id: str) -> S3Credential:
        """The credential for `access_key_id`, else InvalidAccessKeyId (403)."""
        credential = self._by_id.get(access_key_id)
        if credential is None:
            raise InvalidAccessKeyId()
        return credential


def _limits(where: str, raw: Any) -> UploadLimits:
    if not isinstance(raw, dict) or not set(raw) <= _LIMIT_MEMBERS:
        raise ValueError(f"{where}: limits may have only max_bytes, content_types, create_only")
    types = raw.get("content_types")
    if types is not None and not isinstance(types, list):
        raise ValueError(f"{where}: limits.content_types must be a list")
    try:
        return UploadLimits(
            max_bytes=raw.get("max_bytes"),
            content_types=tuple(types) if types is not None else None,
            create_only=raw.get("create_only", False),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: limits.{exc}") from None


def _entry(index: int, raw: Any) -> S3Credential:
    name = raw.get("name") if isinstance(raw, dict) else None
    where = f"S3_CREDENTIALS entry {index}" + (f" ({name!r})" if isinstance(name, str) else "")
    if not isinstance(raw, dict) or not _ENTRY_REQUIRED <= set(raw) <= _ENTRY_MEMBERS:
        raise ValueError(
            f"{where} must have name, access_key_id, secret_access_key, ops, prefixes "
            "and optionally limits and quota_bytes"
        )
    ops, prefixes = raw["ops"], raw["prefixes"]
    if not isinstance(ops, list) or not all(isinstance(op, str) for op in ops):
        raise ValueError(f"{where}: ops must be a list of strings")
    if not isinstance(prefixes, list):
        raise ValueError(f"{where}: prefixes must be a list")
    limits = _limits(where, raw["limits"]) if "limits" in raw else NO_LIMITS
    if "quota_bytes" in raw and not valid_quota(raw["quota_bytes"]):
        raise ValueError(f"{where}: quota_bytes must be a whole number from 0 to {MAX_QUOTA}")
    try:
        return S3Credential.create(
            raw["name"],
            raw["access_key_id"],
            raw["secret_access_key"],
            ops,
            prefixes,
            limits,
            raw.get("quota_bytes"),
        )
    except (ValueError, TypeError) as exc:
        message = str(exc) if isinstance(exc, ValueError) else "invalid member types"
        raise ValueError(f"{where}: {message}") from None


def _parse_json(credentials_json: str) -> list[S3Credential]:
    try:
        document = load_json_object(credentials_json, max_bytes=MAX_SETTING_BYTES)
    except ValueError:
        raise ValueError(
            "S3_CREDENTIALS is not a JSON object (duplicate keys are refused)"
        ) from None
    entries = document.get("credentials")
    if set(document) != {"credentials"} or not isinstance(entries, list):
        raise ValueError('S3_CREDENTIALS must be {"credentials": [...]}')
    if len(entries) > MAX_CREDENTIALS:
        raise ValueError(f"S3_CREDENTIALS may hold at most {MAX_CREDENTIALS} credentials")
    return [_entry(index, raw) for index, raw in enumerate(entries)]


def load_s3_credentials(
    access_key_id: str | None, secret_access_key: str | None, credentials_json: str | None
) -> S3Keyring:
    """Build the keyring from S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY and S3_CREDENTIALS
    (all optional). Raises ValueError naming the setting or entry, never a secret."""
    pair_id = (access_key_id or "").strip()
    pair_secret = (secret_access_key or "").strip()
    credentials: list[S3Credential] = []
    if bool(pair_id) != bool(pair_secret):
        raise ValueError("S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY must be set together")
    if pair_id:
        credentials.append(S3Credential.full_access(pair_id, pair_secret))
    if credentials_json is not None and credentials_json.strip():
        credentials.extend(_parse_json(credentials_json))
    return S3Keyring(credentials)

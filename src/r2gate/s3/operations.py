"""Which S3 operation a request is, who may perform it, and its plain parameters.

One bucket (the binding; its name is wrangler.toml's ``bucket_name``), reached path-style
below ``/api/s3`` or at the host's root, or virtual-hosted (r2gate.s3.mount).
`resolve(request, bucket, mount)` answers one `Operation`; the paths below are
``/<bucket>`` and ``/<bucket>/<key>`` as the mount reads them:

=============================  =================================================
GET    /                       ListBuckets (the one bucket)
GET    /<bucket>               ListObjectsV2 (``?list-type=2``), ListObjects (no
                               query), GetBucketLocation (``?location``),
                               ListMultipartUploads (``?uploads``), GetBucketAcl
HEAD   /<bucket>               HeadBucket
PUT    /<bucket>               CreateBucket (409 BucketAlreadyOwnedByYou),
                               PutBucketAcl (``?acl``)
POST   /<bucket>               DeleteObjects (``?delete``), PostObject (a form)
PUT    /<bucket>/<key>         PutObject; CopyObject (x-amz-copy-source); UploadPart
                               (``?partNumber&uploadId``), UploadPartCopy (both);
                               PutObjectAcl (``?acl``)
GET / HEAD /<bucket>/<key>     GetObject / HeadObject (``?partNumber``: one part);
                               ListParts (``?uploadId``); GetObjectAttributes
                               (``?attributes``); GetObjectAcl (``?acl``)
DELETE /<bucket>/<key>         DeleteObject; AbortMultipartUpload (``?uploadId``)
POST   /<bucket>/<key>         CreateMultipartUpload (``?uploads``),
                               CompleteMultipartUpload (``?uploadId``)
=============================  =================================================

Everything else is NotImplemented (501): the sub-resources of ``_UNSUPPORTED`` (tagging,
versioning, lifecycle, ...), the headers of ``_UNSUPPORTED_HEADERS``; a bucket other than ours
is NoSuchBucket. Unknown plain query parameters (``x-id`` from aws-sdk-js) are ignored, as
S3 does.

`authorize` applies the credential's scope: read (GET/HEAD), write (PUT, copy target,
multipart), delete, list (on the listed prefix), and sign for presigned requests.
The ``plan_*`` functions turn headers and query into what R2 needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from r2gate.errors import ApiError
from r2gate.httpdates import format_http_date, parse_http_date
from r2gate.keys import MAX_KEY_BYTES, validate_folder_marker
from r2gate.mediatype import MediaTypeError, is_active, parse_media_type
from r2gate.objects import ObjectInfo
from r2gate.write_policy import Proposal

from .aws_chunked import ChunkedUpload, parse_chunked_upload
from .checksums import Checksum, Integrity, body_integrity, content_md5, header_checksum
from .credentials import S3Credential
from .errors import (
    AccessDenied,
    InvalidArgument,
    InvalidPartNumber,
    InvalidRequest,
    KeyTooLongError,
    MissingContentLength,
    NoSuchBucket,
    S3NotImplemented,
)
from .mount import PREFIX, PREFIXED, Mount
from .request import S3Request, percent_decode
from .sigv4 import Authenticated, PayloadMode
from .xml import DeleteError

__all__ = [
    "S3_ROOT",
    "CopyPlan",
    "ListQuery",
    "Operation",
    "PartPlan",
    "PutRequest",
    "authorize",
    "copy_proposal",
    "copy_preconditions_hold",
    "filter_deletes",
    "parse_list_query",
    "plan_copy",
    "plan_part",
    "object_proposal",
    "put_request",
    "resolve",
    "response_overrides",
]

S3_ROOT = PREFIX
MAX_LIST_KEYS = 1000
MAX_TOKEN_CHARS = 2048
MAX_UPLOAD_ID_CHARS = 1024
MAX_PART_NUMBER = 10_000

# Sub-resources S3 knows and r2gate does not implement.
_UNSUPPORTED = frozenset(
    {
        "accelerate", "analytics", "cors", "encryption",
        "intelligent-tiering", "inventory", "legal-hold", "lifecycle", "logging", "metadata",
        "metrics", "notification", "object-lock", "ownershipControls", "policy",
        "policyStatus", "publicAccessBlock", "renameObject", "replication", "requestPayment",
        "restore", "retention", "select", "session", "tagging", "torrent", "versionId",
        "versioning", "versions", "website",
    }
)  # fmt: skip
_UNSUPPORTED_HEADERS = (
    "x-amz-server-side-encryption",
    "x-amz-tagging",
    "x-amz-object-lock-",
    "x-amz-website-redirect-location",
    "x-amz-grant-",
    "x-amz-copy-source-range",
    "x-amz-request-payer",
    "x-amz-write-offset-bytes",
)
_RESPONSE_OVERRIDES = {
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
    "response-content-language": "Content-Language",
    "response-content-type": "Content-Type",
    "response-expires": "Expires",
}
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{0,1024}")
_TOKEN = re.compile(rf"[\x21-\x7e]{{1,{MAX_TOKEN_CHARS}}}")
_DIGITS = re.compile(r"[0-9]{1,16}")


@dataclass(frozen=True)
class Operation:
    """One S3 operation with its target."""

    name: str
    key: str | None = None
    upload_id: str | None = None
    part_number: int | None = None

    @property
    def is_write(self) -> bool:
        return self.name in _WRITES


_WRITES = frozenset(
    {
        "PutObject",
        "CopyObject",
        "CreateMultipartUpload",
        "UploadPart",
        "CompleteMultipartUpload",
        "AbortMultipartUpload",
        "ListParts",
    }
)


def _decode_segment(raw: str, what: str) -> str:
    try:
        return percent_decode(raw)
    except (ValueError, UnicodeDecodeError):
        raise InvalidArgument(f"The {what} is not valid percent-encoded UTF-8.") from None


def object_key(raw: str) -> str:
    """A percent-encoded key from the path (``%2F`` is a "/"), validated as r2gate keys are;
    a folder marker (``photos/``) too (r2gate.keys.validate_folder_marker)."""
    key = _decode_segment(raw, "object key")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise KeyTooLongError(MaxSizeAllowed=str(MAX_KEY_BYTES))
    try:
        return validate_folder_marker(key)
    except ApiError as exc:
        raise InvalidArgument(exc.message, ArgumentName="key") from None


def _check_subresources(request: S3Request) -> None:
    for param in request.params:
        if param.name in _UNSUPPORTED:
            raise S3NotImplemented(
                f"The ?{param.name} sub-resource is not implemented.", Resource=param.name
            )


def _upload_id(request: S3Request) -> str:
    value = request.param("uploadId") or ""
    if not value or len(value) > MAX_UPLOAD_ID_CHARS:
        raise InvalidArgument("uploadId must be the id of an upload.", ArgumentName="uploadId")
    return value


def _part_number(request: S3Request) -> int:
    raw = request.param("partNumber") or ""
    if not _DIGITS.fullmatch(raw) or not 1 <= int(raw) <= MAX_PART_NUMBER:
        raise InvalidArgument(
            f"Part number must be an integer between 1 and {MAX_PART_NUMBER}, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=raw[:16],
        )
    return int(raw)


def _bucket_operation(request: S3Request) -> Operation:
    method = request.method
    if request.has_param("acl"):
        if method in ("GET", "PUT"):
            return Operation("GetBucketAcl" if method == "GET" else "PutBucketAcl")
        raise S3NotImplemented(f"{method} ?acl is not implemented.")
    if method == "GET":
        if request.has_param("uploads"):
            return Operation("ListMultipartUploads")
        if request.has_param("location"):
            return Operation("GetBucketLocation")
        if request.param("list-type") is not None:
            if request.param("list-type") != "2":
                raise InvalidArgument("list-type must be 2.", ArgumentName="list-type")
            return Operation("ListObjectsV2")
        return Operation("ListObjects")
    if method == "HEAD":
        return Operation("HeadBucket")
    if method == "PUT" and not request.params:
        return Operation("CreateBucket")
    if method == "POST":
        if request.has_param("delete"):
            return Operation("DeleteObjects")
        content_type = request.headers.get("content-type", "").strip().lower()
        if content_type.startswith("multipart/form-data"):
            return Operation("PostObject")
    raise S3NotImplemented(f"{method} on the bucket is not implemented.")


def _object_operation(request: S3Request, key: str) -> Operation:
    method = request.method
    has_upload = request.has_param("uploadId")
    if request.has_param("acl"):
        if method in ("GET", "PUT"):
            return Operation("GetObjectAcl" if method == "GET" else "PutObjectAcl", key)
        raise S3NotImplemented(f"{method} ?acl is not implemented.")
    if method == "PUT":
        if request.has_param("partNumber") or has_upload:
            name = "UploadPartCopy" if "x-amz-copy-source" in request.headers else "UploadPart"
            return Operation(name, key, _upload_id(request), _part_number(request))
        if "x-amz-copy-source" in request.headers:
            return Operation("CopyObject", key)
        return Operation("PutObject", key)
    if method in ("GET", "HEAD"):
        if has_upload and method == "GET":
            return Operation("ListParts", key, _upload_id(request))
        if request.has_param("attributes") and method == "GET":
            return Operation("GetObjectAttributes", key)
        number = _part_number(request) if request.has_param("partNumber") else None
        return Operation("GetObject" if method == "GET" else "HeadObject", key, None, number)
    if method == "DELETE":
        if has_upload:
            return Operation("AbortMultipartUpload", key, _upload_id(request))
        return Operation("DeleteObject", key)
    if method == "POST":
        if request.has_param("uploads"):
            return Operation("CreateMultipartUpload", key)
        if has_upload:
            return Operation("CompleteMultipartUpload", key, _upload_id(request))
    raise S3NotImplemented(f"{method} on an object is not implemented.")


def resolve(request: S3Request, bucket: str, mount: Mount = PREFIXED) -> Operation:
    """The operation an S3 request names (module docstring), its path read as `mount` says
    (``/api/s3/<bucket>/<key>``, ``/<bucket>/<key>`` at the host's root, or ``/<key>`` on the
    bucket's own host)."""
    _check_subresources(request)
    if mount.host_bucket:
        raw_key = request.path[1:]
        return (
            _bucket_operation(request)
            if not raw_key
            else _object_operation(request, object_key(raw_key))
        )
    root = mount.root
    if root and request.path != root and not request.path.startswith(root + "/"):
        raise InvalidArgument(f"S3 requests live under {root}.")
    rest = request.path[len(root) :].lstrip("/")
    if not rest:
        if request.method == "GET":
            return Operation("ListBuckets")
        raise S3NotImplemented(f"{request.method} on the service is not implemented.")
    raw_bucket, slash, raw_key = rest.partition("/")
    if _decode_segment(raw_bucket, "bucket name") != bucket:
        raise NoSuchBucket(BucketName=_decode_segment(raw_bucket, "bucket name")[:255])
    if not slash or not raw_key:
        return _bucket_operation(request)
    return _object_operation(request, object_key(raw_key))


# --- who may ---------------------------------------------------------------------------------

_NEEDS = {
    "GetObject": "read",
    "HeadObject": "read",
    "GetObjectAttributes": "read",
    "GetObjectAcl": "read",
    "PutObjectAcl": "write",
    "UploadPartCopy": "write",
    "DeleteObject": "delete",
    "PutObject": "write",
    "CopyObject": "write",
    "CreateMultipartUpload": "write",
    "UploadPart": "write",
    "CompleteMultipartUpload": "write",
    "AbortMultipartUpload": "write",
    "ListParts": "write",
}
_ANY_CREDENTIAL = frozenset(
    {
        "HeadBucket",
        "GetBucketLocation",
        "ListBuckets",
        "DeleteObjects",
        "CreateBucket",
        "GetBucketAcl",
        "PutBucketAcl",
    }
)


def authorize(
    credential: S3Credential,
    operation: Operation,
    *,
    presigned: bool,
    list_prefix: str | None = None,
    copy_source: str | None = None,
) -> None:
    """AccessDenied unless the credential may perform `operation` (DeleteObjects is checked
    per key by `filter_deletes`; ListObjects needs `list_prefix`; CopyObject `copy_source`)."""

    def need(op: str, target: str) -> None:
        if not credential.allows(op, target) or (
            presigned and not credential.allows("sign", target)
        ):
            raise AccessDenied(f"The S3 key {credential.name!r} may not {op} here.")

    if operation.name in ("ListObjectsV2", "ListObjects", "ListMultipartUploads"):
        need("list", list_prefix if list_prefix is not None else "")
    elif operation.name in _NEEDS:
        assert operation.key is not None
        need(_NEEDS[operation.name], operation.key)
        if operation.name in ("CopyObject", "UploadPartCopy"):
            if copy_source is None:
                raise ValueError(f"{operation.name} needs its copy_source")
            need("read", copy_source)
    elif operation.name not in _ANY_CREDENTIAL:
        raise AccessDenied()
    if presigned and operation.name in ("DeleteObjects", "CompleteMultipartUpload"):
        need("sign", operation.key or "")


def filter_deletes(
    credential: S3Credential, keys: Iterable[str], *, presigned: bool
) -> tuple[list[str], list[DeleteError]]:
    """DeleteObjects: the keys this credential may delete, and an AccessDenied (or
    InvalidArgument for an invalid key) entry for each other one."""
    allowed: list[str] = []
    refused: list[DeleteError] = []
    for key in keys:
        try:
            validate_folder_marker(key)
        except ApiError as exc:
            refused.append(DeleteError(key, "InvalidArgument", exc.message))
            continue
        if credential.allows("delete", key) and (not presigned or credential.allows("sign", key)):
            allowed.append(key)
        else:
            refused.append(DeleteError(key, "AccessDenied", "Access Denied"))
    return allowed, refused


# --- listing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListQuery:
    """ListObjectsV2 (or V1: `start_after` carries the marker) parameters."""

    prefix: str = ""
    delimiter: str | None = None
    max_keys: int = MAX_LIST_KEYS
    continuation_token: str | None = None
    start_after: str | None = None
    encoding_type: str | None = None
    version: int = 2

    def r2_list_options(self) -> dict[str, Any]:
        """Options for ``BUCKET.list`` (call it only when max_keys > 0)."""
        options: dict[str, Any] = {
            "prefix": self.prefix,
            "limit": max(1, self.max_keys),
            "include": ["httpMetadata"],
        }
        if self.delimiter is not None:
            options["delimiter"] = self.delimiter
        if self.continuation_token is not None:
            options["cursor"] = self.continuation_token
        if self.start_after is not None:
            options["startAfter"] = self.start_after
        return options


def _list_text(request: S3Request, name: str, limit: int) -> str | None:
    value = request.param(name)
    if value is None:
        return None
    if len(value.encode("utf-8")) > limit or any(ord(c) < 0x20 for c in value):
        raise InvalidArgument(f"{name} is not acceptable.", ArgumentName=name)
    return value


def parse_list_query(request: S3Request, version: int = 2) -> ListQuery:
    """ListObjectsV2 (``version=2``) or ListObjects (1) parameters."""
    raw_max = request.param("max-keys")
    max_keys = MAX_LIST_KEYS
    if raw_max is not None:
        if not _DIGITS.fullmatch(raw_max):
            raise InvalidArgument("max-keys must be a whole number.", ArgumentName="max-keys")
        max_keys = min(int(raw_max), MAX_LIST_KEYS)
    encoding = request.param("encoding-type")
    if encoding not in (None, "url"):
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", ArgumentName="encoding-type"
        )
    token = request.param("continuation-token") if version == 2 else None
    if token is not None and not _TOKEN.fullmatch(token):
        raise InvalidArgument(
            "The continuation token provided is incorrect", ArgumentName="continuation-token"
        )
    after = _list_text(request, "start-after" if version == 2 else "marker", MAX_KEY_BYTES)
    return ListQuery(
        prefix=_list_text(request, "prefix", MAX_KEY_BYTES) or "",
        delimiter=_list_text(request, "delimiter", 16) or None,
        max_keys=max_keys,
        continuation_token=token,
        start_after=after or None,
        encoding_type=encoding,
        version=version,
    )


# --- writes ----------------------------------------------------------------------------------


def _refuse_unsupported_headers(headers: Mapping[str, str]) -> None:
    for name, value in headers.items():
        if name.startswith(_UNSUPPORTED_HEADERS):
            raise S3NotImplemented(f"The {name} header is not implemented.", Header=name)
        if name == "x-amz-storage-class" and value.strip() != "STANDARD":
            raise S3NotImplemented("Only the STANDARD storage class exists.", Header=name)


def _header(
    headers: Mapping[str, str], name: str, pattern: re.Pattern[str] = _HEADER_VALUE
) -> str | None:
    value = headers.get(name)
    if value is None:
        return None
    value = value.strip()
    if not pattern.fullmatch(value):
        raise InvalidArgument(f"The {name} header is not acceptable.", ArgumentName=name)
    return value


def _custom_metadata(headers: Mapping[str, str]) -> dict[str, str]:
    """The ``x-amz-meta-*`` headers as metadata names and values (the policy checks them)."""
    return {
        name.removeprefix("x-amz-meta-"): value
        for name, value in headers.items()
        if name.startswith("x-amz-meta-")
    }


def _length(request: S3Request, auth: Authenticated) -> tuple[int, ChunkedUpload | None]:
    if auth.payload_mode is PayloadMode.STREAMING_UNSIGNED_TRAILER:
        upload = parse_chunked_upload(request.headers)
        return upload.decoded_length, upload
    raw = (request.headers.get("content-length") or "").strip()
    if not raw:
        raise MissingContentLength()
    if not _DIGITS.fullmatch(raw):
        raise InvalidArgument(
            "Content-Length must be a decimal number.", ArgumentName="Content-Length"
        )
    return int(raw), None


def object_proposal(
    request: S3Request, key: str, length: int | None = None, *, preconditions: bool = True
) -> Proposal:
    """What an S3 write's headers propose to store (PutObject, CreateMultipartUpload, a
    CopyObject that replaces the metadata): the write policy checks every value. S3 headers
    r2gate does not implement are NotImplemented here."""
    headers = request.headers
    _refuse_unsupported_headers(headers)
    return Proposal(
        key,
        length,
        headers.get("content-type"),
        headers,
        _custom_metadata(headers),
        headers if preconditions else {},
    )


@dataclass(frozen=True)
class PutRequest:
    """A PutObject as it arrives: what it proposes to store, and how its body is framed and
    verified. `chunked`: the body is aws-chunked (drive an `AwsChunkedDecoder`);
    `integrity`: the digest R2's put verifies itself, those computed with DigestStreams
    before the write commits, and the checksum the answer repeats."""

    proposal: Proposal
    length: int
    chunked: ChunkedUpload | None
    integrity: Integrity


def put_request(request: S3Request, auth: Authenticated, key: str) -> PutRequest:
    """PutObject's framing: MissingContentLength, InvalidArgument, the aws-chunked headers,
    the checksums (InvalidDigest, BadDigest when two disagree), NotImplemented headers."""
    length, chunked = _length(request, auth)
    proposal = object_proposal(request, key, length)
    checksum = header_checksum(request.headers)
    integrity = body_integrity(request.headers, auth.payload_sha256, checksum)
    return PutRequest(proposal, length, chunked, integrity)


@dataclass(frozen=True)
class PartPlan:
    """A checked UploadPart: its length, framing, the digests to verify in JS (R2's
    uploadPart verifies nothing), and the x-amz-checksum-* the answer repeats and the
    upload's record keeps."""

    length: int
    chunked: ChunkedUpload | None = None
    digests: tuple[Checksum, ...] = ()
    checksum: Checksum | None = None


def plan_part(request: S3Request, auth: Authenticated) -> PartPlan:
    """UploadPart's framing: its length (the write policy checks it), the aws-chunked
    headers, the digests to verify (InvalidDigest for a malformed Content-MD5)."""
    length, chunked = _length(request, auth)
    digests: list[Checksum] = []
    if auth.payload_sha256 is not None:
        digests.append(Checksum("sha256", bytes.fromhex(auth.payload_sha256)))
    checksum = header_checksum(request.headers)
    md5 = content_md5(request.headers)
    for claim in (checksum, md5):
        if claim is not None and claim not in digests:
            digests.append(claim)
    return PartPlan(length, chunked, tuple(digests), checksum)


@dataclass(frozen=True)
class CopyPlan:
    """CopyObject: the source key, whether to keep its metadata, R2 get conditions."""

    source_key: str
    replace_metadata: bool
    source_conditions: dict[str, str] = field(default_factory=dict)


def plan_copy(request: S3Request, bucket: str, target: str | None = None) -> CopyPlan:
    """Read x-amz-copy-source (``bucket/key`` or ``/bucket/key``, percent-encoded) and the
    copy headers. Another bucket: NoSuchBucket; ``?versionId``: NotImplemented; a CopyObject
    onto its own source (`target`) that changes nothing: InvalidRequest, as S3."""
    raw = (request.headers.get("x-amz-copy-source") or "").strip()
    raw = raw.removeprefix("/")
    if "?" in raw:
        raise S3NotImplemented("Copying a version is not implemented.", Header="x-amz-copy-source")
    raw_bucket, slash, raw_key = raw.partition("/")
    if not slash or not raw_key:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
        )
    if _decode_segment(raw_bucket, "copy source bucket") != bucket:
        raise NoSuchBucket("Copies stay within the bucket.")
    source = object_key(raw_key)
    directive = (request.headers.get("x-amz-metadata-directive") or "COPY").strip().upper()
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument(
            "Unknown metadata directive.", ArgumentName="x-amz-metadata-directive"
        )
    conditions: dict[str, str] = {}
    pairs = {
        "x-amz-copy-source-if-match": "etagMatches",
        "x-amz-copy-source-if-none-match": "etagDoesNotMatch",
        "x-amz-copy-source-if-modified-since": "uploadedAfter",
        "x-amz-copy-source-if-unmodified-since": "uploadedBefore",
    }
    for name, member in pairs.items():
        value = _header(request.headers, name)
        if value:
            conditions[member] = value.strip('"') if member.startswith("etag") else value
    if source == target and directive == "COPY":
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself "
            "without changing the object's metadata, storage class, website redirect location "
            "or encryption attributes."
        )
    return CopyPlan(source, directive == "REPLACE", conditions)


def response_overrides(request: S3Request) -> dict[str, str]:
    """GetObject's ``response-*`` parameters as response headers (values checked). A
    ``response-content-type`` must be one media type and never an active one (HTML, SVG,
    XML, JavaScript): a signed URL may not make the asset origin run an object as script."""
    overrides: dict[str, str] = {}
    for name, header in _RESPONSE_OVERRIDES.items():
        value = request.param(name)
        if value is not None:
            if not _HEADER_VALUE.fullmatch(value):
                raise InvalidArgument(f"{name} is not a valid header value.", ArgumentName=name)
            if header == "Content-Type":
                _check_served_type(value, name)
            overrides[header] = value
    return overrides


def _check_served_type(value: str, name: str) -> None:
    try:
        media = parse_media_type(value)
    except MediaTypeError:
        raise InvalidArgument(f"{name} is not a media type.", ArgumentName=name) from None
    if is_active(media):
        raise InvalidArgument(
            f"{name} may not name an active type (HTML, SVG, XML, JavaScript) on the asset origin.",
            ArgumentName=name,
        )


def copy_preconditions_hold(plan: CopyPlan, etag: str, uploaded: datetime) -> bool:
    """CopyObject's x-amz-copy-source-if-* against the source (unquoted `etag`, aware
    `uploaded`), as S3 combines them: a matching If-Match outweighs a failed
    If-Unmodified-Since, a failed If-None-Match outweighs a true If-Modified-Since.
    Unparseable dates are ignored."""
    conditions = plan.source_conditions
    moment = uploaded.replace(microsecond=0)
    match = conditions.get("etagMatches")
    if match is not None and match not in (etag, "*"):
        return False
    none_match = conditions.get("etagDoesNotMatch")
    if none_match is not None and none_match in (etag, "*"):
        return False
    since = parse_http_date(conditions.get("uploadedAfter"))
    if none_match is None and since is not None and moment <= since:
        return False
    before = parse_http_date(conditions.get("uploadedBefore"))
    return not (match is None and before is not None and moment > before)


def copy_proposal(request: S3Request, plan: CopyPlan, source: ObjectInfo, key: str) -> Proposal:
    """What a CopyObject proposes to store at `key`: the source's bytes with the request's
    type, headers and metadata (REPLACE) or the source's own (COPY), checked by the write
    policy either way; the request's If-Match / If-None-Match apply to `key`."""
    if plan.replace_metadata:
        return object_proposal(request, key, source.size)
    stored = {
        "cache-control": source.cache_control,
        "content-disposition": source.content_disposition,
        "content-encoding": source.content_encoding,
        "content-language": source.content_language,
        "expires": format_http_date(source.expires) if source.expires else None,
    }
    return Proposal(
        key,
        source.size,
        source.content_type,
        {name: value for name, value in stored.items() if value},
        source.custom_metadata,
        request.headers,
    )


# --- ListMultipartUploads ----------------------------------------------------------------


@dataclass(frozen=True)
class UploadsQuery:
    """ListMultipartUploads parameters."""

    prefix: str = ""
    delimiter: str | None = None
    key_marker: str = ""
    upload_id_marker: str = ""
    max_uploads: int = MAX_LIST_KEYS
    encoding_type: str | None = None

    def common_prefix(self, key: str) -> str | None:
        """The CommonPrefix `key` rolls up into (the prefix, then up to the first delimiter
        after it), or None."""
        if not self.delimiter:
            return None
        at = key.find(self.delimiter, len(self.prefix))
        return None if at < 0 else key[: at + len(self.delimiter)]


def parse_uploads_query(request: S3Request) -> UploadsQuery:
    """ListMultipartUploads' query (InvalidArgument for a bad value)."""
    raw_max = request.param("max-uploads")
    max_uploads = MAX_LIST_KEYS
    if raw_max is not None:
        if not _DIGITS.fullmatch(raw_max):
            raise InvalidArgument("max-uploads must be a whole number.", ArgumentName="max-uploads")
        max_uploads = min(int(raw_max), MAX_LIST_KEYS)
    encoding = request.param("encoding-type")
    if encoding not in (None, "url"):
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request", ArgumentName="encoding-type"
        )
    upload_id_marker = request.param("upload-id-marker") or ""
    if len(upload_id_marker) > MAX_UPLOAD_ID_CHARS:
        raise InvalidArgument("upload-id-marker is too long.", ArgumentName="upload-id-marker")
    return UploadsQuery(
        prefix=_list_text(request, "prefix", MAX_KEY_BYTES) or "",
        delimiter=_list_text(request, "delimiter", 16) or None,
        key_marker=_list_text(request, "key-marker", MAX_KEY_BYTES) or "",
        upload_id_marker=upload_id_marker,
        max_uploads=max_uploads,
        encoding_type=encoding,
    )


# --- UploadPartCopy, GetObjectAttributes, partNumber reads ---------------------------------

_COPY_RANGE = re.compile(r"bytes=([0-9]{1,16})-([0-9]{1,16})")
OBJECT_ATTRIBUTES = frozenset({"ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"})


def copy_source_range(headers: Mapping[str, str], size: int) -> tuple[int, int]:
    """UploadPartCopy's x-amz-copy-source-range (``bytes=first-last``, inclusive) as (offset,
    length) of a source of `size` bytes; the whole source without one. InvalidArgument for
    a malformed range or one past the source's end."""
    raw = headers.get("x-amz-copy-source-range")
    if raw is None:
        return 0, size
    found = _COPY_RANGE.fullmatch(raw.strip())
    if found is None:
        raise InvalidArgument(
            "The x-amz-copy-source-range value must be of the form bytes=first-last.",
            ArgumentName="x-amz-copy-source-range",
        )
    first, last = int(found.group(1)), int(found.group(2))
    if first > last or last >= size:
        raise InvalidArgument(
            f"Range specified is not valid for source object of size: {size}",
            ArgumentName="x-amz-copy-source-range",
        )
    return first, last - first + 1


def object_attributes(headers: Mapping[str, str]) -> frozenset[str]:
    """GetObjectAttributes' x-amz-object-attributes: the attributes asked for
    (InvalidArgument when none or an unknown one)."""
    names = frozenset(
        part.strip() for part in headers.get("x-amz-object-attributes", "").split(",")
    ) - {""}
    if not names or not names <= OBJECT_ATTRIBUTES:
        raise InvalidArgument(
            "Invalid attribute name specified.", ArgumentName="x-amz-object-attributes"
        )
    return names


def whole_number(raw: str | None, name: str, default: int, maximum: int) -> int:
    """A small whole-number parameter (max-parts, part-number-marker), at most `maximum`."""
    if raw is None:
        return default
    if not _DIGITS.fullmatch(raw.strip()):
        raise InvalidArgument(f"{name} must be a whole number.", ArgumentName=name)
    return min(int(raw), maximum)


def part_range(sizes: Sequence[int], part_number: int) -> tuple[int, int]:
    """(offset, length) of part `part_number` of an object made of parts of `sizes`
    (InvalidPartNumber past the last part)."""
    if part_number > len(sizes):
        raise InvalidPartNumber()
    return sum(sizes[: part_number - 1]), sizes[part_number - 1]

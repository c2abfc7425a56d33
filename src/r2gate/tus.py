"""The tus 1.0.0 resumable upload protocol, sans I/O: header parsing, part sizing and the
state of one upload (docs/tus.md).

Everything here is pure: the handlers (handlers/tus.py) read the request, the Durable Object
(handlers/tus_object.py) keeps an `UploadState` per upload and moves bytes; what an upload may
store is the write policy's (r2gate.write_policy), never decided here.

Every parser is strict and bounded: ``Upload-Metadata`` is at most `MAX_METADATA_CHARS`
characters and `MAX_METADATA_PAIRS` pairs, ``Upload-Concat`` names at most
`MAX_CONCAT_UPLOADS` uploads, numbers are canonical decimals (r2gate.numbers), and no regular
expression can backtrack over request data.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from .api_requests import parse_upload_request
from .errors import ApiError
from .grants import upload_key
from .httpdates import format_http_date
from .numbers import decimal_param
from .text import has_control
from .uploads import MAX_CONTENT_LENGTH

__all__ = [
    "CHECKSUM_ALGORITHMS",
    "ENDPOINT",
    "EXTENSIONS",
    "KEY_HEADER",
    "MAX_SIZE",
    "OFFSET_TYPE",
    "TUS_VERSION",
    "Checksum",
    "Concat",
    "UploadState",
    "check_patch",
    "options_headers",
    "parse_checksum",
    "parse_concat",
    "parse_length",
    "parse_metadata",
    "parse_offset",
    "part_size_for",
    "require_resumable",
    "target_key",
    "valid_upload_id",
]

TUS_VERSION = "1.0.0"
ENDPOINT = "/api/v1/tus"
EXTENSIONS = (
    "creation",
    "creation-with-upload",
    "creation-defer-length",
    "expiration",
    "termination",
    "checksum",
    "concatenation",
)
# tus name -> workerd's crypto.DigestStream name and the digest's size in bytes.
CHECKSUM_ALGORITHMS: Mapping[str, tuple[str, int]] = {
    "sha1": ("SHA-1", 20),
    "sha256": ("SHA-256", 32),
}
OFFSET_TYPE = "application/offset+octet-stream"
KEY_HEADER = "R2gate-Key"  # the object key the upload becomes (201 and every HEAD)

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB  # R2: every part but the last, all the same size
MAX_PART_SIZE = 32 * MIB  # r2gate's cap: the Durable Object holds about one part in memory
MAX_PARTS = 10_000  # R2's most parts per upload
MAX_SIZE = MAX_PARTS * MAX_PART_SIZE  # Tus-Max-Size: 312.5 GiB
DEFERRED_MAX_SIZE = MAX_PARTS * MIN_PART_SIZE  # a length not known at creation: 5 MiB parts

MAX_METADATA_CHARS = 4096
MAX_METADATA_PAIRS = 32
MAX_METADATA_VALUE_CHARS = 1024  # decoded
MAX_CONCAT_UPLOADS = 64
MAX_CONCAT_CHARS = 16384

_METADATA_KEY = re.compile(r"[A-Za-z0-9._-]{1,64}")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_UPLOAD_ID = re.compile(r"[0-9a-f]{64}")  # a Durable Object id


def _bad(code: str, message: str, status: int = 400) -> ApiError:
    return ApiError(status, code, message)


def require_resumable(headers: Mapping[str, str]) -> None:
    """``Tus-Resumable: 1.0.0`` (412 tus_version_unsupported, with ``Tus-Version``)."""
    if headers.get("tus-resumable", "").strip() != TUS_VERSION:
        raise ApiError(
            412,
            "tus_version_unsupported",
            f"This server speaks tus {TUS_VERSION}: send 'Tus-Resumable: {TUS_VERSION}'.",
            {"Tus-Version": TUS_VERSION, "Tus-Resumable": TUS_VERSION},
        )


def options_headers() -> dict[str, str]:
    """What ``OPTIONS`` answers about the tus endpoint."""
    return {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": ",".join(EXTENSIONS),
        "Tus-Max-Size": str(MAX_SIZE),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }


def parse_length(value: str | None, name: str) -> int | None:
    """A length header (``Upload-Length``, ``Upload-Offset``): None when absent, else a
    canonical decimal (400 invalid_<name>)."""
    if value is None:
        return None
    code = "invalid_" + name.lower().replace("-", "_")
    return decimal_param(value.strip(" \t"), name, maximum=MAX_CONTENT_LENGTH, code=code)


def parse_offset(headers: Mapping[str, str]) -> int:
    """The PATCH's ``Upload-Offset`` (400 invalid_upload_offset when absent or malformed)."""
    offset = parse_length(headers.get("upload-offset"), "Upload-Offset")
    if offset is None:
        raise _bad("invalid_upload_offset", "A PATCH needs an 'Upload-Offset' header.")
    return offset


def declared_length(headers: Mapping[str, str]) -> int | None:
    """Creation's length: ``Upload-Length``, or None with ``Upload-Defer-Length: 1``; exactly
    one of them (400 invalid_upload_length)."""
    length = parse_length(headers.get("upload-length"), "Upload-Length")
    deferred = headers.get("upload-defer-length")
    if deferred is not None and deferred.strip() != "1":
        raise _bad("invalid_upload_length", "'Upload-Defer-Length' must be 1.")
    if (length is None) == (deferred is None):
        raise _bad(
            "invalid_upload_length",
            "Give exactly one of 'Upload-Length' and 'Upload-Defer-Length: 1'.",
        )
    return length


def parse_metadata(value: str | None) -> dict[str, str]:
    """``Upload-Metadata``: comma-separated ``name base64value`` pairs (a value may be
    absent); names unique, values UTF-8 text without controls. 400 invalid_upload_metadata,
    past the bounds 413 metadata_too_large (nothing is decoded first)."""
    if value is None or not value.strip(" \t"):
        return {}
    if len(value) > MAX_METADATA_CHARS:
        raise _bad(
            "metadata_too_large",
            f"'Upload-Metadata' may be at most {MAX_METADATA_CHARS} characters.",
            413,
        )
    pairs = value.split(",")
    if len(pairs) > MAX_METADATA_PAIRS:
        raise _bad(
            "metadata_too_large",
            f"'Upload-Metadata' may hold at most {MAX_METADATA_PAIRS} pairs.",
            413,
        )
    metadata: dict[str, str] = {}
    for pair in pairs:
        parts = pair.strip(" \t").split(" ")
        if len(parts) > 2 or not _METADATA_KEY.fullmatch(parts[0]) or parts[0] in metadata:
            raise _bad(
                "invalid_upload_metadata",
                "'Upload-Metadata' must be unique names ([A-Za-z0-9._-]) each with an optional "
                "base64 value.",
            )
        metadata[parts[0]] = _decoded(parts[1]) if len(parts) == 2 else ""
    return metadata


def _decoded(value: str) -> str:
    if len(value) % 4 or not _BASE64.fullmatch(value):
        raise _bad("invalid_upload_metadata", "An 'Upload-Metadata' value is not base64.")
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _bad("invalid_upload_metadata", "An 'Upload-Metadata' value is not UTF-8.") from None
    if len(text) > MAX_METADATA_VALUE_CHARS or has_control(text):
        raise _bad(
            "invalid_upload_metadata",
            f"An 'Upload-Metadata' value must be at most {MAX_METADATA_VALUE_CHARS} "
            "characters, without controls.",
        )
    return text


@dataclass(frozen=True)
class Checksum:
    """A PATCH's ``Upload-Checksum``: the tus algorithm name and the digest it expects."""

    algorithm: str
    digest: bytes

    @property
    def digest_name(self) -> str:
        """workerd's crypto.DigestStream name of the algorithm."""
        return CHECKSUM_ALGORITHMS[self.algorithm][0]


def parse_checksum(value: str | None) -> Checksum | None:
    """``Upload-Checksum: <algorithm> <base64 digest>``: 400 checksum_unsupported for an
    algorithm not in ``Tus-Checksum-Algorithm``, 400 invalid_upload_checksum otherwise."""
    if value is None:
        return None
    parts = value.strip(" \t").split(" ")
    if len(parts) != 2 or len(parts[1]) > 128:
        raise _bad("invalid_upload_checksum", "'Upload-Checksum' is '<algorithm> <base64>'.")
    algorithm, encoded = parts[0].lower(), parts[1]
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise _bad(
            "checksum_unsupported",
            f"Checksum algorithms: {', '.join(CHECKSUM_ALGORITHMS)}.",
        )
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        digest = b""
    if len(digest) != CHECKSUM_ALGORITHMS[algorithm][1]:
        raise _bad("invalid_upload_checksum", f"That is not a base64 {algorithm} digest.")
    return Checksum(algorithm, digest)


@dataclass(frozen=True)
class Concat:
    """``Upload-Concat``: a partial upload, or a final one of the partial `uploads` (ids)."""

    partial: bool
    uploads: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return not self.partial


def valid_upload_id(upload_id: str) -> bool:
    """The shape of an upload id (a Durable Object id: 64 lowercase hex characters)."""
    return _UPLOAD_ID.fullmatch(upload_id) is not None


def parse_concat(value: str | None) -> Concat | None:
    """``partial``, or ``final;<url> <url> ...`` naming this server's uploads (their URLs or
    paths); 400 invalid_upload_concat."""
    if value is None:
        return None
    value = value.strip(" \t")
    if value == "partial":
        return Concat(partial=True)
    if not value.startswith("final;") or len(value) > MAX_CONCAT_CHARS:
        raise _bad("invalid_upload_concat", "'Upload-Concat' is 'partial' or 'final;<urls>'.")
    urls = value.removeprefix("final;").split()
    if not urls or len(urls) > MAX_CONCAT_UPLOADS:
        raise _bad(
            "invalid_upload_concat",
            f"A final upload concatenates 1 to {MAX_CONCAT_UPLOADS} partial uploads.",
        )
    ids = []
    for url in urls:
        path = urlsplit(url).path
        upload_id = path.removeprefix(ENDPOINT + "/")
        if path == upload_id or not valid_upload_id(upload_id):
            raise _bad(
                "invalid_upload_concat", "'Upload-Concat' names an upload not of this server."
            )
        ids.append(upload_id)
    if len(set(ids)) != len(ids):
        raise _bad("invalid_upload_concat", "'Upload-Concat' names an upload twice.")
    return Concat(partial=False, uploads=tuple(ids))


def part_size_for(length: int | None) -> int:
    """The upload's one part size: 5 MiB, or for a length over 10,000 parts of 5 MiB, the
    length / 10,000 rounded up to a MiB; 413 too_large past `MAX_SIZE` (or, for a length
    not known yet, `DEFERRED_MAX_SIZE` is its limit)."""
    if length is None:
        return MIN_PART_SIZE
    if length > MAX_SIZE:
        raise ApiError(
            413,
            "too_large",
            f"A tus upload may be at most {MAX_SIZE} bytes.",
            details={"MaxSizeAllowed": str(MAX_SIZE), "ProposedSize": str(length)},
        )
    per_part = -(-length // MAX_PARTS)
    return max(MIN_PART_SIZE, -(-per_part // MIB) * MIB)


def target_key(
    metadata: Mapping[str, str],
    *,
    token_key: str | None,
    prefixes: tuple[str, ...],
    now: int,
    random_hex: Callable[[int], str],
) -> str:
    """The object key an upload becomes: metadata ``key`` (exact; a ``filename`` beside it,
    which tus clients send anyway, is then only a name), or ``filename`` with an optional
    ``prefix`` (generated as for POST /api/v1/uploads, r2gate.grants.upload_key); with
    neither, the key a token names. 400 as POST /api/v1/uploads."""
    chosen = ("key",) if "key" in metadata else ("filename", "prefix")  # clients send filename
    names = {name: metadata[name] for name in chosen if name in metadata}
    if not names and token_key is not None:
        return token_key
    document: dict[str, Any] = {**names, "content_type": "application/octet-stream"}
    try:
        request = parse_upload_request(document)
    except ApiError as error:
        message = error.message.replace("'key'", "'key' metadata").replace(
            "'filename'", "'filename' metadata"
        )
        raise ApiError(error.status, error.code, message) from None
    when = datetime.fromtimestamp(now, UTC)
    return upload_key(request, prefixes, when, random_hex(4))


# --- one upload's state (kept by its Durable Object) -------------------------------------------


@dataclass(frozen=True)
class UploadState:
    """One upload: the key it becomes (or, for a partial upload, the staging key its bytes go
    to), its length (None: deferred), the bytes received (`offset`: `parts` full parts plus
    `buffered` bytes kept for the next part), R2's multipart upload id once one exists, and
    the write policy's decisions made at creation (`options`, the limits)."""

    key: str
    target: str  # the object key the client sees (R2gate-Key); for a partial, where it goes
    owner: str
    part_size: int
    created: int
    expires: int
    content_type: str
    options: Mapping[str, Any]
    length: int | None = None
    offset: int = 0
    parts: int = 0
    buffered: int = 0
    r2_upload_id: str | None = None
    max_bytes: int | None = None
    exact_length: int | None = None
    overwrite: bool = True
    partial: bool = False
    final: tuple[str, ...] = ()
    metadata_header: str = ""
    completed: bool = False

    def to_json(self) -> str:
        state = asdict(self)
        state["final"] = list(self.final)
        return json.dumps(state, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> UploadState:
        state = json.loads(text)
        state["final"] = tuple(state.get("final", ()))
        return cls(**state)

    @property
    def limit(self) -> int | None:
        """The most bytes this upload may hold: its length, else the creator's bounds, else
        what 5 MiB parts allow."""
        if self.length is not None:
            return self.length
        bounds = [b for b in (self.max_bytes, self.exact_length) if b is not None]
        return min([*bounds, DEFERRED_MAX_SIZE])

    def need(self) -> int:
        """Bytes that complete the part being filled (the last one may be shorter); 0 when
        the upload holds its whole length."""
        if self.length is not None and self.offset >= self.length:
            return 0
        left = self.part_size - self.buffered
        if self.length is not None:
            left = min(left, self.length - self.offset)
        return left

    @property
    def whole(self) -> bool:
        """Every byte of a known length has arrived."""
        return self.length is not None and self.offset == self.length

    def after_part(self, size: int) -> UploadState:
        """A part of `size` bytes (the buffer included) went to R2."""
        return replace(
            self, parts=self.parts + 1, buffered=0, offset=self.offset + size - self.buffered
        )

    def after_tail(self, size: int) -> UploadState:
        """`size` bytes were kept for the next part."""
        return replace(self, buffered=self.buffered + size, offset=self.offset + size)

    def head_headers(self) -> dict[str, str]:
        """What HEAD (and every answer about the upload) says."""
        headers = {
            "Tus-Resumable": TUS_VERSION,
            "Upload-Offset": str(self.offset),
            "Upload-Expires": format_http_date(datetime.fromtimestamp(self.expires, UTC)),
            "Cache-Control": "no-store",
            KEY_HEADER: self.target,
        }
        if self.length is None:
            headers["Upload-Defer-Length"] = "1"
        else:
            headers["Upload-Length"] = str(self.length)
        if self.partial:
            headers["Upload-Concat"] = "partial"
        elif self.final:
            urls = " ".join(f"{ENDPOINT}/{upload_id}" for upload_id in self.final)
            headers["Upload-Concat"] = f"final;{urls}"
        if self.metadata_header:
            headers["Upload-Metadata"] = self.metadata_header
        return headers


def check_patch(
    state: UploadState,
    offset: int,
    body_length: int | None,
    new_length: int | None,
) -> UploadState:
    """A PATCH at `offset` with a body of `body_length` bytes (None: not declared) and maybe
    the deferred ``Upload-Length`` (`new_length`): 403 for a final upload, 409
    offset_mismatch, 400 invalid_upload_length, 413 past the length or the limits. The state
    with the length set."""
    if state.final:
        raise _bad("upload_final", "A final upload takes no PATCH.", 403)
    if offset != state.offset:
        raise ApiError(
            409,
            "offset_mismatch",
            f"The upload's offset is {state.offset}, not {offset}: HEAD it and resume there.",
            {"Upload-Offset": str(state.offset)},
        )
    if new_length is not None:
        if state.length is not None and new_length != state.length:
            raise _bad("invalid_upload_length", "The upload's length is already set.")
        if new_length < state.offset:
            raise _bad("invalid_upload_length", "'Upload-Length' is below the upload's offset.")
        limit = state.limit
        if limit is not None and new_length > limit:
            raise _too_large(limit, new_length)
        state = replace(state, length=new_length)
    limit = state.limit
    if body_length is not None and limit is not None and offset + body_length > limit:
        if state.length is not None and limit == state.length:
            raise ApiError(
                413,
                "upload_length_exceeded",
                f"The body would take the upload past its Upload-Length of {state.length}.",
            )
        raise _too_large(limit, offset + body_length)
    return state


def _too_large(limit: int, size: int) -> ApiError:
    return ApiError(
        413,
        "too_large",
        f"The upload may hold at most {limit} bytes.",
        details={"MaxSizeAllowed": str(limit), "ProposedSize": str(size)},
    )

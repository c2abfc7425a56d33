"""Multipart uploads on the object path: every decision, before or without any I/O.

``POST /<key>?uploads`` creates, ``PUT /<key>?uploadId=U&partNumber=N`` sends a part,
``GET /<key>?uploadId=U`` lists the received parts, ``POST /<key>?uploadId=U`` completes,
``DELETE /<key>?uploadId=U`` aborts (docs/multipart.md).

R2's rules, enforced here so R2 never sees a part it would refuse at completion: parts are
5 MiB..5 GiB, all parts but the last have the same size (the upload's ``part_size``), at most
10,000 parts. A single request carries one part, so ``part_size`` is also at most
``MAX_PUT_BYTES``. Token uploads (op ``mpu``) are bounded by the token's ``max``/``len`` over
the sum of all parts.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .api_requests import (
    HEADER_VALUE,
    check_members,
    content_type_member,
    integer_member,
    metadata_member,
    text_member,
)
from .content_types import StoredType, stored_content_type
from .errors import ApiError
from .grants import iso_time
from .numbers import decimal_param
from .puts import bounded_content_type, media_type_of, put_options
from .query import Query, as_query
from .tokens import MAX_META_BYTES
from .upload_records import Manifest, PartRecord
from .uploads import UploadBounds, write_options

__all__ = [
    "DEFAULT_PART_SIZE",
    "MAX_COMPLETE_BODY_BYTES",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "Bounds",
    "CreateRequest",
    "MultipartQuery",
    "bounds_for",
    "check_part",
    "choose_part_size",
    "created_json",
    "largest_part",
    "parse_complete_request",
    "parse_create_request",
    "parse_multipart_query",
    "plan_completion",
    "plan_creation",
    "status_json",
]

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB
MAX_PART_SIZE = 5 * 1024 * MIB
DEFAULT_PART_SIZE = 8 * MIB
MAX_PARTS = 10_000
MAX_ETAG_CHARS = 512
# 10,000 parts of {"part_number": n, "etag": "<up to 512 characters>"}
MAX_COMPLETE_BODY_BYTES = 6 * MIB
CREATE_FIELDS = frozenset({"content_type", "part_size", "metadata", "cache_control"})
_QUERY_NAMES = frozenset({"uploads", "uploadId", "partNumber", "token"})


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


# --- the query -----------------------------------------------------------------------------


@dataclass(frozen=True)
class MultipartQuery:
    """action: create, upload_part, status, complete or abort."""

    action: str
    upload_id: str | None = None
    part_number: int | None = None


def _query_pairs(query: Query) -> dict[str, str]:
    values: dict[str, str] = {}
    for name, value in query.pairs:
        if name not in _QUERY_NAMES:
            raise _bad("Unknown query parameter; allowed: uploads, uploadId, partNumber, token.")
        if name in values:
            raise _bad(f"The query parameter '{name}' is repeated.")
        values[name] = value
    return values


def _part_number(raw: str) -> int:
    return decimal_param(raw, "partNumber", minimum=1, maximum=MAX_PARTS)


def parse_multipart_query(query: Query | str, action: str) -> MultipartQuery:
    """The query of one multipart action (create, upload_part, status, complete, abort; the
    route table picks it by method and by ``uploads`` / ``uploadId``): 400 invalid_request
    for a malformed or contradictory query."""
    values = _query_pairs(as_query(query))
    if action == "create" or "uploads" in values:
        if "uploadId" in values or "partNumber" in values or values.get("uploads") != "":
            raise _bad("'?uploads' (create an upload) takes no value and no other parameter.")
        return MultipartQuery("create")
    upload_id = values.get("uploadId")
    if upload_id is None:
        raise _bad("Give '?uploads' or '?uploadId='.")
    if action == "upload_part":
        if "partNumber" not in values:
            raise _bad("PUT ?uploadId= needs '&partNumber=' (1 to 10000).")
        return MultipartQuery(action, upload_id, _part_number(values["partNumber"]))
    if "partNumber" in values:
        raise _bad("'partNumber' goes with PUT only.")
    return MultipartQuery(action, upload_id)


# --- creation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateRequest:
    """The optional JSON body of ``POST /<key>?uploads``."""

    content_type: str | None = None
    part_size: int | None = None
    metadata: dict[str, str] | None = None
    cache_control: str | None = None


def parse_create_request(document: Mapping[str, Any], *, token: bool) -> CreateRequest:
    """Validate the creation body (400 invalid_request). With a token, metadata and
    Cache-Control come from the token only, so the body may not carry them."""
    check_members(document, CREATE_FIELDS)
    if token and ("metadata" in document or "cache_control" in document):
        raise _bad("With a token, 'metadata' and 'cache_control' come from the token.")
    metadata = metadata_member(document)
    if metadata is not None:
        encoded = json.dumps(metadata, separators=(",", ":"), ensure_ascii=False)
        if len(encoded.encode("utf-8")) > MAX_META_BYTES:
            raise _bad(f"'metadata' exceeds {MAX_META_BYTES} bytes.")
    return CreateRequest(
        content_type=content_type_member(document) if "content_type" in document else None,
        part_size=integer_member(document, "part_size", 1),
        metadata=metadata,
        cache_control=text_member(document, "cache_control", HEADER_VALUE),
    )


def choose_part_size(requested: int | None, default: int, max_put_bytes: int) -> int:
    """The upload's part size: 5 MiB..min(5 GiB, MAX_PUT_BYTES); the default is clamped into
    that range. 400 invalid_request for a requested size outside it."""
    largest = min(MAX_PART_SIZE, max_put_bytes)
    if largest < MIN_PART_SIZE:
        raise ApiError(
            500,
            "server_misconfigured",
            "MAX_PUT_BYTES is below R2's 5 MiB part minimum: multipart uploads are unavailable.",
        )
    if requested is None:
        return max(MIN_PART_SIZE, min(default, largest))
    if not MIN_PART_SIZE <= requested <= largest:
        raise _bad(f"'part_size' must be from {MIN_PART_SIZE} to {largest} bytes.")
    return requested


def plan_creation(
    upload: UploadBounds | None, request: CreateRequest, key: str
) -> tuple[StoredType, dict[str, Any]]:
    """The content type (and where it came from) and R2 createMultipartUpload options of a new
    upload; the type is the body's ``content_type`` under the same rules as a PUT's
    Content-Type (r2gate.puts).

    A trusted caller gets what the body asked for. A bounded caller gets only what its bounds
    grant, as for a bounded PUT, and its type must be allowed (415 unsupported_media_type).
    R2 cannot verify a checksum over a multipart object, so bounds with a sha256 are refused
    (400 checksum_unsupported) rather than silently not verified; and R2's multipart upload
    has no create-only condition, so ``overwrite`` is checked by the handler before creating
    and before completing."""
    sent = media_type_of(request.content_type, "content_type")
    if upload is None:
        stored = stored_content_type(sent, key)
        options = write_options(stored.content_type, request.cache_control, request.metadata)
        return stored, options
    stored = bounded_content_type(upload, sent, key)
    if upload.sha256 is not None:
        raise ApiError(
            400,
            "checksum_unsupported",
            "A multipart upload cannot be verified against the token's sha256; "
            "use a single PUT or a token without sha256.",
        )
    options = put_options(upload, stored.content_type)
    options.pop("onlyIf", None)
    return stored, options


def created_json(manifest: Manifest) -> dict[str, Any]:
    """The 201 body of a creation."""
    return {
        "upload_id": manifest.upload_id,
        "key": manifest.key,
        "part_size": manifest.part_size,
        "max_parts": MAX_PARTS,
        "expires_at": iso_time(manifest.expires),
    }


# --- parts ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounds:
    """Token bounds over the sum of all parts (None: unbounded)."""

    max_bytes: int | None = None
    exact_length: int | None = None

    @property
    def bounded(self) -> bool:
        return self.max_bytes is not None or self.exact_length is not None


def bounds_for(manifest: Manifest, upload: UploadBounds | None) -> Bounds:
    """The creating caller's bounds, narrowed by the bounds of the caller now (if any). Two
    different exact lengths cannot both be met: 400 length_mismatch."""
    now = upload or UploadBounds()
    maxima = [m for m in (manifest.max_bytes, now.max_bytes) if m is not None]
    exact = {e for e in (manifest.exact_length, now.exact_length) if e is not None}
    if len(exact) > 1:
        raise ApiError(400, "length_mismatch", "The token's 'len' differs from the upload's.")
    return Bounds(min(maxima) if maxima else None, exact.pop() if exact else None)


def _too_large(bounds: Bounds) -> ApiError:
    limit = bounds.max_bytes if bounds.max_bytes is not None else bounds.exact_length
    return ApiError(413, "too_large", f"The parts together exceed the token's limit of {limit}.")


def largest_part(manifest: Manifest, part_number: int, bounds: Bounds) -> int:
    """The most bytes part `part_number` may carry: the part size, and under a token's limit
    L only parts 1..N exist (N = ceil(L / part size)), part N carrying at most what is left of
    L. Whatever parts are sent, at the same time or again, they can never add up to more than
    L (0: this part number may not be sent)."""
    if not bounds.bounded:
        return manifest.part_size
    limit = min(x for x in (bounds.max_bytes, bounds.exact_length) if x is not None)
    last = -(-limit // manifest.part_size)
    if part_number > last:
        return 0
    if part_number == last:
        return limit - (last - 1) * manifest.part_size
    return manifest.part_size


def check_part(manifest: Manifest, part_number: int, length: int, bounds: Bounds) -> None:
    """A part of `length` bytes may be sent: 400 part_size_mismatch when empty or larger than
    the part size, 413 too_large past `largest_part` (so parts sent concurrently cannot store
    more than the token's limit). Smaller parts are checked at completion."""
    if length == 0:
        raise ApiError(400, "part_size_mismatch", "A part must carry at least one byte.")
    if length > manifest.part_size:
        raise ApiError(
            400,
            "part_size_mismatch",
            f"A part may carry at most the upload's part size, {manifest.part_size} bytes.",
        )
    if length > largest_part(manifest, part_number, bounds):
        raise _too_large(bounds)


def status_json(manifest: Manifest, records: Mapping[int, PartRecord]) -> dict[str, Any]:
    """The 200 body of ``GET /<key>?uploadId=``: parts sorted by number."""
    parts = [records[n] for n in sorted(records)]
    return {
        "upload_id": manifest.upload_id,
        "key": manifest.key,
        "part_size": manifest.part_size,
        "parts": [part.to_json() for part in parts],
        "bytes_received": sum(part.size for part in parts),
        "expires_at": iso_time(manifest.expires),
    }


# --- completion ----------------------------------------------------------------------------


def parse_complete_request(document: Mapping[str, Any]) -> list[tuple[int, str]]:
    """``{"parts": [{"part_number": n, "etag": "..."}, ...]}`` as (n, etag) pairs, in the
    order given: 400 invalid_request for any other shape."""
    check_members(document, frozenset({"parts"}))
    parts = document.get("parts")
    if not isinstance(parts, list) or not 1 <= len(parts) <= MAX_PARTS:
        raise _bad(f"'parts' must be a list of 1 to {MAX_PARTS} parts.")
    result = []
    for entry in parts:
        if not isinstance(entry, dict) or set(entry) != {"part_number", "etag"}:
            raise _bad('Each part must be exactly {"part_number": n, "etag": "..."}.')
        number, etag = entry["part_number"], entry["etag"]
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= MAX_PARTS:
            raise _bad(f"'part_number' must be a whole number from 1 to {MAX_PARTS}.")
        if not isinstance(etag, str) or not 1 <= len(etag) <= MAX_ETAG_CHARS:
            raise _bad("'etag' must be the etag returned for the part.")
        result.append((number, etag))
    return result


def _invalid_part(message: str) -> ApiError:
    return ApiError(400, "invalid_part", message)


def _check_part_sizes(
    manifest: Manifest, records: Mapping[int, PartRecord], numbers: Sequence[int]
) -> None:
    """Every part but the last has the upload's part size; for a client-sized (S3) upload,
    the size of part 1, at least 5 MiB (400 part_too_small)."""
    part_size = manifest.part_size
    if manifest.client_sized:
        part_size = records[numbers[0]].size
        if len(numbers) > 1 and part_size < MIN_PART_SIZE:
            raise ApiError(
                400, "part_too_small", "Every part except the last must be at least 5 MiB."
            )
    last = numbers[-1]
    if manifest.client_sized and len(numbers) > 1 and records[last].size > part_size:
        raise ApiError(
            400, "part_size_mismatch", f"Part {last}, the last, is larger than the other parts."
        )
    for number in numbers[:-1]:
        if records[number].size != part_size:
            raise ApiError(
                400,
                "part_size_mismatch",
                f"Part {number} differs from the part size ({part_size} bytes); only the last "
                "part may be smaller.",
            )


def plan_completion(
    manifest: Manifest,
    records: Mapping[int, PartRecord],
    requested: Sequence[tuple[int, str]],
    bounds: Bounds,
) -> list[dict[str, Any]]:
    """R2's ``complete`` argument for the client's part list, which must name exactly the
    received parts 1..n in ascending order with their etags: 400 invalid_part_order,
    400 invalid_part, 400 part_size_mismatch (a non-last part smaller than the part size),
    413 too_large / 400 length_mismatch against the token's bounds."""
    numbers = [number for number, _ in requested]
    if any(later <= earlier for earlier, later in zip(numbers, numbers[1:], strict=False)):
        raise ApiError(400, "invalid_part_order", "Parts must be listed in ascending order.")
    for position, (number, etag) in enumerate(requested, start=1):
        if number != position:
            raise _invalid_part(f"Part {position} is missing from the list.")
        record = records.get(number)
        if record is None:
            raise _invalid_part(f"Part {number} was not received.")
        if not hmac.compare_digest(record.etag.encode("utf-8"), etag.encode("utf-8")):
            raise _invalid_part(f"Part {number}'s etag does not match the received part.")
    extra = sorted(n for n in records if n > len(requested))
    if extra:
        raise _invalid_part(
            f"Part {extra[0]} was received but is not listed; list every part or abort."
        )
    _check_part_sizes(manifest, records, numbers)
    total = sum(records[number].size for number in numbers)
    if bounds.max_bytes is not None and total > bounds.max_bytes:
        raise _too_large(bounds)
    if bounds.exact_length is not None and total != bounds.exact_length:
        raise ApiError(400, "length_mismatch", "The parts do not add up to the token's 'len'.")
    return [{"partNumber": number, "etag": records[number].etag} for number in numbers]

"""Multipart uploads on the object path: every decision, before or without any I/O.

``POST /<key>?uploads`` creates, ``PUT /<key>?uploadId=U&partNumber=N`` sends a part,
``GET /<key>?uploadId=U`` lists the received parts, ``POST /<key>?uploadId=U`` completes,
``DELETE /<key>?uploadId=U`` aborts (docs/multipart.md).

This module reads the requests (the query, the creation and completion bodies) and shapes
the answers; what an upload may store, its part sizes and its limits are the write policy's
(r2gate.write_policy). R2's rules, enforced there so R2 never sees a part it would refuse at
completion: parts are 5 MiB..5 GiB, all parts but the last have the same size (the upload's
``part_size``), at most 10,000 parts. A single request carries one part, so ``part_size`` is
also at most ``MAX_PUT_BYTES``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .api_requests import (
    check_members,
    integer_member,
    metadata_member,
    text_member,
)
from .errors import ApiError
from .grants import iso_time
from .numbers import decimal_param
from .query import Query, as_query
from .stored_fields import CACHE_CONTROL
from .upload_records import Manifest, PartRecord
from .write_policy import MIB, MIN_PART_SIZE, Proposal

__all__ = [
    "DEFAULT_PART_SIZE",
    "MAX_COMPLETE_BODY_BYTES",
    "MAX_PARTS",
    "MAX_PART_SIZE",
    "MIN_PART_SIZE",
    "CreateRequest",
    "MultipartQuery",
    "choose_part_size",
    "created_json",
    "parse_complete_request",
    "parse_create_request",
    "parse_multipart_query",
    "status_json",
]

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
    """The optional JSON body of ``POST /<key>?uploads``: the part size asked for, and what
    the upload proposes to store (checked by the write policy)."""

    part_size: int | None
    proposal: Proposal


def parse_create_request(document: Mapping[str, Any], key: str) -> CreateRequest:
    """Validate the creation body's shape (400 invalid_request); its values are the write
    policy's to check."""
    check_members(document, CREATE_FIELDS)
    cache_control = text_member(document, "cache_control", CACHE_CONTROL)
    proposal = Proposal(
        key,
        content_type=text_member(document, "content_type", None),
        headers={} if cache_control is None else {"cache-control": cache_control},
        metadata=metadata_member(document),
        explicit=True,
        type_field="content_type",
    )
    return CreateRequest(integer_member(document, "part_size", 1), proposal)


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


def created_json(manifest: Manifest) -> dict[str, Any]:
    """The 201 body of a creation."""
    return {
        "upload_id": manifest.upload_id,
        "key": manifest.key,
        "part_size": manifest.part_size,
        "max_parts": MAX_PARTS,
        "expires_at": iso_time(manifest.expires),
    }


# --- status ----------------------------------------------------------------------------------


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

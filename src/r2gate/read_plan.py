"""What a GET or HEAD of an object answers, decided from plain values before any body moves.

The handler supplies the object's validators and size (from R2 or a cached response) and the
request's headers; the plan says which status to send, which bytes, and with which headers.
Preconditions follow RFC 9110 13.2.2 (conditional.py), ranges RFC 9110 14 (ranges.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from .conditional import Outcome, evaluate_preconditions
from .errors import ApiError
from .fields import lowered
from .query import Query, as_query
from .ranges import ByteRange, RangeKind, content_range, parse_range, unsatisfied_content_range
from .text import has_control

MAX_RANGES = 16  # more ranges than this in one request: answered with the full object
# The request headers RFC 9110 13.1 defines as read preconditions (If-Range only with Range).
CONDITIONAL_HEADERS = (
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
)
# Headers a 304 repeats from the 200 it stands for (RFC 9110 15.4.5).
NOT_MODIFIED_HEADERS = (
    "etag",
    "last-modified",
    "cache-control",
    "expires",
    "vary",
    "content-location",
    "x-content-type-options",
)


class ReadKind(Enum):
    FULL = "full"
    PARTIAL = "partial"  # one range
    MULTIPART = "multipart"  # several ranges, as multipart/byteranges
    NOT_MODIFIED = "not_modified"
    PRECONDITION_FAILED = "precondition_failed"
    UNSATISFIABLE = "unsatisfiable"


_STATUS = {
    ReadKind.FULL: 200,
    ReadKind.PARTIAL: 206,
    ReadKind.MULTIPART: 206,
    ReadKind.NOT_MODIFIED: 304,
    ReadKind.PRECONDITION_FAILED: 412,
    ReadKind.UNSATISFIABLE: 416,
}


@dataclass(frozen=True)
class ReadPlan:
    kind: ReadKind
    ranges: tuple[ByteRange, ...] = ()

    @property
    def status(self) -> int:
        return _STATUS[self.kind]

    @property
    def sends_body(self) -> bool:
        return self.kind in (ReadKind.FULL, ReadKind.PARTIAL, ReadKind.MULTIPART)


_lower = lowered


def plan_read(
    method: str,
    headers: Mapping[str, str],
    etag: str,
    last_modified: datetime,
    size: int,
) -> ReadPlan:
    """Decide the answer to a GET/HEAD of an existing object (missing objects are 404 first)."""
    precondition = evaluate_preconditions(method, headers, etag, last_modified)
    if precondition.outcome is Outcome.NOT_MODIFIED:
        return ReadPlan(ReadKind.NOT_MODIFIED)
    if precondition.outcome is Outcome.PRECONDITION_FAILED:
        return ReadPlan(ReadKind.PRECONDITION_FAILED)
    range_header = _lower(headers).get("range")
    if method != "GET" or not precondition.range_allowed or range_header is None:
        return ReadPlan(ReadKind.FULL)
    decision = parse_range(range_header, size, max_ranges=MAX_RANGES)
    if decision.kind is RangeKind.SINGLE:
        return ReadPlan(ReadKind.PARTIAL, decision.ranges)
    if decision.kind is RangeKind.MULTIPLE:
        return ReadPlan(ReadKind.MULTIPART, decision.ranges)
    if decision.kind is RangeKind.UNSATISFIABLE:
        return ReadPlan(ReadKind.UNSATISFIABLE)
    return ReadPlan(ReadKind.FULL)


def plan_headers(plan: ReadPlan, representation: Mapping[str, str], size: int) -> dict[str, str]:
    """Response headers for a plan, from the full 200's representation headers."""
    if plan.kind is ReadKind.NOT_MODIFIED:
        return {k: v for k, v in representation.items() if k.lower() in NOT_MODIFIED_HEADERS}
    headers = dict(representation)
    if plan.kind is ReadKind.FULL:
        headers["Content-Length"] = str(size)
    elif plan.kind is ReadKind.PARTIAL:
        (only,) = plan.ranges
        headers["Content-Range"] = content_range(only.offset, only.length, size)
        headers["Content-Length"] = str(only.length)
    elif plan.kind is ReadKind.UNSATISFIABLE:
        headers = {"Content-Range": unsatisfied_content_range(size)}
    else:  # MULTIPART and 412 get their body headers from the caller
        headers.pop("Content-Length", None)
    return headers


MAX_DOWNLOAD_NAME_CHARS = 1024


def download_name(query: Query | str, key: str) -> str | None:
    """`?download` -> the key's last segment; `?download=name.ext` -> that name; else None.
    400 invalid_request for a name with a control character or over 1024 characters."""
    value = as_query(query).single("download")
    if value is None:
        return None
    if has_control(value) or len(value) > MAX_DOWNLOAD_NAME_CHARS:
        raise ApiError(
            400,
            "invalid_request",
            f"'download' must be a name of at most {MAX_DOWNLOAD_NAME_CHARS} characters "
            "without control characters.",
        )
    return value or key.rsplit("/", 1)[-1]

"""Range requests (RFC 9110 14): parse `Range: bytes=...` against an object size.

Policy where the RFC lets the server choose (RFC 9110 14.2):
- no header, another unit, a syntax error, an invalid int-range (last < first),
  a number longer than 64 digits, a header over `MAX_HEADER_CHARS` characters, or more
  than `max_ranges` range-specs -> FULL (200); so the work per header is bounded;
- no satisfiable range-spec (always the case for a 0-byte object) -> UNSATISFIABLE (416);
- exactly one satisfiable range-spec -> SINGLE (206);
- several satisfiable ranges that overlap -> FULL; otherwise MULTIPLE (206
  multipart/byteranges) in request order, adjacent ranges kept apart.

Satisfiable ranges are clamped to the object: `(offset, length)` with length >= 1.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from .text import without_controls

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")
_MAX_DIGITS = 64
# 16 range-specs of two 20-digit numbers need about 700 characters.
MAX_HEADER_CHARS = 2048


class ByteRange(NamedTuple):
    """A satisfiable byte range: `length` bytes starting at `offset`."""

    offset: int
    length: int

    @property
    def last(self) -> int:
        """Position of the last byte (inclusive)."""
        return self.offset + self.length - 1


class RangeKind(Enum):
    """How to answer a GET with a Range header."""

    FULL = "full"
    SINGLE = "single"
    MULTIPLE = "multiple"
    UNSATISFIABLE = "unsatisfiable"


@dataclass(frozen=True)
class RangeDecision:
    """The decision; `ranges` has one entry for SINGLE, several for MULTIPLE."""

    kind: RangeKind
    ranges: tuple[ByteRange, ...] = ()


FULL = RangeDecision(RangeKind.FULL)
UNSATISFIABLE = RangeDecision(RangeKind.UNSATISFIABLE)


def _resolve(first: str, last: str, size: int) -> ByteRange | None:
    """Clamp one syntactically valid range-spec to the object, None if unsatisfiable."""
    if not first:  # suffix-range: the last N bytes
        length = min(int(last), size)
        return ByteRange(size - length, length) if length > 0 else None
    start = int(first)
    if start >= size:
        return None
    end = size - 1 if not last else min(int(last), size - 1)
    return ByteRange(start, end - start + 1)


def parse_range(header: str | None, size: int, max_ranges: int = 16) -> RangeDecision:
    """Decide how to answer `Range: header` for an object of `size` bytes (never raises
    on client input)."""
    if size < 0:
        raise ValueError(f"object size must be >= 0, got {size}")
    if header is None or len(header) > MAX_HEADER_CHARS:
        return FULL
    unit, equals, range_set = header.strip(" \t").partition("=")
    if not equals or not _TOKEN.fullmatch(unit) or unit.lower() != "bytes":
        return FULL
    specs: list[tuple[str, str]] = []
    for element in range_set.split(","):
        element = element.strip(" \t")
        if not element:
            continue  # empty list elements are allowed (RFC 9110 5.6.1)
        m = _RANGE_SPEC.fullmatch(element)
        if m is None:
            return FULL
        first, last = m.groups()
        if not (first or last) or max(len(first), len(last)) > _MAX_DIGITS:
            return FULL
        if first and last and int(last) < int(first):
            return FULL  # invalid int-range (RFC 9110 14.1.1)
        specs.append((first, last))
        if len(specs) > max_ranges:
            return FULL
    if not specs:
        return FULL

    satisfiable = [r for r in (_resolve(f, la, size) for f, la in specs) if r is not None]
    if not satisfiable:
        return UNSATISFIABLE
    if len(satisfiable) == 1:
        return RangeDecision(RangeKind.SINGLE, (satisfiable[0],))
    ordered = sorted(satisfiable)
    if any(b.offset <= a.last for a, b in zip(ordered, ordered[1:], strict=False)):
        return FULL
    return RangeDecision(RangeKind.MULTIPLE, tuple(satisfiable))


def content_range(offset: int, length: int, size: int) -> str:
    """Content-Range for a satisfied range: 'bytes first-last/size'."""
    return f"bytes {offset}-{offset + length - 1}/{size}"


def unsatisfied_content_range(size: int) -> str:
    """Content-Range for a 416: 'bytes */size'."""
    return f"bytes */{size}"


# RFC 2046 5.1.1 boundary: 1-70 bchars, not ending in a space.
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]")


@dataclass(frozen=True)
class MultipartPlan:
    """A multipart/byteranges body to stream: bytes chunks interleaved with slices."""

    content_type: str
    parts: tuple[bytes | ByteRange, ...]
    content_length: int


def multipart_byteranges(
    ranges: Sequence[tuple[int, int]], content_type: str, size: int, boundary: str
) -> MultipartPlan:
    """Plan a 206 multipart/byteranges body (RFC 9110 14.6) for the given ranges.

    `parts` alternates header chunks (bytes) and ByteRange slices of the object, so the
    Worker can stream each slice from R2. `content_type` is the object's type (omitted
    from the parts when empty); `boundary` comes from the caller (RFC 2046 bchars).
    """
    if not _BOUNDARY.fullmatch(boundary):
        raise ValueError("boundary must be 1-70 RFC 2046 bchars and not end in a space")
    if not ranges:
        raise ValueError("a multipart/byteranges body needs at least one range")
    part_type = without_controls(content_type).strip()
    type_line = f"Content-Type: {part_type}\r\n" if part_type else ""
    parts: list[bytes | ByteRange] = []
    for index, (offset, length) in enumerate(ranges):
        if offset < 0 or length < 1 or offset + length > size:
            raise ValueError(f"range ({offset}, {length}) is outside an object of {size} bytes")
        head = (
            f"--{boundary}\r\n{type_line}"
            f"Content-Range: {content_range(offset, length, size)}\r\n\r\n"
        )
        separator = b"" if index == 0 else b"\r\n"
        parts.append(separator + head.encode("ascii", "replace"))
        parts.append(ByteRange(offset, length))
    parts.append(f"\r\n--{boundary}--\r\n".encode("ascii"))
    total = sum(len(p) if isinstance(p, bytes) else p.length for p in parts)
    param = boundary if _TOKEN.fullmatch(boundary) else f'"{boundary}"'
    return MultipartPlan(f"multipart/byteranges; boundary={param}", tuple(parts), total)


def batched_parts(
    parts: Sequence[bytes | ByteRange], ranges_per_batch: int
) -> list[list[bytes | ByteRange]]:
    """A multipart body's `parts` (bytes, and ranges of the object) cut into runs of at most
    `ranges_per_batch` ranges each, in order: the reads that may be open at once. A run ends
    just before the range that would overflow it, so bytes stay in the run of the range
    before them (the closing delimiter in the last run)."""
    if ranges_per_batch < 1:
        raise ValueError("ranges_per_batch must be >= 1")
    batches: list[list[bytes | ByteRange]] = []
    batch: list[bytes | ByteRange] = []
    ranges = 0
    for part in parts:
        if not isinstance(part, bytes):
            if ranges == ranges_per_batch:
                batches.append(batch)
                batch, ranges = [], 0
            ranges += 1
        batch.append(part)
    batches.append(batch)
    return batches

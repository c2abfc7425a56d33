"""Conditional requests (RFC 9110 13): decide 200/304/412 and whether Range applies.

Reads: call `evaluate_preconditions` only when the object exists. For a missing key
the unconditional answer is 404, so preconditions are skipped (RFC 9110 13.2.1):
the caller answers 404 even for `If-Match: *`. The read plan (read_plan.py) turns the
outcome into a status.

Header names in the mappings are matched case-insensitively.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum

from r2gate.etags import (
    ANY,
    EntityTag,
    EtagList,
    parse_entity_tag,
    parse_etag_list,
    strong_match,
    to_entity_tag,
    weak_match,
)
from r2gate.fields import lowered
from r2gate.httpdates import parse_http_date, truncate_to_seconds


class Outcome(Enum):
    """What the preconditions decided."""

    PROCEED = "proceed"
    NOT_MODIFIED = "not_modified"
    PRECONDITION_FAILED = "precondition_failed"


@dataclass(frozen=True)
class Precondition:
    """The decision. `range_allowed` is True only when a GET may honour its Range
    (If-Range absent or true); with False the caller sends the full 200."""

    outcome: Outcome
    range_allowed: bool = False


_FAILED = Precondition(Outcome.PRECONDITION_FAILED)
_NOT_MODIFIED = Precondition(Outcome.NOT_MODIFIED)


_lower = lowered


def _if_match(tags: EtagList, current: EntityTag) -> bool:
    """If-Match is true for `*` or any strongly matching tag (RFC 9110 13.1.1)."""
    return tags is ANY or any(strong_match(tag, current) for tag in tags)


def _if_none_match(tags: EtagList, current: EntityTag) -> bool:
    """If-None-Match is false for `*` or any weakly matching tag (RFC 9110 13.1.2)."""
    return tags is not ANY and not any(weak_match(tag, current) for tag in tags)


def _if_range(value: str, current: EntityTag, modified: datetime) -> bool:
    """If-Range (RFC 9110 13.1.5): strong etag match or exact date; anything else false."""
    s = value.strip(" \t")
    if s.startswith(('"', "W/")):
        tag = parse_entity_tag(s)
        return tag is not None and strong_match(tag, current)
    date = parse_http_date(s)
    return date is not None and date == modified


# The request headers evaluate_preconditions reads.
_READ_FIELDS = ("if-match", "if-unmodified-since", "if-none-match", "if-modified-since", "if-range")


def evaluate_preconditions(
    method: str, headers: Mapping[str, str], etag: str, last_modified: datetime
) -> Precondition:
    """Evaluate read preconditions on an existing object in RFC 9110 13.2.2 order.

    `etag` is R2's quoted `httpEtag`; `last_modified` is R2's `uploaded` (compared
    at second precision). Malformed headers are ignored; a present If-Match
    (resp. If-None-Match) field suppresses If-Unmodified-Since (If-Modified-Since)
    even when malformed, as RFC 9110 13.1.3/13.1.4 say "contains".
    """
    h = _lower(headers)
    method = method.upper()
    if not any(name in h for name in _READ_FIELDS):  # most reads: nothing to evaluate
        return Precondition(Outcome.PROCEED, range_allowed=method == "GET")
    safe = method in ("GET", "HEAD")
    current = to_entity_tag(etag)
    modified = truncate_to_seconds(last_modified)

    if "if-match" in h:
        tags = parse_etag_list(h["if-match"])
        if tags is not None and not _if_match(tags, current):
            return _FAILED
    else:
        since = parse_http_date(h.get("if-unmodified-since"))
        if since is not None and modified > since:
            return _FAILED

    if "if-none-match" in h:
        tags = parse_etag_list(h["if-none-match"])
        if tags is not None and not _if_none_match(tags, current):
            return _NOT_MODIFIED if safe else _FAILED
    elif safe:
        since = parse_http_date(h.get("if-modified-since"))
        if since is not None and modified <= since:
            return _NOT_MODIFIED

    range_allowed = method == "GET" and (
        "range" not in h or "if-range" not in h or _if_range(h["if-range"], current, modified)
    )
    return Precondition(Outcome.PROCEED, range_allowed=range_allowed)

"""Entity tags (RFC 9110 8.8.3) and the If-Match / If-None-Match / If-Range fields.

A malformed field yields None ("ignore the field"); callers decide what ignoring
means. So does a field over `MAX_FIELD_CHARS` (reads ignore it, writes answer 412): the
work per field is bounded, and each tag is checked by one compiled pattern. Parsing is
strict about the tag itself (quotes required, `W/` case-sensitive) and lenient about list
syntax (optional whitespace, empty list elements, RFC 9110 5.6.1).
"""

from __future__ import annotations

import re
from enum import Enum
from functools import lru_cache
from typing import Literal, NamedTuple

_OWS = " \t"
MAX_FIELD_CHARS = 8192
# etagc = %x21 / %x23-7E / obs-text (anything non-ASCII is accepted as obs-text)
_OPAQUE = re.compile(r"[\x21\x23-\x7e\x80-\U0010ffff]*")


class EntityTag(NamedTuple):
    """One entity-tag: `opaque` is the text between the double quotes."""

    weak: bool
    opaque: str

    def __str__(self) -> str:
        return f'{"W/" if self.weak else ""}"{self.opaque}"'


class _Star(Enum):
    ANY = "*"


ANY = _Star.ANY
"""The `*` member of If-Match / If-None-Match: any current representation."""

EtagList = tuple[EntityTag, ...] | Literal[_Star.ANY]


def _scan_tag(s: str, i: int) -> tuple[EntityTag, int] | None:
    """Read one entity-tag starting at s[i]; return it and the index after it."""
    weak = s.startswith("W/", i)
    if weak:
        i += 2
    if i >= len(s) or s[i] != '"':
        return None
    end = s.find('"', i + 1)
    if end < 0:
        return None
    opaque = s[i + 1 : end]
    if not _OPAQUE.fullmatch(opaque):
        return None
    return EntityTag(weak, opaque), end + 1


def parse_entity_tag(value: str | None) -> EntityTag | None:
    """Parse a single entity-tag (surrounding whitespace allowed), or None if malformed."""
    if value is None:
        return None
    s = value.strip(_OWS)
    scanned = _scan_tag(s, 0)
    if scanned is None or scanned[1] != len(s):
        return None
    return scanned[0]


_CACHED_FIELD_CHARS = 256  # values up to this long are parsed once per isolate (LRU)


def parse_etag_list(value: str | None) -> EtagList | None:
    """Parse `"*" / #entity-tag` (If-Match, If-None-Match).

    Returns ANY for `*`, a non-empty tuple of tags, or None when the field is absent,
    malformed, over `MAX_FIELD_CHARS`, or an empty list (no condition to evaluate). Values up
    to `_CACHED_FIELD_CHARS` are parsed once per distinct value (the results are immutable):
    every client revalidating the same object sends the same If-None-Match.
    """
    if value is not None and len(value) <= _CACHED_FIELD_CHARS:
        return _cached_etag_list(value)
    return _etag_list(value)


@lru_cache(maxsize=256)
def _cached_etag_list(value: str) -> EtagList | None:
    return _etag_list(value)


def _etag_list(value: str | None) -> EtagList | None:
    if value is None or len(value) > MAX_FIELD_CHARS:
        return None
    s = value.strip(_OWS)
    if s == "*":
        return ANY
    tags: list[EntityTag] = []
    i, n = 0, len(s)
    while True:
        while i < n and s[i] in " \t,":
            i += 1
        if i >= n:
            break
        scanned = _scan_tag(s, i)
        if scanned is None:
            return None
        tag, i = scanned
        tags.append(tag)
        while i < n and s[i] in _OWS:
            i += 1
        if i < n and s[i] != ",":
            return None
    return tuple(tags) or None


@lru_cache(maxsize=512)
def to_entity_tag(etag: str) -> EntityTag:
    """The current representation's tag from R2's `httpEtag` (quoted) or `etag` (bare)."""
    parsed = parse_entity_tag(etag)
    return parsed if parsed is not None else EntityTag(False, etag)


def strong_match(a: EntityTag, b: EntityTag) -> bool:
    """Strong comparison (RFC 9110 8.8.3.2): both strong and identical."""
    return not a.weak and not b.weak and a.opaque == b.opaque


def weak_match(a: EntityTag, b: EntityTag) -> bool:
    """Weak comparison (RFC 9110 8.8.3.2): identical opaque-tags, weakness ignored."""
    return a.opaque == b.opaque

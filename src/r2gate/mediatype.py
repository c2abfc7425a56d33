"""Media types, parsed strictly: what a Content-Type says, which patterns allow it, and
whether a browser would run script in it.

Grammar (RFC 9110 8.3.1, 5.6.2, 5.6.4, 5.6.6)::

    media-type    = type "/" subtype parameters
    parameters    = *( OWS ";" OWS [ parameter ] )
    parameter     = token "=" ( token / quoted-string )
    quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE

r2gate's rules on top of the grammar (each refusal is a `MediaTypeError`):

* one field value only, and no comma anywhere, not even inside a quoted-string: Fetch joins
  repeated fields with ", ", so a comma may stand for a second Content-Type;
* no ``*`` in a media type's type or subtype (that is a pattern, `MediaRange`);
* ASCII only (obs-text is refused), type and subtype at most 127 characters (RFC 6838 4.2),
  the whole value at most `MAX_CHARS`, at most `MAX_PARAMETERS` parameters, no parameter
  name twice; empty parameters (``image/png;``) are allowed, as RFC 9110 allows them.

Canonical form (`MediaType.canonical`): lowercase type, subtype and parameter names, "; "
between parameters, values verbatim, quoted only when they are not tokens. Store the
canonical value you checked.

Patterns (`MediaRange`): ``*/*``, ``type/*`` or ``type/subtype``. Type and subtype compare
case-insensitively; parameters are ignored unless the pattern names some, and then each must
be present with the same value (``charset`` values compare case-insensitively, others
exactly). An *active* type (`is_active`) is allowed only by an exact pattern: ``*/*``,
``text/*`` or ``image/*`` never allow HTML or SVG.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache

__all__ = [
    "GENERIC_ESSENCES",
    "MAX_CHARS",
    "MAX_PARAMETERS",
    "MediaRange",
    "MediaType",
    "MediaTypeError",
    "allows",
    "is_active",
    "is_generic",
    "multipart_boundary",
    "parse_media_range",
    "parse_media_ranges",
    "parse_media_type",
    "single_media_type",
]

MAX_CHARS = 1024
MAX_PARAMETERS = 16
MAX_NAME_CHARS = 127  # RFC 6838 4.2: type and subtype names
MAX_RANGES = 32
MAX_BOUNDARY_CHARS = 70  # RFC 2046 5.1.1

_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_OWS = re.compile(r"[ \t]*")
# qdtext without obs-text, and quoted-pair without obs-text; the two never overlap.
_QUOTED = re.compile(r'"((?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t\x20-\x7e])*+)"')
_QUOTED_PAIR = re.compile(r"\\(.)", re.DOTALL)
_NEEDS_ESCAPE = re.compile(r'(["\\])')
# RFC 2046 5.1.1 bchars (the comma is refused earlier with every other comma).
_BOUNDARY = re.compile(r"[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]")

_HTML = frozenset({"text/html"})
_XML = frozenset({"text/xml", "application/xml", "text/xsl"})
# The WHATWG MIME Sniffing standard's JavaScript MIME type essences.
_JAVASCRIPT = frozenset(
    {
        "application/ecmascript",
        "application/javascript",
        "application/x-ecmascript",
        "application/x-javascript",
        "text/ecmascript",
        "text/javascript",
        "text/javascript1.0",
        "text/javascript1.1",
        "text/javascript1.2",
        "text/javascript1.3",
        "text/javascript1.4",
        "text/javascript1.5",
        "text/jscript",
        "text/livescript",
        "text/x-ecmascript",
        "text/x-javascript",
    }
)
# Older script-running documents: still refused, in case an old client meets the origin.
_LEGACY = frozenset(
    {
        "application/x-shockwave-flash",
        "application/futuresplash",
        "text/vbscript",
        "text/x-component",
    }
)
_ACTIVE = _HTML | _XML | _JAVASCRIPT | _LEGACY

GENERIC_ESSENCES = frozenset(
    {
        "application/octet-stream",
        "binary/octet-stream",
        "application/x-www-form-urlencoded",
        "application/binary",
        "application/x-binary",
        "application/x-octet-stream",
        "application/unknown",
        "application/x-unknown",
        "unknown/unknown",
        "application/force-download",
        "application/x-unknown-content-type",
    }
)
"""Types that say nothing about the bytes: tool defaults (curl's --data-binary sends
x-www-form-urlencoded, S3 SDKs binary/octet-stream) rather than a description."""


class MediaTypeError(ValueError):
    """A value that is not one strict media type (or pattern); the message never echoes it."""


def _unquote(quoted: str) -> str:
    return _QUOTED_PAIR.sub(r"\1", quoted)


def _serialise_value(value: str) -> str:
    if _TOKEN.fullmatch(value):
        return value
    return '"' + _NEEDS_ESCAPE.sub(r"\\\1", value) + '"'


def _serialise(type_: str, subtype: str, parameters: tuple[tuple[str, str], ...]) -> str:
    params = "".join(f"; {name}={_serialise_value(value)}" for name, value in parameters)
    return f"{type_}/{subtype}{params}"


def _skip_ows(text: str, pos: int) -> int:
    match = _OWS.match(text, pos)
    return match.end() if match else pos


def _parse(value: object) -> tuple[str, str, tuple[tuple[str, str], ...]]:
    """Split a value by the grammar: (type, subtype, parameters), names lowercased."""
    if not isinstance(value, str):
        raise MediaTypeError("a media type must be a string")
    if len(value) > MAX_CHARS:
        raise MediaTypeError(f"a media type is at most {MAX_CHARS} characters")
    if "," in value:
        raise MediaTypeError("a media type contains no comma (one Content-Type only)")
    text = value.strip(" \t")
    slash = text.find("/")
    type_match = _TOKEN.match(text)
    if type_match is None or type_match.end() != slash:
        raise MediaTypeError("a media type starts with type/subtype")
    subtype_match = _TOKEN.match(text, slash + 1)
    if subtype_match is None:
        raise MediaTypeError("a media type starts with type/subtype")
    type_, subtype = text[:slash].lower(), subtype_match.group().lower()
    if len(type_) > MAX_NAME_CHARS or len(subtype) > MAX_NAME_CHARS:
        raise MediaTypeError(f"type and subtype are at most {MAX_NAME_CHARS} characters")
    parameters: list[tuple[str, str]] = []
    pos, end = subtype_match.end(), len(text)
    while pos < end:
        pos = _skip_ows(text, pos)
        if pos >= end or text[pos] != ";":
            raise MediaTypeError("parameters are separated by ';'")
        pos = _skip_ows(text, pos + 1)
        if pos >= end or text[pos] == ";":
            continue  # an empty parameter
        name_match = _TOKEN.match(text, pos)
        if name_match is None or not text.startswith("=", name_match.end()):
            raise MediaTypeError("a parameter is name=value")
        pos = name_match.end() + 1
        if value_match := _TOKEN.match(text, pos):
            param_value = value_match.group()
        elif value_match := _QUOTED.match(text, pos):
            param_value = _unquote(value_match.group(1))
        else:
            raise MediaTypeError("a parameter value is a token or a quoted-string")
        pos = value_match.end()
        name = name_match.group().lower()
        if any(name == seen for seen, _ in parameters):
            raise MediaTypeError("a parameter is given twice")
        parameters.append((name, param_value))
        if len(parameters) > MAX_PARAMETERS:
            raise MediaTypeError(f"a media type has at most {MAX_PARAMETERS} parameters")
    return type_, subtype, tuple(parameters)


@dataclass(frozen=True)
class MediaType:
    """A parsed media type: lowercase `type`/`subtype`/parameter names, unquoted values."""

    type: str
    subtype: str
    parameters: tuple[tuple[str, str], ...] = ()

    @cached_property
    def essence(self) -> str:
        """``type/subtype``, without parameters."""
        return f"{self.type}/{self.subtype}"

    @cached_property
    def canonical(self) -> str:
        """The value to store and send: ``text/plain; charset=utf-8``."""
        return _serialise(self.type, self.subtype, self.parameters)

    def parameter(self, name: str) -> str | None:
        """The value of parameter `name` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.parameters if key == wanted), None)

    def __str__(self) -> str:
        return self.canonical


# A PUT checks its type several times (the request's, the stored one, the token's patterns):
# parsed values are immutable, so the last few hundred are kept (MediaTypeError is not).
PARSED_CACHE_SIZE = 256


def parse_media_type(value: str) -> MediaType:
    """Parse one Content-Type value strictly (see the module doc); raises MediaTypeError."""
    if not isinstance(value, str):  # JSON may carry anything; the cache takes only strings
        raise MediaTypeError("a media type must be a string")
    return _parsed_media_type(value)


@lru_cache(maxsize=PARSED_CACHE_SIZE)
def _parsed_media_type(value: str) -> MediaType:
    type_, subtype, parameters = _parse(value)
    if "*" in type_ or "*" in subtype:
        raise MediaTypeError("a media type has no wildcard")
    return MediaType(type_, subtype, parameters)


def single_media_type(values: str | Sequence[str] | None) -> MediaType | None:
    """The one Content-Type a request carried: None when it carried none; MediaTypeError
    for several fields, a joined list ("a, b"), an empty value or a malformed one.

    Takes the field's value (a str, as Fetch's ``Headers.get`` gives) or every value the
    request carried (a sequence)."""
    if values is None:
        return None
    if not isinstance(values, str):
        if len(values) > 1:
            raise MediaTypeError("a request carries one Content-Type")
        if not values:
            return None
        values = values[0]
    return parse_media_type(values)


@dataclass(frozen=True)
class MediaRange:
    """An allow-list pattern: ``*/*``, ``type/*`` or ``type/subtype``, with optional
    parameters that a matching media type must carry."""

    type: str
    subtype: str
    parameters: tuple[tuple[str, str], ...] = ()

    @property
    def is_wildcard(self) -> bool:
        """True for ``*/*`` and ``type/*``."""
        return self.subtype == "*"

    @property
    def canonical(self) -> str:
        return _serialise(self.type, self.subtype, self.parameters)

    def __str__(self) -> str:
        return self.canonical

    def matches(self, media: MediaType) -> bool:
        """Type/subtype match (wildcards allowed), then every pattern parameter is present
        with the same value. This says nothing about active types: use `allows`."""
        if self.type != "*" and self.type != media.type:
            return False
        if self.subtype != "*" and self.subtype != media.subtype:
            return False
        for name, wanted in self.parameters:
            actual = media.parameter(name)
            if actual is None:
                return False
            if name == "charset" and actual.lower() != wanted.lower():
                return False
            if name != "charset" and actual != wanted:
                return False
        return True


def parse_media_range(value: str) -> MediaRange:
    """Parse one pattern; ``*`` only as a whole subtype, or as ``*/*``. MediaTypeError."""
    if not isinstance(value, str):
        raise MediaTypeError("a media type must be a string")
    return _parsed_media_range(value)


@lru_cache(maxsize=PARSED_CACHE_SIZE)
def _parsed_media_range(value: str) -> MediaRange:
    type_, subtype, parameters = _parse(value)
    if "*" in type_ and type_ != "*":
        raise MediaTypeError("a pattern's type is a name or '*'")
    if "*" in subtype and subtype != "*":
        raise MediaTypeError("a pattern's subtype is a name or '*'")
    if type_ == "*" and subtype != "*":
        raise MediaTypeError("'*/subtype' is not a pattern; use '*/*'")
    return MediaRange(type_, subtype, parameters)


def parse_media_ranges(
    values: Sequence[str], max_count: int = MAX_RANGES
) -> tuple[MediaRange, ...]:
    """A non-empty list of patterns (duplicates dropped, order kept); MediaTypeError."""
    if isinstance(values, str) or not values or len(values) > max_count:
        raise MediaTypeError(f"give a list of 1 to {max_count} media types or patterns")
    ranges: list[MediaRange] = []
    for value in values:
        parsed = parse_media_range(value)
        if parsed not in ranges:
            ranges.append(parsed)
    return tuple(ranges)


def is_active(media: MediaType | MediaRange) -> bool:
    """Would a browser opening this type run script (or render a document that can)?

    HTML, XHTML and every XML type (``text/xml``, ``application/xml``, ``text/xsl``, any
    ``+xml`` subtype such as ``image/svg+xml``: XML documents may hold XHTML script),
    JavaScript/ECMAScript by the WHATWG list (scripts and service workers), every
    ``multipart/*`` (``x-mixed-replace`` renders its parts as documents; an asset store has
    no use for the others) and legacy plug-in/script types (Flash, VBScript, HTC).
    A wildcard pattern is never active: it does not name a type.
    """
    if media.type == "*" or media.subtype == "*":
        return False
    essence = f"{media.type}/{media.subtype}"
    return essence in _ACTIVE or media.subtype.endswith("+xml") or media.type == "multipart"


def is_generic(media: MediaType) -> bool:
    """True for types that say nothing about the bytes (`GENERIC_ESSENCES`)."""
    return media.essence in GENERIC_ESSENCES


def allows(patterns: Iterable[MediaRange], media: MediaType) -> bool:
    """True when a pattern matches `media`; an active type needs an exact (non-wildcard)
    pattern, so ``*/*`` or ``text/*`` never allow ``text/html``."""
    active = is_active(media)
    return any(p.matches(media) and not (active and p.is_wildcard) for p in patterns)


def multipart_boundary(media: MediaType, subtype: str = "form-data") -> str:
    """The boundary of a ``multipart/<subtype>`` type: 1 to 70 RFC 2046 bchars, not ending
    in a space. MediaTypeError for another type or a missing or invalid boundary."""
    if media.type != "multipart" or media.subtype != subtype.lower():
        raise MediaTypeError(f"not multipart/{subtype.lower()}")
    boundary = media.parameter("boundary")
    if boundary is None or not _BOUNDARY.fullmatch(boundary):
        raise MediaTypeError(
            f"a multipart boundary is 1 to {MAX_BOUNDARY_CHARS} RFC 2046 characters"
        )
    return boundary

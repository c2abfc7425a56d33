"""What an object may carry besides its bytes: its stored headers and its custom metadata.

The write policy (r2gate.write_policy) checks both here, for every surface, whatever the
source (a request's headers, a form's fields, a JSON body, a token's claims, the object a
copy starts from). Each header is parsed by its RFC grammar with a linear scan: one pass,
each step consuming at least one character, no regex that can backtrack.

Stored headers (at most `MAX_HEADER_CHARS` characters of printable ASCII each):

* Cache-Control (RFC 9111 5.2): ``1#( token [ "=" ( token / quoted-string ) ] )``;
* Content-Disposition (RFC 6266 4.1): ``disposition-type *( OWS ";" OWS parm )`` with
  ``parm = token "=" ( token / quoted-string )`` (``filename*`` values are tokens);
* Content-Encoding (RFC 9110 8.4): ``1#content-coding``, stored lower case, ", "-separated;
  ``aws-chunked`` is S3's upload framing, never a coding of the stored bytes, and is dropped;
* Content-Language (RFC 9110 8.5): ``1#language-tag`` (RFC 5646's shape: ``1*8ALPHA
  *( "-" 1*8alphanum )``);
* Expires (RFC 9111 5.3): an HTTP-date, stored in its preferred form.

Custom metadata: names are HTTP field-name tokens (they travel as ``x-amz-meta-<name>``
headers) of at most `MAX_METADATA_NAME` characters; values are text without control
characters; at most
`MAX_METADATA_ENTRIES` entries whose names and values add up to at most `MAX_METADATA_BYTES`
bytes of UTF-8 (R2's limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

from .httpdates import format_http_date, parse_http_date
from .text import has_control

__all__ = [
    "MAX_HEADER_CHARS",
    "MAX_METADATA_BYTES",
    "MAX_METADATA_ENTRIES",
    "MAX_METADATA_NAME",
    "STORED_HEADERS",
    "FieldError",
    "checked_metadata",
    "checked_stored_headers",
    "metadata_problem",
]

MAX_HEADER_CHARS = 1024
MAX_METADATA_BYTES = 8192
MAX_METADATA_ENTRIES = 64
MAX_METADATA_NAME = 128
MAX_LIST_ELEMENTS = 64

# Request header (lower case) -> R2 httpMetadata member, for the headers an object stores.
STORED_HEADERS = {
    "cache-control": "cacheControl",
    "content-disposition": "contentDisposition",
    "content-encoding": "contentEncoding",
    "content-language": "contentLanguage",
    "expires": "cacheExpiry",  # stored as an HTTP-date; R2 keeps it as a time
}

# The canonical forms the JSON API and token claims take, as patterns that are both Python
# and ECMAScript (the OpenAPI document states them): Cache-Control directives separated by
# "," and optional spaces (no tab, a control character in JSON text), metadata names (tokens)
# and values (text without controls).
TCHAR = "[!#$%&'*+.^_`|~0-9A-Za-z-]"
_QUOTED_TEXT = '"(?:[ \\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\x20-\\x7e])*"'
_DIRECTIVE = f"{TCHAR}+(?:=(?:{TCHAR}+|{_QUOTED_TEXT}))?"
CACHE_CONTROL_SYNTAX = f"{_DIRECTIVE}(?: *, *{_DIRECTIVE})*"
METADATA_NAME_SYNTAX = f"{TCHAR}{{1,{MAX_METADATA_NAME}}}"
METADATA_VALUE_SYNTAX = "[^\\x00-\\x1f\\x7f-\\x9f]*"
CACHE_CONTROL = re.compile(CACHE_CONTROL_SYNTAX)

# Linear on any input: one greedy class each, nothing around them to backtrack into.
_TOKEN = re.compile(TCHAR + "+")
_QDTEXT = re.compile(r"[\t \x21\x23-\x5b\x5d-\x7e]+")
_ALPHA = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_ALPHANUM = _ALPHA | frozenset("0123456789")
_PRINTABLE = re.compile(r"[\t\x20-\x7e]*")


class FieldError(ValueError):
    """A stored header or metadata that may not be stored (the message says why, naming the
    header, never quoting the value)."""


class _Scan:
    """A cursor over one header value."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    @property
    def done(self) -> bool:
        return self.at >= len(self.text)

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def ows(self) -> None:
        while self.at < len(self.text) and self.text[self.at] in " \t":
            self.at += 1

    def take(self, char: str) -> bool:
        if self.peek() == char:
            self.at += 1
            return True
        return False

    def token(self, what: str) -> str:
        found = _TOKEN.match(self.text, self.at)
        if found is None:
            raise FieldError(f"expected {what} at character {self.at + 1}")
        self.at = found.end()
        return found.group()

    def quoted(self) -> None:
        """A quoted-string (RFC 9110 5.6.4) starting at the cursor."""
        self.at += 1  # the opening DQUOTE
        while True:
            run = _QDTEXT.match(self.text, self.at)
            if run is not None:
                self.at = run.end()
            char = self.peek()
            if char == '"':
                self.at += 1
                return
            if char == "\\" and self.at + 1 < len(self.text):
                self.at += 2
                continue
            raise FieldError("a quoted-string is not closed or holds a character it may not")

    def value(self, what: str) -> None:
        """``token / quoted-string``."""
        if self.peek() == '"':
            self.quoted()
        else:
            self.token(what)


def _elements(text: str, element: Callable[[_Scan], None]) -> int:
    """RFC 9110 5.6.1 ``1#element``: elements separated by OWS "," OWS (empty elements are
    skipped, as recipients must); `element` parses one from the scan. Returns the count."""
    scan = _Scan(text)
    count = 0
    while True:
        scan.ows()
        if scan.take(","):
            continue
        if scan.done:
            break
        element(scan)
        count += 1
        if count > MAX_LIST_ELEMENTS:
            raise FieldError(f"more than {MAX_LIST_ELEMENTS} elements")
        scan.ows()
        if not scan.done and not scan.take(","):
            raise FieldError(f"expected ',' at character {scan.at + 1}")
    if count == 0:
        raise FieldError("no value")
    return count


def _directive(scan: _Scan) -> None:
    scan.token("a directive")
    if scan.take("="):
        scan.value("a directive value")


def _language(scan: _Scan) -> None:
    start = scan.at
    subtag = 0
    while True:
        length = 0
        allowed = _ALPHA if subtag == 0 else _ALPHANUM
        while scan.peek() and scan.peek() in allowed:
            scan.at += 1
            length += 1
        if not 1 <= length <= 8:
            raise FieldError(f"a language tag is malformed at character {start + 1}")
        subtag += 1
        if not scan.take("-"):
            return


def _disposition(text: str) -> None:
    scan = _Scan(text)
    scan.token("a disposition type")
    seen: set[str] = set()
    while True:
        scan.ows()
        if scan.done:
            return
        if not scan.take(";"):
            raise FieldError(f"expected ';' at character {scan.at + 1}")
        scan.ows()
        if scan.done:
            return  # a trailing ";" as browsers accept it
        name = scan.token("a parameter name").lower()
        if name in seen:
            raise FieldError(f"the parameter {name!r} is repeated")
        seen.add(name)
        if not scan.take("="):
            raise FieldError(f"expected '=' at character {scan.at + 1}")
        scan.value("a parameter value")


def _check_text(name: str, value: str) -> str:
    value = value.strip(" \t")
    if len(value) > MAX_HEADER_CHARS or not _PRINTABLE.fullmatch(value):
        raise FieldError(f"at most {MAX_HEADER_CHARS} characters of printable ASCII")
    return value


def _content_encoding(value: str) -> str | None:
    """The codings, lower case, ", "-separated, without aws-chunked (None when nothing is
    left)."""
    codings: list[str] = []

    def coding(scan: _Scan) -> None:
        codings.append(scan.token("a content coding").lower())

    _elements(value, coding)
    kept = [coding for coding in codings if coding != "aws-chunked"]
    return ", ".join(kept) if kept else None


def checked_stored_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """R2 httpMetadata members for the stored headers present in `headers` (lower-case names;
    others are ignored), each checked by its grammar: FieldError naming the header."""
    stored: dict[str, str] = {}
    for name, member in STORED_HEADERS.items():
        raw = headers.get(name)
        if raw is None:
            continue
        try:
            value = _check_text(name, raw)
            if not value:
                continue
            if name == "cache-control":
                _elements(value, _directive)
            elif name == "content-disposition":
                _disposition(value)
            elif name == "content-language":
                _elements(value, _language)
            elif name == "expires":
                moment = parse_http_date(value)
                if moment is None:
                    raise FieldError("not an HTTP-date")
                value = format_http_date(moment)
            else:
                encoding = _content_encoding(value)
                if encoding is None:
                    continue
                value = encoding
        except FieldError as error:
            raise FieldError(f"The {_title(name)} is not acceptable: {error}.") from None
        stored[member] = value
    return stored


def _title(name: str) -> str:
    return "-".join(part.capitalize() for part in name.split("-"))


def metadata_problem(metadata: Mapping[str, str]) -> str | None:
    """Why `metadata` may not be stored (a sentence without its values), or None."""
    if len(metadata) > MAX_METADATA_ENTRIES:
        return f"at most {MAX_METADATA_ENTRIES} entries"
    size = 0
    for name, value in metadata.items():
        if not isinstance(name, str) or not isinstance(value, str):
            return "names and values must be strings"
        if len(name) > MAX_METADATA_NAME or _TOKEN.fullmatch(name) is None:
            return (
                f"names must be HTTP field-name tokens of 1 to {MAX_METADATA_NAME} characters "
                "(letters, digits and !#$%&'*+.^_`|~-)"
            )
        if has_control(value):
            return "values may not contain control characters"
        try:
            size += len(name) + len(value.encode("utf-8"))
        except UnicodeEncodeError:  # a lone surrogate, which JSON can carry and UTF-8 cannot
            return "values must be text that UTF-8 can carry"
    if size > MAX_METADATA_BYTES:
        return f"names and values add up to more than {MAX_METADATA_BYTES} bytes"
    return None


def checked_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    """The custom metadata to store (a copy), or FieldError saying what is wrong."""
    if not metadata:
        return {}
    problem = metadata_problem(metadata)
    if problem is not None:
        raise FieldError(f"Custom metadata: {problem}.")
    return dict(metadata)

"""Object key rules: what r2gate accepts as an R2 key, decided before any I/O.

Characters refused because a key must display as what it is (in listings, download names,
logs and terminals):

* controls (Cc) and surrogates (Cs, not UTF-8);
* format characters (Cf): bidi overrides and isolates (U+202A-202E, U+2066-2069), marks
  (U+200E, U+200F, U+061C), zero-width characters (U+200B-200D, U+2060), U+FEFF, the soft
  hyphen, tag characters... They reorder or hide text, so "gpj.exe" can show as "exe.jpg".
  Emoji ZWJ sequences and subdivision flags use Cf characters too and are refused with them;
* line and paragraph separators (Zl, Zp), which break log lines and JavaScript strings;
* noncharacters (U+FDD0-FDEF and the last two code points of every plane), which Unicode
  reserves for internal use and never assigns;
* the invisible letters and marks that Unicode lists as default-ignorable but not as Cf:
  Hangul fillers (U+115F, U+1160, U+3164, U+FFA0), U+034F and U+17B4/U+17B5.

Allowed: private-use characters (Co: they render as a visible glyph or box and reorder
nothing), variation selectors (emoji and CJK variants need them), and unassigned code points
(Cn): whether a code point is assigned depends on the runtime's Unicode version, and a key
stored today must stay readable after an upgrade.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import unquote

from .errors import ApiError
from .text import has_control

MAX_KEY_BYTES = 1024  # R2's limit
RESERVED_PREFIX = "api/"  # every non-object route lives under /api/


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_key", message)


_REFUSED_CATEGORIES = frozenset({"Cf", "Zl", "Zp"})
_INVISIBLE = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u3164\uffa0")


def _is_noncharacter(code: int) -> bool:
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def invisible_character(text: str) -> str | None:
    """The first character `text` must not contain because it hides or reorders text
    (see the module doc), or None. ASCII text never has one."""
    if text.isascii():
        return None
    for char in text:
        if ord(char) < 0x80:
            continue
        if (
            unicodedata.category(char) in _REFUSED_CATEGORIES
            or char in _INVISIBLE
            or _is_noncharacter(ord(char))
        ):
            return char
    return None


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is acceptable, else raise a 400 `invalid_key`."""
    if not key:
        raise _invalid("The object key is empty.")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise _invalid(f"The object key is longer than {MAX_KEY_BYTES} bytes.")
    if has_control(key):
        raise _invalid("The object key contains a control character.")
    if not key.isascii() and any(0xD800 <= ord(c) <= 0xDFFF for c in key):
        raise _invalid("The object key is not valid UTF-8.")
    if (hidden := invisible_character(key)) is not None:
        raise _invalid(
            f"The object key contains U+{ord(hidden):04X}, an invisible or format character "
            "that would make the name display as something else."
        )
    if "\\" in key:
        raise _invalid("The object key contains a backslash.")
    segments = key.split("/")
    if "" in segments:
        raise _invalid(
            "The object key has an empty path segment (a leading, doubled or trailing '/')."
        )
    if any(segment in (".", "..") for segment in segments):
        raise _invalid("The object key has a '.' or '..' path segment.")
    if key.startswith(RESERVED_PREFIX) or key == RESERVED_PREFIX.rstrip("/"):
        raise _invalid("Keys under 'api/' are reserved for r2gate's own routes.")
    return key


def key_from_path(path: str) -> str:
    """Decode a request path ('/models/a%20b.glb') into a validated key ('models/a b.glb')."""
    raw = path[1:] if path.startswith("/") else path
    try:
        key = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _invalid("The object key is not valid UTF-8 once percent-decoded.") from None
    return validate_key(key)

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

import re
from urllib.parse import unquote

from .errors import ApiError
from .text import has_control

MAX_KEY_BYTES = 1024  # R2's limit
RESERVED_PREFIX = "api/"  # every non-object route lives under /api/


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_key", message)


# Cf, Zl and Zp as of Unicode 17 (a fixed table, so that a key means the same on every
# runtime whatever its Unicode version), and the invisible letters and marks.
_FORMAT_RANGES = (
    (0x00AD, 0x00AD),
    (0x0600, 0x0605),
    (0x061C, 0x061C),
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200F),
    (0x2028, 0x202E),
    (0x2060, 0x2064),
    (0x2066, 0x206F),
    (0xFEFF, 0xFEFF),
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x1343F),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),
)
_INVISIBLE_RANGES = (
    (0x034F, 0x034F),
    (0x115F, 0x1160),
    (0x17B4, 0x17B5),
    (0x3164, 0x3164),
    (0xFFA0, 0xFFA0),
)
_NONCHARACTER_RANGES = ((0xFDD0, 0xFDEF),) + tuple(
    (plane + 0xFFFE, plane + 0xFFFF) for plane in range(0, 0x110000, 0x10000)
)
HIDING_RANGES = tuple(sorted(_FORMAT_RANGES + _INVISIBLE_RANGES + _NONCHARACTER_RANGES))
"""Code point ranges a key may not contain because they hide or reorder text."""


def _class(ranges: tuple[tuple[int, int], ...]) -> str:
    def one(code: int) -> str:
        return f"\\u{code:04x}" if code <= 0xFFFF else chr(code)

    return "".join(one(a) if a == b else f"{one(a)}-{one(b)}" for a, b in ranges)


_HIDING = re.compile(f"[{_class(HIDING_RANGES)}]")


def invisible_character(text: str) -> str | None:
    """The first character `text` must not contain because it hides or reorders text
    (see the module doc), or None. ASCII text never has one."""
    if text.isascii():
        return None
    found = _HIDING.search(text)
    return found.group() if found else None


# One character of a key segment: not a control, backslash, slash or hiding one (surrogates,
# which UTF-8 cannot carry, are refused by `validate_key` and no JSON or URL holds one).
_KEY_CHAR = f"[^\\x00-\\x1f\\x7f-\\x9f\\\\/{_class(HIDING_RANGES)}]"
# The end of the text, in ECMA-262 and Python alike ("$" also matches before a final newline
# in Python, so a generator working from the pattern could append one).
END = "(?![\\s\\S])"
_SEGMENT = f"(?!\\.\\.?(?:/|{END})){_KEY_CHAR}+"
KEY_PATTERN = f"^(?!api(?:/|{END})){_SEGMENT}(?:/{_SEGMENT})*{END}"
"""The key rules as one regular expression (for the OpenAPI document), less the length:
at most `MAX_KEY_BYTES` bytes of UTF-8."""
PREFIX_PATTERN = f"^(?:(?!api/){_SEGMENT}/(?:{_SEGMENT}/)*)?{END}"
"""A prefix of keys: empty, or key segments each followed by '/'."""


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


def validate_folder_marker(key: str) -> str:
    """A key the S3 surface takes: one `validate_key` takes, or a folder marker (a valid key
    and one "/", ``photos/2026/``, the empty object consoles, s3fs and rclone's mkdir make).
    r2gate's own API refuses the second (docs/s3.md, Folder markers)."""
    if key.endswith("/") and len(key) > 1:
        validate_key(key[:-1])
        return key
    return validate_key(key)


def is_folder_marker(key: str) -> bool:
    return key.endswith("/")


def key_from_path(path: str) -> str:
    """Decode a request path ('/models/a%20b.glb') into a validated key ('models/a b.glb')."""
    raw = path[1:] if path.startswith("/") else path
    try:
        key = unquote(raw, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise _invalid("The object key is not valid UTF-8 once percent-decoded.") from None
    return validate_key(key)

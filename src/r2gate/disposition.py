"""Content-Disposition with a safe filename (RFC 6266, RFC 8187).

The name is reduced to its last path segment (both / and \\ count), stripped of
control and bidi-override characters and NFC-normalised. Every name gets an ASCII
`filename="..."`; names that are not plain ASCII (or contain %XX, which some agents
decode, RFC 6266 appendix D) also get `filename*=UTF-8''...`.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK_NAME = "download"
# RFC 8187 attr-char minus ALPHA / DIGIT (which quote() always keeps).
_ATTR_SAFE = "!#$&+-.^_`|~"
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_PERCENT_HEX = re.compile(r"%[0-9A-Fa-f]{2}")


def _clean(filename: str) -> str:
    """Last path segment, no control/bidi characters, NFC, trimmed; never empty."""
    name = re.split(r"[/\\]", filename)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(
        ch for ch in name if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS
    )
    name = name.strip().strip(".").strip()
    return name or FALLBACK_NAME


def _ascii_fallback(name: str) -> str:
    """Drop accents, replace what is still non-ASCII or %XX, escape quoted-string chars."""
    decomposed = unicodedata.normalize("NFKD", name)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_name = "".join(ch if " " <= ch <= "~" else "_" for ch in stripped)
    ascii_name = _PERCENT_HEX.sub(lambda m: "_" + m.group(0)[1:], ascii_name).strip()
    if not ascii_name:  # only combining marks: nothing of the name survives in ASCII
        return FALLBACK_NAME
    return ascii_name.replace("\\", "\\\\").replace('"', '\\"')


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """Content-Disposition value for `filename`; `disposition` is attachment or inline."""
    kind = disposition.lower()
    if kind not in ("attachment", "inline"):
        raise ValueError(f"disposition must be 'attachment' or 'inline', not {disposition!r}")
    name = _clean(filename)
    value = f'{kind}; filename="{_ascii_fallback(name)}"'
    if not name.isascii() or not name.isprintable() or _PERCENT_HEX.search(name):
        value += f"; filename*=UTF-8''{quote(name, safe=_ATTR_SAFE)}"
    return value

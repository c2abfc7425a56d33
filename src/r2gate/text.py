"""The one set of control characters r2gate refuses in text it stores, sends or logs."""

from __future__ import annotations

import re

__all__ = ["CONTROL", "has_control", "without_controls"]

# Unicode category Cc: C0 (U+0000..U+001F), DEL and C1 (U+0080..U+009F). A header value
# arrives as a byte string, so C1 there is raw bytes 0x80..0x9F: never a valid HTTP token or
# ASCII text either (non-ASCII names travel RFC 8187-encoded).
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    """True when `text` holds a control character."""
    return CONTROL.search(text) is not None


def without_controls(text: str) -> str:
    """`text` with every control character removed."""
    return CONTROL.sub("", text)

"""The server's object key rules, checked before a request is sent (README "Errors":
invalid_key). The server decides; this only saves a round trip for keys it always refuses."""

from __future__ import annotations

from .errors import InvalidRequest

MAX_KEY_BYTES = 1024
RESERVED_PREFIX = "api/"


def _reason(key: str) -> str | None:
    if not key:
        return "The object key is empty."
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return f"The object key is longer than {MAX_KEY_BYTES} bytes."
    if any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F or 0xD800 <= ord(c) <= 0xDFFF for c in key):
        return "The object key contains a control character or is not valid UTF-8."
    if "\\" in key:
        return "The object key contains a backslash."
    segments = key.split("/")
    if "" in segments or any(segment in (".", "..") for segment in segments):
        return "The object key has an empty, '.' or '..' path segment."
    if key.startswith(RESERVED_PREFIX) or key == RESERVED_PREFIX.rstrip("/"):
        return "Keys under 'api/' are reserved for r2gate's own routes."
    return None


def checked_key(key: str) -> str:
    """The key unchanged when r2gate would accept it, else InvalidRequest (no round trip)."""
    reason = _reason(key)
    if reason is not None:
        raise InvalidRequest(400, "invalid_key", reason)
    return key

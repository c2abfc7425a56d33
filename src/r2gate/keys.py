"""Object key rules: what r2gate accepts as an R2 key, decided before any I/O."""

from __future__ import annotations

from urllib.parse import unquote

from .errors import ApiError
from .text import has_control

MAX_KEY_BYTES = 1024  # R2's limit
RESERVED_PREFIX = "api/"  # every non-object route lives under /api/


def _invalid(message: str) -> ApiError:
    return ApiError(400, "invalid_key", message)


def validate_key(key: str) -> str:
    """Return `key` unchanged if it is acceptable, else raise a 400 `invalid_key`."""
    if not key:
        raise _invalid("The object key is empty.")
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        raise _invalid(f"The object key is longer than {MAX_KEY_BYTES} bytes.")
    if has_control(key):
        raise _invalid("The object key contains a control character.")
    if any(0xD800 <= ord(c) <= 0xDFFF for c in key):
        raise _invalid("The object key is not valid UTF-8.")
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

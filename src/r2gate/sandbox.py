"""User content never runs script on the asset origin: the Content-Security-Policy of objects.

Every object response carries ``Content-Security-Policy: default-src 'none'; sandbox``: a
browser that opens an uploaded HTML or SVG file renders it in a unique opaque origin with
scripts, forms, plugins and every fetch blocked, so it can read nothing of the origin
(cookies, storage) and call nothing on it. Images, models, video and audio loaded as
subresources of a page elsewhere ignore the header (CSP applies to documents).

PDF (`UNSANDBOXED`) gets ``default-src 'none'`` without ``sandbox``: Chromium's viewer is a
plugin that a sandbox blocks in some versions, and it cannot run script on the origin. Only a
type that is exactly one media type, ``application/pdf``, gets it: anything a browser might
read as another type gets the sandbox.

Objects under a prefix of ``TRUSTED_PAGES`` (a JSON list of key prefixes) get no policy:
your own pages and their scripts, served as they are. Whoever may write there can run
script on the asset origin, so scope the API keys and tokens that reach those prefixes.
"""

from __future__ import annotations

from .errors import ApiError
from .json_bounds import MAX_SETTING_BYTES, JsonRejected, load_json
from .keys import validate_key
from .mediatype import MediaTypeError, single_media_type

__all__ = [
    "SANDBOX",
    "UNSANDBOXED",
    "UNSANDBOXED_POLICY",
    "content_security_policy",
    "parse_trusted_pages",
]

SANDBOX = "default-src 'none'; sandbox"
UNSANDBOXED_POLICY = "default-src 'none'"
UNSANDBOXED = frozenset({"application/pdf"})
MAX_TRUSTED_PREFIXES = 64


def parse_trusted_pages(text: str | None) -> tuple[str, ...]:
    """The ``TRUSTED_PAGES`` setting: a JSON list of key prefixes (each a usable key prefix,
    ending in "/"); unset or blank is none. ValueError naming what is wrong."""
    if text is None or not text.strip():
        return ()
    try:
        value = load_json(text, max_bytes=MAX_SETTING_BYTES, max_depth=1)
    except JsonRejected as error:
        raise ValueError(f"expected a JSON list of key prefixes: {error}") from None
    if not isinstance(value, list) or len(value) > MAX_TRUSTED_PREFIXES:
        raise ValueError(f"expected a JSON list of at most {MAX_TRUSTED_PREFIXES} key prefixes")
    prefixes: list[str] = []
    for prefix in value:
        if not isinstance(prefix, str) or not prefix.endswith("/"):
            raise ValueError("each prefix is a string ending in '/'")
        try:
            validate_key(prefix + "x")
        except ApiError:
            raise ValueError("each prefix must be usable as the start of a key") from None
        prefixes.append(prefix)
    return tuple(prefixes)


def content_security_policy(
    key: str, content_type: str | None, trusted_pages: tuple[str, ...] = ()
) -> str | None:
    """The policy for an object response of `key` stored as `content_type`; None under a
    trusted prefix."""
    if any(key.startswith(prefix) for prefix in trusted_pages):
        return None
    return UNSANDBOXED_POLICY if _essence(content_type) in UNSANDBOXED else SANDBOX


def _essence(content_type: str | None) -> str | None:
    """The type's essence when it is exactly one media type, else None: a value a browser may
    read otherwise (``application/pdf;,text/html``, stored before r2gate parsed types
    strictly) gets the sandbox."""
    try:
        media = single_media_type(content_type)
    except MediaTypeError:
        return None
    return media.essence if media is not None else None

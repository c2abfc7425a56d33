"""Strict parsing of the JSON bodies of ``POST /api/v1/uploads`` and ``POST /api/v1/downloads``.

Bodies are one UTF-8 JSON object of at most `MAX_BODY_BYTES`; duplicate members, unknown
members, wrong types and missing required members are refused. Errors: 413 body_too_large,
400 invalid_json, 400 invalid_request (the message names the member), 400 invalid_key.
Messages never echo the client's values.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ApiError
from .json_bounds import JsonInvalid, JsonTooLarge, load_json_object
from .keys import validate_key
from .mediatype import MAX_RANGES, MediaTypeError, parse_media_ranges, single_media_type
from .stored_fields import CACHE_CONTROL
from .text import has_control
from .uploads import parse_content_length
from .write_policy import check_metadata

__all__ = [
    "DOWNLOAD_FIELDS",
    "MAX_BODY_BYTES",
    "UPLOAD_FIELDS",
    "DownloadRequest",
    "UploadRequest",
    "parse_download_request",
    "parse_json_object",
    "parse_upload_request",
]

MAX_BODY_BYTES = 16 * 1024
MAX_FILENAME_CHARS = 1024
# A generated key adds at most 125 ASCII characters to its prefix: 224 characters of at most
# 4 bytes each keep every generated key within R2's 1024 bytes.
MAX_PREFIX_CHARS = 224
UPLOAD_FIELDS = frozenset(
    {
        "key",
        "filename",
        "prefix",
        "content_type",
        "max_bytes",
        "expires_in",
        "overwrite",
        "sha256",
        "metadata",
        "cache_control",
        "multipart",
        "sub",
    }
)
DOWNLOAD_FIELDS = frozenset({"key", "expires_in", "download_name"})
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_request", message)


def check_json_request(headers: Mapping[str, str], limit: int = MAX_BODY_BYTES) -> int | None:
    """Before reading a JSON body: 415 unless the Content-Type is one strict
    ``application/json`` (UTF-8, or absent), 413
    body_too_large when the declared length exceeds `limit`. Returns the declared length."""
    refused = ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        declared = single_media_type(headers.get("content-type"))
    except MediaTypeError:
        raise refused from None
    if declared is not None and (
        declared.essence != "application/json"
        or (declared.parameter("charset") or "utf-8").lower() != "utf-8"
    ):
        raise refused
    length = parse_content_length(headers) if "content-length" in headers else None
    if length is not None and length > limit:
        raise ApiError(413, "body_too_large", f"The JSON body exceeds {limit} bytes.")
    return length


def parse_json_object(data: bytes, limit: int = MAX_BODY_BYTES) -> dict[str, Any]:
    """The body as a JSON object (`json_bounds.load_json_object`: bounded depth and size, no
    recursion): 413 body_too_large, 400 invalid_json naming what is wrong, never the input."""
    try:
        return load_json_object(data, max_bytes=limit)
    except JsonTooLarge:
        raise ApiError(413, "body_too_large", f"The JSON body exceeds {limit} bytes.") from None
    except JsonInvalid as error:
        raise ApiError(
            400,
            "invalid_json",
            f"The body must be one JSON object (UTF-8, no duplicate members): {error}.",
        ) from None


@dataclass(frozen=True)
class UploadRequest:
    """A validated upload-token request: exactly one of `key` or `filename`. `content_types`
    are canonical media types or patterns (``image/*``, ``*/*``), the token's ``ct``."""

    content_types: tuple[str, ...]
    key: str | None = None
    filename: str | None = None
    prefix: str | None = None
    max_bytes: int | None = None
    expires_in: int | None = None
    overwrite: bool = False
    sha256: str | None = None
    metadata: dict[str, str] | None = None
    cache_control: str | None = None
    multipart: bool = False
    sub: str | None = None  # the token's subject, named in upload events

    @property
    def exact_type(self) -> str | None:
        """The one media type the upload must have, when it names exactly one (no pattern)."""
        only = self.content_types[0] if len(self.content_types) == 1 else None
        return only if only is not None and "*" not in only.split(";", 1)[0] else None


@dataclass(frozen=True)
class DownloadRequest:
    """A validated download-link request."""

    key: str
    expires_in: int | None = None
    download_name: str | None = None


def check_members(document: Mapping[str, Any], allowed: frozenset[str]) -> None:
    unknown = sorted(set(document) - allowed)
    if unknown:
        names = ", ".join(repr(name[:64]) for name in unknown[:5])
        raise _bad(f"Unknown member(s): {names}. Allowed: {', '.join(sorted(allowed))}.")


def _string(document: Mapping[str, Any], name: str) -> str | None:
    value = document.get(name)
    if value is None and name not in document:
        return None
    if not isinstance(value, str) or not value:
        raise _bad(f"'{name}' must be a non-empty string.")
    return value


def integer_member(document: Mapping[str, Any], name: str, minimum: int) -> int | None:
    if name not in document:
        return None
    value = document[name]
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # JSON has one number type: 94.0 is the integer 94
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise _bad(f"'{name}' must be an integer >= {minimum}.")
    return value


def _key(document: Mapping[str, Any]) -> str | None:
    key = _string(document, "key")
    return validate_key(key) if key is not None else None


def _prefix(document: Mapping[str, Any]) -> str | None:
    if "prefix" not in document:
        return None
    prefix = document["prefix"]
    if not isinstance(prefix, str) or (prefix and not prefix.endswith("/")):
        raise _bad("'prefix' must be a string that is empty or ends with '/'.")
    if len(prefix) > MAX_PREFIX_CHARS:
        raise _bad(f"'prefix' must be at most {MAX_PREFIX_CHARS} characters.")
    if prefix:
        try:
            validate_key(prefix + "x")
        except ApiError as error:
            raise ApiError(400, "invalid_key", f"'prefix' is not usable: {error.message}") from None
    return prefix


def content_type_member(document: Mapping[str, Any]) -> str:
    """``content_type``: one media type (RFC 9110 8.3.1), canonical."""
    value = document.get("content_type")
    try:
        media = single_media_type(value) if isinstance(value, str) else None
    except MediaTypeError:
        media = None
    if media is None:
        raise _bad("'content_type' must be one media type such as 'model/gltf-binary'.")
    return media.canonical


def content_types_member(document: Mapping[str, Any]) -> tuple[str, ...]:
    """``content_type`` of an upload grant: a media type or pattern (``image/*``, ``*/*``),
    or a list of 1 to 32 of them; canonical, duplicates dropped."""
    if "content_type" not in document:
        raise _bad("'content_type' is required.")
    value = document["content_type"]
    values = [value] if isinstance(value, str) else value
    try:
        if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
            raise MediaTypeError("not a string or a list of strings")
        return tuple(r.canonical for r in parse_media_ranges(values))
    except MediaTypeError:
        raise _bad(
            "'content_type' must be a media type or pattern ('model/gltf-binary', 'image/*', "
            f"'*/*') or a list of 1 to {MAX_RANGES} of them."
        ) from None


def metadata_member(document: Mapping[str, Any]) -> dict[str, str] | None:
    """``metadata``: an object of string names to string values, as the write policy stores
    custom metadata (r2gate.stored_fields: 400 invalid_metadata otherwise)."""
    if "metadata" not in document:
        return None
    value = document["metadata"]
    if not isinstance(value, dict) or not all(
        isinstance(name, str) and name and isinstance(item, str) for name, item in value.items()
    ):
        raise _bad("'metadata' must be an object of non-empty string names to string values.")
    return check_metadata(value)


def text_member(
    document: Mapping[str, Any], name: str, pattern: re.Pattern[str] | None
) -> str | None:
    value = _string(document, name)
    if value is None:
        return None
    if len(value) > MAX_FILENAME_CHARS or has_control(value):
        raise _bad(f"'{name}' must be at most {MAX_FILENAME_CHARS} characters, no controls.")
    if pattern is not None and not pattern.fullmatch(value):
        raise _bad(f"'{name}' has characters that are not allowed.")
    return value


def parse_upload_request(document: Mapping[str, Any]) -> UploadRequest:
    """Validate the body of POST /api/v1/uploads."""
    check_members(document, UPLOAD_FIELDS)
    key = _key(document)
    filename = text_member(document, "filename", None)
    if (key is None) == (filename is None):
        raise _bad("Give exactly one of 'key' or 'filename'.")
    prefix = _prefix(document)
    if prefix is not None and key is not None:
        raise _bad("'prefix' goes with 'filename', not with 'key'.")
    overwrite = document.get("overwrite", False)
    if not isinstance(overwrite, bool):
        raise _bad("'overwrite' must be true or false.")
    multipart = document.get("multipart", False)
    if not isinstance(multipart, bool):
        raise _bad("'multipart' must be true or false.")
    sha256 = _string(document, "sha256")
    if sha256 is not None and not _SHA256.fullmatch(sha256):
        raise _bad("'sha256' must be 64 hexadecimal characters.")
    return UploadRequest(
        content_types=content_types_member(document),
        key=key,
        filename=filename,
        prefix=prefix,
        max_bytes=integer_member(document, "max_bytes", 0),
        expires_in=integer_member(document, "expires_in", 1),
        overwrite=overwrite,
        sha256=sha256.lower() if sha256 is not None else None,
        metadata=metadata_member(document),
        cache_control=text_member(document, "cache_control", CACHE_CONTROL),
        multipart=multipart,
        sub=text_member(document, "sub", None),
    )


def parse_download_request(document: Mapping[str, Any]) -> DownloadRequest:
    """Validate the body of POST /api/v1/downloads."""
    check_members(document, DOWNLOAD_FIELDS)
    key = _key(document)
    if key is None:
        raise _bad("'key' is required.")
    return DownloadRequest(
        key=key,
        expires_in=integer_member(document, "expires_in", 1),
        download_name=text_member(document, "download_name", None),
    )

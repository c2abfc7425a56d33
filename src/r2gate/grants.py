"""What the signing endpoints grant and answer: keys, token claims, URLs, response bodies.

Pure functions over validated requests (`api_requests`), the caller's `ApiKey` and injected
time and randomness; every token is checked against the API key's scope before it is handed
out, so a token never exceeds the API key's scope.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from .api_requests import DownloadRequest, UploadRequest
from .apikeys import ApiKey
from .errors import ApiError
from .keygen import generated_key
from .keys import validate_key
from .tokens import DEFAULT_EXPIRES_IN, TokenConfig, media_type

UPLOADER_PATH = "/api/v1/uploader"
# R2's largest object (5 TiB): the default `max` of a multipart (mpu) upload token.
MAX_OBJECT_BYTES = 5 * 1024**4

__all__ = [
    "download_claims",
    "download_response",
    "expires_in",
    "iso_time",
    "multipart_response",
    "object_url",
    "origin",
    "page_url",
    "upload_claims",
    "upload_grants",
    "upload_key",
    "upload_response",
]


def origin(url: str) -> str:
    """``https://host:port`` of a request URL."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def object_url(base: str, key: str, token: str | None = None) -> str:
    """The URL of an object (path percent-encoded, '/' kept), with ``?token=`` when given."""
    url = f"{base}/{quote(key, safe='/')}"
    return f"{url}?token={quote(token, safe='')}" if token is not None else url


def iso_time(unix: int) -> str:
    """Unix seconds as ``2026-11-21T08:21:54Z``."""
    return datetime.fromtimestamp(unix, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def expires_in(requested: int | None, config: TokenConfig) -> int:
    """The lifetime to mint with: the request's, else min(900, max lifetime)."""
    return requested if requested is not None else min(DEFAULT_EXPIRES_IN, config.max_lifetime)


def _scope_prefix(api_key: ApiKey) -> str | None:
    """The prefix a generated key goes under when the request names none (None: by type)."""
    if "" in api_key.prefixes:
        return None
    if len(api_key.prefixes) == 1:
        return api_key.prefixes[0]
    raise ApiError(
        400,
        "prefix_required",
        f"API key {api_key.name!r} is limited to several prefixes: give 'prefix'.",
    )


def upload_key(request: UploadRequest, api_key: ApiKey, now: datetime, random_hex: str) -> str:
    """The request's key, or a generated ``{prefix}{YYYYMMDD_HHMMSS}_{hex8}_{filename}``.

    The prefix is the request's, else the API key's single scope prefix, else the default
    folder for the content type (models/, videos/, images/, audio/, documents/, other/).
    """
    if request.key is not None:
        return request.key
    prefix = request.prefix if request.prefix is not None else _scope_prefix(api_key)
    return validate_key(
        generated_key(request.filename, request.content_type, prefix, now, random_hex)
    )


def upload_claims(request: UploadRequest, key: str, max_put_bytes: int) -> dict[str, Any]:
    """Wire claims of a put token for `key` (``max`` defaults to the single-PUT limit)."""
    max_bytes = request.max_bytes if request.max_bytes is not None else max_put_bytes
    if max_bytes > max_put_bytes:
        raise ApiError(
            400,
            "invalid_request",
            f"'max_bytes' must be at most {max_put_bytes} (the single PUT limit).",
        )
    claims: dict[str, Any] = {
        "op": "put",
        "key": key,
        "ct": [media_type(request.content_type)],
        "max": max_bytes,
    }
    optional = {
        "sha256": request.sha256,
        "meta": request.metadata,
        "cache": request.cache_control,
        "ow": True if request.overwrite else None,
    }
    claims.update((name, value) for name, value in optional.items() if value is not None)
    return claims


def upload_response(
    request: UploadRequest,
    base: str,
    key: str,
    token: str,
    expires_at: int,
    max_bytes: int,
    public: bool,
) -> dict[str, Any]:
    """The 201 body of POST /api/v1/uploads."""
    return {
        "upload_url": object_url(base, key, token),
        "method": "PUT",
        "headers": {"Content-Type": request.content_type},
        "key": key,
        "token": token,
        "expires_at": iso_time(expires_at),
        "public_url": object_url(base, key) if public else None,
        "max_bytes": max_bytes,
    }


def download_claims(request: DownloadRequest) -> dict[str, Any]:
    """Wire claims of a get token for one key."""
    claims: dict[str, Any] = {"op": "get", "key": request.key}
    if request.download_name is not None:
        claims["dn"] = request.download_name
    return claims


def download_response(base: str, key: str, token: str, expires_at: int) -> dict[str, Any]:
    """The 201 body of POST /api/v1/downloads."""
    return {
        "url": object_url(base, key, token),
        "token": token,
        "expires_at": iso_time(expires_at),
        "key": key,
    }


def upload_grants(
    request: UploadRequest,
    key: str,
    max_put_bytes: int,
    multipart: bool,
    max_object_bytes: int = MAX_OBJECT_BYTES,
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """Wire claims of the put token and, with `multipart`, of an mpu token for the same key,
    types, metadata, Cache-Control and overwrite.

    With `multipart`, ``max_bytes`` bounds the whole object (default `max_object_bytes`) and
    the put token's ``max`` is the smaller of it and `max_put_bytes`; ``sha256`` is refused
    (R2 cannot verify a whole multipart object). Errors: 400 invalid_request."""
    if not multipart:
        return upload_claims(request, key, max_put_bytes), None
    if request.sha256 is not None:
        raise ApiError(400, "invalid_request", "'sha256' cannot be combined with 'multipart'.")
    max_bytes = request.max_bytes if request.max_bytes is not None else max_object_bytes
    if max_bytes > max_object_bytes:
        raise ApiError(400, "invalid_request", f"'max_bytes' must be at most {max_object_bytes}.")
    single = replace(request, max_bytes=min(max_bytes, max_put_bytes))
    put = upload_claims(single, key, max_put_bytes)
    return put, {**put, "op": "mpu", "max": max_bytes}


def multipart_response(base: str, key: str, token: str, max_bytes: int) -> dict[str, Any]:
    """The ``multipart`` member of the 201 body: the mpu token, the URL that starts the
    upload (``POST``), and the largest object it allows."""
    start = f"{base}/{quote(key, safe='/')}?uploads&token={quote(token, safe='')}"
    return {"token": token, "url": start, "max_bytes": max_bytes}


def page_url(base: str, token: str, multipart_token: str | None = None) -> str:
    """The browser uploader with the token(s) in the URL fragment, which browsers never send
    to a server: ``{base}/api/v1/uploader#token=...[&mpu=...]``."""
    fragment = f"token={quote(token, safe='')}"
    if multipart_token is not None:
        fragment += f"&mpu={quote(multipart_token, safe='')}"
    return f"{base}{UPLOADER_PATH}#{fragment}"

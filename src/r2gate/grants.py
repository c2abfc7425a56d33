"""What the signing endpoints grant and answer: `issue_upload` and `issue_download`.

Pure functions over validated requests (`api_requests`), the caller's `Principal`, the
settings and injected time and randomness; they return the 201 body as plain values. Every
token is checked against the caller's scope before it is handed out, so a token never
exceeds the scope of the API key that asked for it.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urlsplit

from .api_requests import DownloadRequest, UploadRequest
from .cache_policy import decide
from .errors import ApiError, from_token_error
from .keygen import generated_key
from .keys import validate_key
from .operations import TOKEN_OPERATIONS, Operation
from .tokens import DEFAULT_EXPIRES_IN, InvalidGrantError, TokenConfig, mint_token

if TYPE_CHECKING:
    from .auth import Principal
    from .settings import Settings

UPLOADER_PATH = "/api/v1/uploader"
TUS_PATH = "/api/v1/tus"
# R2's largest object (5 TiB): the default `max` of a multipart (mpu) upload token.
MAX_OBJECT_BYTES = 5 * 1024**4

__all__ = [
    "issue_download",
    "issue_upload",
    "signing_config",
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


def _scope_prefix(prefixes: tuple[str, ...]) -> str | None:
    """The prefix a generated key goes under when the request names none (None: by type)."""
    if "" in prefixes:
        return None
    if len(prefixes) == 1:
        return prefixes[0]
    raise ApiError(
        400, "prefix_required", "This API key is limited to several prefixes: give 'prefix'."
    )


def upload_key(
    request: UploadRequest, prefixes: tuple[str, ...], now: datetime, random_hex: str
) -> str:
    """The request's key, or a generated ``{prefix}{YYYYMMDD_HHMMSS}_{hex8}_{filename}``.

    The prefix is the request's, else the caller's single scope prefix (of `prefixes`), else
    the default folder for the content type (models/, videos/, images/, audio/, documents/,
    other/).
    """
    if request.key is not None:
        return request.key
    prefix = request.prefix if request.prefix is not None else _scope_prefix(prefixes)
    return validate_key(
        generated_key(request.filename, request.content_types[0], prefix, now, random_hex)
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
        "ct": list(request.content_types),
        "max": max_bytes,
    }
    optional = {
        "sha256": request.sha256,
        "meta": request.metadata,
        "cache": request.cache_control,
        "ow": True if request.overwrite else None,
        "sub": request.sub,
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
        "headers": {"Content-Type": request.exact_type} if request.exact_type else {},
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
    upload (``POST``), the largest object it allows, and the tus endpoint the same token
    creates a tus upload at."""
    start = f"{base}/{quote(key, safe='/')}?uploads&token={quote(token, safe='')}"
    # tus clients (docs/tus.md) create the upload there with the token as a Bearer header.
    return {"token": token, "url": start, "max_bytes": max_bytes, "tus_endpoint": base + TUS_PATH}


def page_url(base: str, token: str, multipart_token: str | None = None) -> str:
    """The browser uploader with the token(s) in the URL fragment, which browsers never send
    to a server: ``{base}/api/v1/uploader#token=...[&mpu=...]``."""
    fragment = f"token={quote(token, safe='')}"
    if multipart_token is not None:
        fragment += f"&mpu={quote(multipart_token, safe='')}"
    return f"{base}{UPLOADER_PATH}#{fragment}"


# --- issuing -------------------------------------------------------------------------------


def signing_config(principal: Principal, settings: Settings) -> TokenConfig:
    """Before reading a signing request's body: the caller may sign (403 key_scope) and tokens
    are on (501 tokens_disabled, SIGNING_KEYS unset)."""
    principal.require(Operation.SIGN)
    if settings.tokens is None:
        raise ApiError(501, "tokens_disabled", "Tokens are off: SIGNING_KEYS is not set.")
    return settings.tokens


def _mint(
    principal: Principal,
    config: TokenConfig,
    claims: Mapping[str, Any],
    lifetime: int,
    now: int,
    random_hex: Callable[[int], str],
) -> str:
    """Sign `claims` (400 invalid_request) if the caller may sign them and may itself do what
    they grant, on their key or prefix (403)."""
    try:
        token = mint_token(config, claims, expires_in=lifetime, now=now, random_hex=random_hex)
    except InvalidGrantError as error:
        raise from_token_error(error) from None
    target = claims.get("key", claims.get("prefix"))
    principal.require(Operation.SIGN, target)
    principal.require(TOKEN_OPERATIONS[claims["op"]], target)
    return token


def issue_upload(
    principal: Principal,
    request: UploadRequest,
    settings: Settings,
    base: str,
    now: int,
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> dict[str, Any]:
    """The 201 body of POST /api/v1/uploads: {upload_url, method, headers, key, token,
    expires_at, public_url, max_bytes, multipart, page_url}; with ``"multipart": true`` the
    ``multipart`` member carries an mpu token for the same key."""
    config = signing_config(principal, settings)
    when = datetime.fromtimestamp(now, UTC)
    key = upload_key(request, principal.prefixes, when, random_hex(4))
    claims, mpu_claims = upload_grants(request, key, settings.max_put_bytes, request.multipart)
    lifetime = expires_in(request.expires_in, config)
    token = _mint(principal, config, claims, lifetime, now, random_hex)
    public = not decide(key, None, settings.cache).private
    body = upload_response(request, base, key, token, now + lifetime, claims["max"], public)
    body["multipart"] = None
    mpu_token: str | None = None
    if mpu_claims is not None:
        mpu_token = _mint(principal, config, mpu_claims, lifetime, now, random_hex)
        body["multipart"] = multipart_response(base, key, mpu_token, mpu_claims["max"])
    body["page_url"] = page_url(base, token, mpu_token)
    return body


def issue_download(
    principal: Principal,
    request: DownloadRequest,
    settings: Settings,
    base: str,
    now: int,
    random_hex: Callable[[int], str] = secrets.token_hex,
) -> dict[str, Any]:
    """The 201 body of POST /api/v1/downloads: {url, token, expires_at, key}, a GET/HEAD link
    for one key."""
    config = signing_config(principal, settings)
    lifetime = expires_in(request.expires_in, config)
    token = _mint(principal, config, download_claims(request), lifetime, now, random_hex)
    return download_response(base, request.key, token, now + lifetime)

"""POST /api/v1/uploads and POST /api/v1/downloads: mint tokens for an API key with "sign"."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Any

from r2gate.api_requests import (
    MAX_BODY_BYTES,
    parse_download_request,
    parse_upload_request,
)
from r2gate.apikeys import ApiKey, authenticate, check_mint
from r2gate.cache_policy import decide
from r2gate.errors import ApiError, from_token_error
from r2gate.grants import (
    download_claims,
    download_response,
    expires_in,
    multipart_response,
    origin,
    page_url,
    upload_grants,
    upload_key,
    upload_response,
)
from r2gate.settings import Settings
from r2gate.tokens import InvalidGrantError, TokenConfig, mint_token

from .web import Incoming, json_response, read_json_body

NO_STORE = {"Cache-Control": "no-store"}


def _signer(incoming: Incoming, settings: Settings) -> tuple[ApiKey, TokenConfig]:
    """The calling API key (401), which must hold "sign" (403); tokens must be configured."""
    api_key = authenticate(incoming.headers.get("authorization"), settings.api_keys)
    if "sign" not in api_key.ops:
        raise ApiError(403, "key_scope", f"API key {api_key.name!r} may not sign tokens.")
    if settings.tokens is None:
        raise ApiError(501, "tokens_disabled", "Tokens are off: SIGNING_KEYS is not set.")
    return api_key, settings.tokens


def _mint(
    config: TokenConfig, claims: dict[str, Any], lifetime: int, now: int, api_key: ApiKey
) -> str:
    """Sign `claims` (400 invalid_request) within the API key's scope (403 key_scope)."""
    try:
        token = mint_token(config, claims, expires_in=lifetime, now=now)
    except InvalidGrantError as error:
        raise from_token_error(error) from None
    check_mint(api_key, claims["op"], key=claims.get("key"), prefix=claims.get("prefix"))
    return token


async def create_upload(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """201 {upload_url, method, headers, key, token, expires_at, public_url, max_bytes,
    page_url, multipart}; with ``"multipart": true`` also an mpu token for the same key."""
    api_key, config = _signer(incoming, settings)
    request = parse_upload_request(await read_json_body(incoming, MAX_BODY_BYTES))
    now = int(time.time())
    key = upload_key(request, api_key, datetime.fromtimestamp(now, UTC), secrets.token_hex(4))
    claims, mpu_claims = upload_grants(request, key, settings.max_put_bytes, request.multipart)
    lifetime = expires_in(request.expires_in, config)
    token = _mint(config, claims, lifetime, now, api_key)
    public = not decide(key, None, settings.cache).private
    base = origin(incoming.url)
    body = upload_response(request, base, key, token, now + lifetime, claims["max"], public)
    body["multipart"] = None
    mpu_token: str | None = None
    if mpu_claims is not None:
        mpu_token = _mint(config, mpu_claims, lifetime, now, api_key)
        body["multipart"] = multipart_response(base, key, mpu_token, mpu_claims["max"])
    body["page_url"] = page_url(base, token, mpu_token)
    return json_response(body, 201, NO_STORE)


async def create_download(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """201 {url, token, expires_at, key}: a GET/HEAD link for one key."""
    api_key, config = _signer(incoming, settings)
    request = parse_download_request(await read_json_body(incoming, MAX_BODY_BYTES))
    now = int(time.time())
    lifetime = expires_in(request.expires_in, config)
    token = _mint(config, download_claims(request), lifetime, now, api_key)
    body = download_response(origin(incoming.url), request.key, token, now + lifetime)
    return json_response(body, 201, NO_STORE)

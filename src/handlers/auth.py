"""Who is calling: an API key (Authorization header) or a signed token (header or ?token=)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from urllib.parse import parse_qsl

from r2gate.apikeys import ApiKey, authenticate
from r2gate.errors import ApiError, from_token_error
from r2gate.settings import Settings
from r2gate.token_uploads import check_token_scope
from r2gate.tokens import InvalidTokenError, TokenClaims, verify_token

from .web import Incoming

# API-key operations that a token op stands for when a token is presented.
_TOKEN_OP_FOR = {"read": "get", "write": "put", "delete": "delete"}


@dataclass(frozen=True)
class Caller:
    """Exactly one of `api_key` or `token` is set."""

    api_key: ApiKey | None = None
    token: TokenClaims | None = None


def _query_token(query: str) -> str | None:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "token":
            return value
    return None


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _looks_like_token(value: str) -> bool:
    return value.count(".") == 2


def presents_token(incoming: Incoming) -> bool:
    """True when the request carries a ?token= query parameter."""
    return _query_token(incoming.query) is not None


def identify(incoming: Incoming, settings: Settings) -> Caller:
    """Authenticate the caller: 401 when nothing valid is presented."""
    authorization = incoming.headers.get("authorization")
    token = _query_token(incoming.query)
    bearer = _bearer(authorization)
    if token is None and bearer is not None and _looks_like_token(bearer):
        try:  # an API key may itself contain two dots: it wins when it matches one
            return Caller(api_key=authenticate(authorization, settings.api_keys))
        except ApiError:
            token = bearer
    if token is not None:
        if settings.tokens is None:
            raise ApiError(401, "token_unsupported", "This server does not accept tokens.")
        try:
            return Caller(token=verify_token(token, settings.tokens, now=int(time.time())))
        except InvalidTokenError as error:
            raise from_token_error(error) from None
    return Caller(api_key=authenticate(authorization, settings.api_keys))


def require(incoming: Incoming, settings: Settings, op: str, key: str) -> Caller:
    """Authenticate, then check the caller may do `op` (read/write/delete) on `key`: 403 if not."""
    caller = identify(incoming, settings)
    if caller.api_key is not None:
        caller.api_key.require(op, key)
    elif caller.token is not None:
        check_token_scope(caller.token, _TOKEN_OP_FOR[op], key)
    return caller

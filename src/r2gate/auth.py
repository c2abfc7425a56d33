"""Who is calling, and what they may do: one `Principal` per request, from plain values.

`identify` reads the credentials a request presents and returns the caller as one of:

* `KeyPrincipal`: an API key (``Authorization: Bearer <key>``), trusted: its uploads store
  the request's own headers and may replace objects, within its ops and prefixes;
* `TokenPrincipal`: a signed token (``?token=<jws>`` or ``Authorization: Bearer <jws>``),
  bounded by its grant: one operation on one key or prefix, with upload limits;
* `S3Principal`: an S3 key pair whose SigV4 signature (Authorization header or presigned
  URL) verified, on the S3 surface (``/api/s3``) only. SigV4 covers the method and the raw
  path too, so `identify` takes them for S3 requests. A presigned request (signed for someone
  else) also needs ``sign``, and its uploads are bounded by the pair's limits.

Handlers call
`identify` once and then ask the principal: `require(operation, key)`, `owner` (who owns a
multipart upload), `upload` (the bounds of its uploads, None when trusted) and
`download_name`. Errors: 401 when nothing valid is presented, 403 ``key_scope`` /
``token_scope`` outside the caller's scope (a token on a route only API keys may use, listing
and signing, is 401 ``auth_invalid`` as any other credential that is not an API key).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .apikeys import CHALLENGE, ApiKey, authenticate
from .errors import ApiError, from_token_error
from .events import Actor
from .operations import TOKEN_OPERATIONS, Operation
from .query import Query, as_query
from .s3.request import S3Request
from .s3.sigv4 import Authenticated
from .s3.sigv4 import authenticate as authenticate_sigv4
from .tokens import InvalidTokenError, TokenClaims, verify_token
from .upload_records import owner_for_api_key, owner_for_s3_key, owner_for_token
from .uploads import UploadBounds

if TYPE_CHECKING:
    from .settings import Settings

__all__ = [
    "KeyPrincipal",
    "Operation",
    "Principal",
    "S3Principal",
    "TokenPrincipal",
    "identify",
    "identify_s3",
    "presents_token",
]


class Principal(ABC):
    """An authenticated caller."""

    @property
    @abstractmethod
    def owner(self) -> str:
        """Who owns what this caller creates (multipart uploads): stable across requests."""

    @property
    @abstractmethod
    def prefixes(self) -> tuple[str, ...]:
        """The key prefixes its grants reach ("" is everything; empty for one exact key)."""

    @property
    def actor(self) -> Actor:
        """Who it is in upload events (its owner; a token's subject too)."""
        return Actor(self.owner)

    @property
    def upload(self) -> UploadBounds | None:
        """The bounds of its uploads; None for a trusted caller."""
        return None

    @property
    def download_name(self) -> str | None:
        """The download name its grant sets for reads, if any."""
        return None

    @abstractmethod
    def allows(self, operation: Operation, key: str | None = None) -> bool:
        """May it do `operation` on `key` (None: on some key in its scope)?"""

    @abstractmethod
    def refusal(self, operation: Operation, key: str | None) -> ApiError:
        """The 403 for an operation `allows` refused."""

    def require(self, operation: Operation, key: str | None = None) -> None:
        """`allows`, or raise its 403."""
        if not self.allows(operation, key):
            raise self.refusal(operation, key)


@dataclass(frozen=True)
class KeyPrincipal(Principal):
    """A caller with an API key."""

    api_key: ApiKey

    @property
    def owner(self) -> str:
        return owner_for_api_key(self.api_key.name)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.api_key.prefixes

    def allows(self, operation: Operation, key: str | None = None) -> bool:
        return self.api_key.allows(operation, key)

    def refusal(self, operation: Operation, key: str | None) -> ApiError:
        name = self.api_key.name
        if operation is Operation.SIGN and key is None:
            return ApiError(403, "key_scope", f"API key {name!r} may not sign tokens.")
        return ApiError(403, "key_scope", f"API key {name!r} may not {operation.grant} this key")


@dataclass(frozen=True)
class TokenPrincipal(Principal):
    """A caller with a verified token: one operation on its key or prefix."""

    claims: TokenClaims

    @property
    def operation(self) -> Operation:
        return TOKEN_OPERATIONS[self.claims.op]

    @property
    def owner(self) -> str:
        return owner_for_token(self.claims)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return () if self.claims.prefix is None else (self.claims.prefix,)

    @property
    def actor(self) -> Actor:
        return Actor(self.owner, self.claims.subject)

    @property
    def upload(self) -> UploadBounds:
        claims = self.claims
        return UploadBounds(
            content_types=claims.content_types,
            max_bytes=claims.max_bytes,
            exact_length=claims.exact_length,
            sha256=claims.sha256,
            metadata=claims.metadata,
            cache_control=claims.cache_control,
            overwrite=claims.overwrite,
        )

    @property
    def download_name(self) -> str | None:
        return self.claims.download_name

    def allows(self, operation: Operation, key: str | None = None) -> bool:
        return operation is self.operation and (key is None or self.claims.covers(key))

    def refusal(self, operation: Operation, key: str | None) -> ApiError:
        if operation not in TOKEN_OPERATIONS.values():  # list, sign: an API key's only
            message = "This request needs an API key; a token cannot be used here."
            return ApiError(401, "auth_invalid", message, dict(CHALLENGE))
        if operation is not self.operation:
            message = f"token grants {self.claims.op}, not {operation.token_op}"
            return ApiError(403, "token_scope", message)
        return ApiError(403, "token_scope", "token does not cover this key")


@dataclass(frozen=True)
class S3Principal(Principal):
    """A caller whose SigV4 signature verified: the key pair's ops and prefixes; a presigned
    request needs ``sign`` as well, and its uploads carry the pair's limits."""

    signed: Authenticated

    @property
    def presigned(self) -> bool:
        return self.signed.presigned

    @property
    def owner(self) -> str:
        return owner_for_s3_key(self.signed.credential.name)

    @property
    def prefixes(self) -> tuple[str, ...]:
        return self.signed.credential.scope.prefixes

    @property
    def upload(self) -> UploadBounds | None:
        limits = self.signed.credential.limits
        if not self.presigned or limits.unlimited:
            return None
        return UploadBounds(
            content_types=limits.content_types,
            max_bytes=limits.max_bytes,
            overwrite=not limits.create_only,
            own_headers=True,
        )

    def allows(self, operation: Operation, key: str | None = None) -> bool:
        scope = self.signed.credential.scope
        if self.presigned and not scope.allows(Operation.SIGN, key):
            return False
        return scope.allows(operation, key)

    def refusal(self, operation: Operation, key: str | None) -> ApiError:
        name = self.signed.credential.name
        return ApiError(403, "key_scope", f"S3 key {name!r} may not {operation.grant} this key")


def identify_s3(request: S3Request, settings: Settings, now: int) -> S3Principal:
    """The S3 caller: the SigV4 signature over the method, raw path, query and headers,
    verified against the S3 key pairs (r2gate.s3.sigv4 raises the S3 error otherwise)."""
    return S3Principal(authenticate_sigv4(request, settings.s3.keyring, now))


def query_token(query: Query | str) -> str | None:
    """The value of the ``token`` query parameter (by its decoded name, so ``?%74oken=`` is
    one too), if any; 400 invalid_request when it is given twice."""
    return as_query(query).single("token")


def presents_token(query: Query | str) -> bool:
    """True when the query carries a ``token`` parameter (a presented token is always checked,
    even where no credentials are needed)."""
    return query_token(query) is not None


def _bearer(authorization: str | None) -> str | None:
    if not authorization:
        return None
    scheme, _, value = authorization.strip().partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def _token_principal(token: str, settings: Settings, now: int) -> TokenPrincipal:
    if settings.tokens is None:
        raise ApiError(401, "token_unsupported", "This server does not accept tokens.")
    try:
        return TokenPrincipal(verify_token(token, settings.tokens, now))
    except InvalidTokenError as error:
        raise from_token_error(error) from None


def identify(
    headers: Mapping[str, str],
    query: Query | str,
    settings: Settings,
    now: int,
    *,
    method: str | None = None,
    path: str | None = None,
) -> Principal:
    """The caller a request's credentials name (`headers` with lower-case names, the parsed
    query or the raw query string, `now` in unix seconds): 401 when nothing valid is
    presented.

    With `method` and the raw `path` (a request to the S3 surface), only a SigV4 signature
    is accepted (`identify_s3`; S3 errors). Elsewhere a ``?token=`` wins over the
    Authorization header; a Bearer value shaped like a token (two dots) is tried as an API
    key first, since a key may contain dots.
    """
    if method is not None and path is not None:
        raw = query if isinstance(query, str) else query.raw
        return identify_s3(S3Request(method, path, raw, headers), settings, now)
    authorization = headers.get("authorization")
    token = query_token(query)
    bearer = _bearer(authorization)
    if token is None and bearer is not None and bearer.count(".") == 2:
        try:
            return KeyPrincipal(authenticate(authorization, settings.api_keys))
        except ApiError:
            token = bearer
    if token is not None:
        return _token_principal(token, settings, now)
    return KeyPrincipal(authenticate(authorization, settings.api_keys))

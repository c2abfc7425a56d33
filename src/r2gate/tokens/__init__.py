"""Upload/download tokens: HS256 JWTs any backend can mint without an SDK.

* `config`: ``SIGNING_KEYS`` and the token settings (`TokenConfig`);
* `claims`: the grant a token carries (`TokenClaims`, `parse_claims`);
* `verify`: `verify_token` (signature, audience, issuer, times, grant);
* `mint`: `mint_token`, `mint_upload_token`, `mint_download_token`;
* `errors`: the exception tree (`TokenError` and below), one JSON code per class;
* `jws`: the compact JWS codec underneath (HS256 only, strict).

Rotation of ``SIGNING_KEYS`` (the last kid signs, every kid verifies):

1. append the new key as the last member (``{"old": "...", "new": "..."}``) and deploy:
   new tokens are signed with "new", tokens signed with "old" still verify;
2. wait at least the max lifetime (default 900 s) plus 60 s leeway;
3. remove "old" and deploy.

Backends that mint tokens themselves must switch to the new kid between steps 1 and 3.
"""

from .claims import MAX_META_BYTES, OPS, UPLOAD_OPS, TokenClaims, parse_claims
from .config import (
    DEFAULT_AUDIENCE,
    DEFAULT_EXPIRES_IN,
    DEFAULT_MAX_LIFETIME,
    HARD_MAX_LIFETIME,
    TokenConfig,
)
from .errors import (
    DecodeError,
    ExpiredTokenError,
    ImmatureTokenError,
    InvalidAlgorithmError,
    InvalidAudienceError,
    InvalidClaimError,
    InvalidGrantError,
    InvalidIssuerError,
    InvalidSignatureError,
    InvalidTokenError,
    LifetimeTooLongError,
    TokenConfigError,
    TokenError,
    TokenTooLargeError,
    UnknownKeyIdError,
)
from .mint import mint_download_token, mint_token, mint_upload_token
from .verify import verify_token

__all__ = [
    "DEFAULT_AUDIENCE",
    "DEFAULT_EXPIRES_IN",
    "DEFAULT_MAX_LIFETIME",
    "HARD_MAX_LIFETIME",
    "MAX_META_BYTES",
    "OPS",
    "UPLOAD_OPS",
    "DecodeError",
    "ExpiredTokenError",
    "ImmatureTokenError",
    "InvalidAlgorithmError",
    "InvalidAudienceError",
    "InvalidClaimError",
    "InvalidGrantError",
    "InvalidIssuerError",
    "InvalidSignatureError",
    "InvalidTokenError",
    "LifetimeTooLongError",
    "TokenClaims",
    "TokenConfig",
    "TokenConfigError",
    "TokenError",
    "TokenTooLargeError",
    "UnknownKeyIdError",
    "mint_download_token",
    "mint_token",
    "mint_upload_token",
    "parse_claims",
    "verify_token",
]

"""AWS Signature Version 4 verification for S3 requests (header and presigned-URL auth).

`authenticate(request, keyring, now)` reads an `S3Request` and answers an `Authenticated`
(who signed, how the payload is covered) or raises one `S3Error`. It never reads the clock.

Canonical request, exactly as S3 computes it (and as botocore's S3 signers produce it):

* the path as sent, percent-encoded once, never normalised or re-encoded: a key
  ``a b+c/ü`` travels and is signed as ``/bucket/a%20b%2Bc/%C3%BC``; an encoded slash
  (``%2F``) stays ``%2F``;
* the query: every parameter decoded, then UriEncoded (A-Z a-z 0-9 - _ . ~ kept), sorted
  by name then value, ``name=value`` joined with "&" (``?uploads`` is ``uploads=``);
  presigned URLs leave ``X-Amz-Signature`` out;
* each signed header as ``name:value`` with the value trimmed and inner runs of
  whitespace collapsed; a signed header the request lacks contributes an empty value, so
  a presigned PUT that signed ``content-type`` only verifies with that same Content-Type;
* the signed header names, the payload hash.

Rules enforced, each with the error S3 gives:

* ``Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...``
  (AuthorizationHeaderMalformed), or the full ``X-Amz-Algorithm``, ``X-Amz-Credential``,
  ``X-Amz-Date``, ``X-Amz-Expires``, ``X-Amz-SignedHeaders``, ``X-Amz-Signature`` set
  (AuthorizationQueryParametersError); both at once is InvalidArgument; neither is
  AccessDenied; a SigV2 presigned URL is verified by `sigv2`, a SigV2 Authorization header
  is InvalidRequest; a session token is InvalidToken.
* Credential scope ``<id>/<yyyymmdd>/<region>/s3/aws4_request``: the date is X-Amz-Date's
  day, the region ``auto`` or ``us-east-1``; an unknown id is InvalidAccessKeyId.
* ``host`` is signed; every ``x-amz-*`` header present is signed (AccessDenied, with
  HeadersNotSigned); signed header names are lower-case, sorted, unique, at most
  `MAX_SIGNED_HEADERS`.
* Header auth: ``x-amz-date`` is signed and within `MAX_SKEW` of now
  (RequestTimeTooSkewed); ``x-amz-content-sha256`` is present and one of
  ``UNSIGNED-PAYLOAD``, 64 hex digits, ``STREAMING-UNSIGNED-PAYLOAD-TRAILER`` (the
  signed streaming variants are NotImplemented; anything else InvalidArgument).
* Presigned: ``X-Amz-Expires`` 1..604800 (7 days); used no earlier than X-Amz-Date minus
  `PRESIGNED_SKEW` (RequestNotYetValid) and no later than X-Amz-Date + X-Amz-Expires
  (RequestExpired); the payload is ``UNSIGNED-PAYLOAD`` unless ``X-Amz-Content-Sha256`` (a
  query parameter, as aws-sdk-js adds, or a signed header) says otherwise.
* The signature is 64 lower-case hex digits, compared with `hmac.compare_digest`
  (SignatureDoesNotMatch).

Signing keys are cached per (secret, day, region) in a bounded LRU (`SIGNING_KEY_CACHE`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from calendar import timegm
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import Enum
from functools import lru_cache

from .credentials import S3Credential, S3Keyring
from .errors import (
    AccessDenied,
    AuthorizationHeaderMalformed,
    AuthorizationQueryParametersError,
    InvalidArgument,
    InvalidRequest,
    InvalidToken,
    RequestExpired,
    RequestNotYetValid,
    RequestTimeTooSkewed,
    S3Error,
    S3NotImplemented,
    SignatureDoesNotMatch,
)
from .request import QueryParam, S3Request, uri_encode

__all__ = [
    "ALGORITHM",
    "MAX_EXPIRES",
    "MAX_SKEW",
    "PRESIGNED_SKEW",
    "REGIONS",
    "SERVICE",
    "Authenticated",
    "CredentialScope",
    "PayloadMode",
    "authenticate",
    "canonical_query",
    "parse_amz_date",
    "parse_credential",
    "signing_key",
]

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "s3"
TERMINATOR = "aws4_request"
REGIONS = ("auto", "us-east-1")
MAX_EXPIRES = 7 * 24 * 3600
MAX_SKEW = 15 * 60  # header auth, as S3
PRESIGNED_SKEW = 5 * 60  # a presigned URL used this much "before" its X-Amz-Date still works
MAX_AUTHORIZATION_CHARS = 4096
MAX_SIGNED_HEADERS = 64
MAX_HEADER_VALUE_CHARS = 8192
SIGNING_KEY_CACHE = 256
UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD"
STREAMING_UNSIGNED_TRAILER = "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
_SIGNED_STREAMING = frozenset(
    {
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
        "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD",
        "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD-TRAILER",
    }
)
_QUERY_AUTH = (
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
)
_AMZ_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z")
_SCOPE_DATE = re.compile(r"\d{8}")
_ACCESS_KEY_ID = re.compile(r"[A-Za-z0-9._-]{1,128}")
_REGION = re.compile(r"[a-z0-9-]{1,64}")
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_SHA256_HEX = re.compile(r"[0-9a-fA-F]{64}")
_EXPIRES = re.compile(r"[0-9]{1,7}")
_AUTH_COMPONENTS = frozenset({"Credential", "SignedHeaders", "Signature"})


class PayloadMode(Enum):
    """How the body is covered: not at all, by a SHA-256 to check, or aws-chunked."""

    UNSIGNED = "UNSIGNED-PAYLOAD"
    SHA256 = "sha256"
    STREAMING_UNSIGNED_TRAILER = STREAMING_UNSIGNED_TRAILER


@dataclass(frozen=True)
class CredentialScope:
    access_key_id: str
    date: str  # yyyymmdd
    region: str

    @property
    def text(self) -> str:
        """The scope as it appears in the string to sign."""
        return f"{self.date}/{self.region}/{SERVICE}/{TERMINATOR}"


@dataclass(frozen=True)
class Authenticated:
    """A verified request: who signed it and what the signature covers."""

    credential: S3Credential
    presigned: bool
    scope: CredentialScope
    signed_headers: tuple[str, ...]
    request_time: int  # X-Amz-Date as Unix seconds
    expires_at: int | None  # presigned only
    payload_mode: PayloadMode
    payload_sha256: str | None  # lower-case hex when payload_mode is SHA256

    def is_signed(self, header: str) -> bool:
        return header in self.signed_headers


def parse_amz_date(value: str) -> int:
    """``20261126T094038Z`` -> Unix seconds; ValueError when not that exact form."""
    match = _AMZ_DATE.fullmatch(value)
    if match is None:
        raise ValueError("not an ISO 8601 basic UTC timestamp")
    year, month, day, hour, minute, second = (int(part) for part in match.groups())
    # ValueError for a day or hour out of range
    moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    return timegm(moment.utctimetuple())


def parse_credential(value: str, error: type[S3Error]) -> CredentialScope:
    """``<id>/<yyyymmdd>/<region>/s3/aws4_request``; `error` (the auth kind's malformed
    error) for a bad shape, date, region, service or terminator."""
    parts = value.split("/")
    if len(parts) != 5 or not _ACCESS_KEY_ID.fullmatch(parts[0]):
        raise error(
            "The credential is malformed; expecting "
            '"<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
        )
    access_key_id, date, region, service, terminator = parts
    if not _SCOPE_DATE.fullmatch(date):
        raise error("Invalid credential date. Date is not in the yyyyMMdd format.")
    try:
        datetime(int(date[:4]), int(date[4:6]), int(date[6:]))  # a calendar check only
    except ValueError:
        raise error("Invalid credential date. Date is not a calendar date.") from None
    if not _REGION.fullmatch(region) or region not in REGIONS:
        raise error(
            f"The authorization header is malformed; the region is wrong; expecting "
            f"'{REGIONS[0]}'.",
            Region=REGIONS[0],
        )
    if service != SERVICE:
        raise error(f"The credential service must be '{SERVICE}'.")
    if terminator != TERMINATOR:
        raise error(f"The credential must end with '{TERMINATOR}'.")
    return CredentialScope(access_key_id, date, region)


@lru_cache(maxsize=SIGNING_KEY_CACHE)
def signing_key(secret: str, date: str, region: str) -> bytes:
    """kSigning = HMAC chain over date, region, "s3", "aws4_request" (cached, bounded)."""
    key = hmac.new(f"AWS4{secret}".encode(), date.encode("ascii"), hashlib.sha256).digest()
    for part in (region, SERVICE, TERMINATOR):
        key = hmac.new(key, part.encode("ascii"), hashlib.sha256).digest()
    return key


def canonical_query(params: Sequence[QueryParam], *, skip: str | None = None) -> str:
    """Decoded parameters re-encoded with UriEncode, sorted by name then value."""
    pairs = sorted(
        (uri_encode(param.name), uri_encode(param.value)) for param in params if param.name != skip
    )
    return "&".join(f"{name}={value}" for name, value in pairs)


def _trim(value: str) -> str:
    return " ".join(value.split())


def _signed_header_names(raw: str, error: type[S3Error]) -> tuple[str, ...]:
    names = tuple(raw.split(";"))
    if not raw or len(names) > MAX_SIGNED_HEADERS:
        raise error(f"SignedHeaders must list 1 to {MAX_SIGNED_HEADERS} header names.")
    if not all(_HEADER_NAME.fullmatch(name) for name in names):
        raise error("SignedHeaders must be lower-case header names separated by ';'.")
    if list(names) != sorted(set(names)):
        raise error("SignedHeaders must be sorted and must not repeat a name.")
    if "host" not in names:
        raise error("SignedHeaders must include host.")
    return names


def _check_unsigned_amz_headers(request: S3Request, signed: tuple[str, ...]) -> None:
    unsigned = sorted(
        name for name in request.headers if name.startswith("x-amz-") and name not in signed
    )
    if unsigned:
        raise AccessDenied(
            "There were headers present in the request which were not signed",
            HeadersNotSigned=", ".join(unsigned),
        )


def _payload(value: str) -> tuple[PayloadMode, str | None]:
    if value == UNSIGNED_PAYLOAD:
        return PayloadMode.UNSIGNED, None
    if value == STREAMING_UNSIGNED_TRAILER:
        return PayloadMode.STREAMING_UNSIGNED_TRAILER, None
    if _SHA256_HEX.fullmatch(value):
        return PayloadMode.SHA256, value.lower()
    if value in _SIGNED_STREAMING:
        raise S3NotImplemented(
            f"x-amz-content-sha256 {value} (signed aws-chunked) is not supported; "
            "send UNSIGNED-PAYLOAD, a SHA-256 or STREAMING-UNSIGNED-PAYLOAD-TRAILER.",
            Header="x-amz-content-sha256",
        )
    raise InvalidArgument(
        "x-amz-content-sha256 must be UNSIGNED-PAYLOAD, "
        "STREAMING-UNSIGNED-PAYLOAD-TRAILER or a SHA-256 in hex.",
        ArgumentName="x-amz-content-sha256",
    )


def _canonical_headers(request: S3Request, names: tuple[str, ...]) -> str:
    lines = []
    for name in names:
        value = request.headers.get(name, "")
        if len(value) > MAX_HEADER_VALUE_CHARS:
            raise InvalidArgument(f"The {name} header is too long.", ArgumentName=name)
        lines.append(f"{name}:{_trim(value)}\n")
    return "".join(lines)


def _verify_signature(
    request: S3Request,
    credential: S3Credential,
    scope: CredentialScope,
    amz_date: str,
    names: tuple[str, ...],
    payload: str,
    signature: str,
    *,
    skip_param: str | None,
) -> None:
    canonical = "\n".join(
        (
            request.method,
            request.path,
            canonical_query(request.params, skip=skip_param),
            _canonical_headers(request, names),
            ";".join(names),
            payload,
        )
    )
    digest = hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()
    string_to_sign = f"{ALGORITHM}\n{amz_date}\n{scope.text}\n{digest}"
    key = signing_key(credential.secret_access_key, scope.date, scope.region)
    expected = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("ascii")):
        raise SignatureDoesNotMatch(AWSAccessKeyId=credential.access_key_id)


# --- header auth -------------------------------------------------------------------------


def _authorization_components(header: str) -> dict[str, str]:
    malformed = AuthorizationHeaderMalformed
    if len(header) > MAX_AUTHORIZATION_CHARS:
        raise malformed("The Authorization header is too long.")
    algorithm, _, rest = header.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise malformed(f"The authorization mechanism must be {ALGORITHM}.")
    components: dict[str, str] = {}
    for piece in rest.split(","):
        name, equals, value = piece.strip(" ").partition("=")
        if not equals or name not in _AUTH_COMPONENTS or name in components or not value:
            raise malformed(
                "The Authorization header must be 'AWS4-HMAC-SHA256 Credential=..., "
                "SignedHeaders=..., Signature=...'."
            )
        components[name] = value
    if set(components) != _AUTH_COMPONENTS:
        raise malformed("The Authorization header lacks Credential, SignedHeaders or Signature.")
    return components


def _header_auth(request: S3Request, keyring: S3Keyring, now: float) -> Authenticated:
    malformed = AuthorizationHeaderMalformed
    components = _authorization_components(request.headers["authorization"])
    scope = parse_credential(components["Credential"], malformed)
    names = _signed_header_names(components["SignedHeaders"], malformed)
    signature = components["Signature"]
    if not _SIGNATURE.fullmatch(signature):
        raise malformed("The signature must be 64 lower-case hexadecimal digits.")
    credential = keyring.lookup(scope.access_key_id)
    amz_date = request.headers.get("x-amz-date")
    if amz_date is None:
        raise AccessDenied("AWS authentication requires a valid x-amz-date header.")
    try:
        request_time = parse_amz_date(amz_date)
    except ValueError:
        raise AccessDenied("AWS authentication requires a valid x-amz-date header.") from None
    if "x-amz-date" not in names:
        raise malformed("SignedHeaders must include x-amz-date.")
    if amz_date[:8] != scope.date:
        raise malformed("Invalid credential date. Date is not the same as X-Amz-Date.")
    if abs(now - request_time) > MAX_SKEW:
        raise RequestTimeTooSkewed(
            RequestTime=amz_date, ServerTime=_iso(now), MaxAllowedSkewMilliseconds="900000"
        )
    _check_unsigned_amz_headers(request, names)
    payload = request.headers.get("x-amz-content-sha256")
    if payload is None:
        raise InvalidRequest("Missing required header for this request: x-amz-content-sha256")
    mode, sha256 = _payload(payload)
    _verify_signature(
        request, credential, scope, amz_date, names, payload, signature, skip_param=None
    )
    return Authenticated(credential, False, scope, names, request_time, None, mode, sha256)


# --- query auth (presigned URLs) -----------------------------------------------------------


def _query_auth(request: S3Request, keyring: S3Keyring, now: float) -> Authenticated:
    malformed = AuthorizationQueryParametersError
    values: dict[str, str] = {}
    for param in request.params:
        if param.name in _QUERY_AUTH or param.name == "X-Amz-Content-Sha256":
            if param.name in values:
                raise malformed(f"The query parameter {param.name} is repeated.")
            values[param.name] = param.value
    missing = [name for name in _QUERY_AUTH if name not in values]
    if missing:
        raise malformed(
            "Query-string authentication version 4 requires the X-Amz-Algorithm, "
            "X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, "
            "and X-Amz-Expires parameters."
        )
    if values["X-Amz-Algorithm"] != ALGORITHM:
        raise malformed(f'X-Amz-Algorithm only supports "{ALGORITHM}".')
    scope = parse_credential(values["X-Amz-Credential"], malformed)
    names = _signed_header_names(values["X-Amz-SignedHeaders"], malformed)
    signature = values["X-Amz-Signature"]
    if not _SIGNATURE.fullmatch(signature):
        raise malformed("X-Amz-Signature must be 64 lower-case hexadecimal digits.")
    amz_date = values["X-Amz-Date"]
    try:
        request_time = parse_amz_date(amz_date)
    except ValueError:
        raise malformed(
            "X-Amz-Date must be in the ISO8601 Long Format \"yyyyMMdd'T'HHmmss'Z'\"."
        ) from None
    if amz_date[:8] != scope.date:
        raise malformed("Invalid credential date. Date is not the same as X-Amz-Date.")
    raw_expires = values["X-Amz-Expires"]
    if not _EXPIRES.fullmatch(raw_expires) or not 1 <= int(raw_expires) <= MAX_EXPIRES:
        raise malformed(
            f"X-Amz-Expires must be a whole number of seconds from 1 to {MAX_EXPIRES} (7 days)."
        )
    credential = keyring.lookup(scope.access_key_id)
    expires_at = request_time + int(raw_expires)
    if now < request_time - PRESIGNED_SKEW:
        raise RequestNotYetValid(XAmzDate=amz_date, ServerTime=_iso(now))
    if now > expires_at:
        raise RequestExpired(
            **{"X-Amz-Expires": raw_expires, "Expires": _iso(expires_at), "ServerTime": _iso(now)}
        )
    _check_unsigned_amz_headers(request, names)
    payload = values.get("X-Amz-Content-Sha256")
    if payload is None:
        payload = request.headers.get("x-amz-content-sha256", UNSIGNED_PAYLOAD)
    mode, sha256 = _payload(payload)
    _verify_signature(
        request,
        credential,
        scope,
        amz_date,
        names,
        payload,
        signature,
        skip_param="X-Amz-Signature",
    )
    return Authenticated(credential, True, scope, names, request_time, expires_at, mode, sha256)


def _iso(unix: float) -> str:
    return datetime.fromtimestamp(int(unix), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def authenticate(request: S3Request, keyring: S3Keyring, now: float) -> Authenticated:
    """Verify the request's SigV4 signature (header or query), or raise its S3Error."""
    authorization = request.headers.get("authorization")
    presigned = request.has_param("X-Amz-Algorithm") or request.has_param("X-Amz-Signature")
    if request.has_param("X-Amz-Security-Token") or "x-amz-security-token" in request.headers:
        raise InvalidToken("Session tokens are not supported; sign with an r2gate S3 key.")
    if authorization is not None and presigned:
        raise InvalidArgument(
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter or "
            "the Authorization header should be specified",
            ArgumentName="Authorization",
        )
    if presigned:
        return _query_auth(request, keyring, now)
    if authorization is not None:
        if authorization.startswith("AWS "):
            raise InvalidRequest(
                "The authorization mechanism you have provided is not supported. "
                f"Please use {ALGORITHM}."
            )
        return _header_auth(request, keyring, now)
    if request.has_param("AWSAccessKeyId") or request.has_param("Signature"):
        from .sigv2 import query_auth_v2  # sigv2 builds on this module's types

        return query_auth_v2(request, keyring, now)
    raise AccessDenied("Anonymous access is not allowed; sign the request.")

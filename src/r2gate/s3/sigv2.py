"""Signature Version 2 presigned URLs (query authentication), as boto3 still makes them.

boto3 with ``region_name="us-east-1"`` and no ``signature_version`` presigns S3 URLs with
SigV2: ``?AWSAccessKeyId=...&Expires=<unix>&Signature=<base64>``, the signature an
HMAC-SHA1 under the secret of

    <METHOD> \\n <Content-MD5> \\n <Content-Type> \\n <Expires> \\n
    <x-amz-* headers, lower case, sorted, "name:value\\n" each> <resource>

where the resource is ``/<bucket>/<key>`` as sent (whatever the endpoint's path prefix or
host: `S3Request.resource`) and the sub-resources it names, sorted (``?uploadId=...&
partNumber=...``, ``response-*`` overrides; other query parameters are not signed). A URL may
carry Content-Type, Content-MD5 and x-amz-* as query parameters (botocore puts them there):
they are signed as those headers.

The URL is a presigned request of its key pair, as a SigV4 one is (it needs ``sign``, its
uploads are bounded by the pair's limits). It may be used until ``Expires``, at most 7 days
ahead. Header-signed SigV2 (``Authorization: AWS ...``) is refused: no current
client sends it by default.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from .credentials import S3Keyring
from .errors import AccessDenied, InvalidArgument, RequestExpired, SignatureDoesNotMatch
from .request import S3Request
from .sigv4 import Authenticated, CredentialScope, PayloadMode

__all__ = ["MAX_EXPIRES_AHEAD", "is_presigned_v2", "query_auth_v2"]

MAX_EXPIRES_AHEAD = 7 * 86400
# The query parameters SigV2 signs (the "sub-resources"), from S3's documentation.
SUBRESOURCES = frozenset(
    {
        "acl", "cors", "delete", "lifecycle", "location", "logging", "notification",
        "partNumber", "policy", "requestPayment", "response-cache-control",
        "response-content-disposition", "response-content-encoding",
        "response-content-language", "response-content-type", "response-expires", "restore",
        "tagging", "torrent", "uploadId", "uploads", "versionId", "versioning", "versions",
        "website", "accelerate", "inventory", "metrics", "analytics", "encryption",
        "replication", "object-lock", "legal-hold", "retention",
    }
)  # fmt: skip
_FIELDS = ("AWSAccessKeyId", "Expires", "Signature")


def is_presigned_v2(request: S3Request) -> bool:
    return request.has_param("AWSAccessKeyId") or request.has_param("Signature")


def _string_to_sign(request: S3Request, expires: str) -> str:
    # A presigned URL may carry Content-Type, Content-MD5 and x-amz-* as query parameters
    # (botocore moves them there): they are signed as the headers they stand for.
    fields: dict[str, str] = {
        name: " ".join(value.split())
        for name, value in request.headers.items()
        if name.startswith("x-amz-") or name in ("content-md5", "content-type")
    }
    for param in request.params:
        name = param.name.lower()
        if name.startswith("x-amz-") or name in ("content-md5", "content-type"):
            fields[name] = param.value
    amz = sorted((name, value) for name, value in fields.items() if name.startswith("x-amz-"))
    signed = sorted(
        (param.name, param.value, param.has_value)
        for param in request.params
        if param.name in SUBRESOURCES
    )
    resource = request.resource
    if signed:
        resource += "?" + "&".join(
            f"{name}={value}" if has_value else name for name, value, has_value in signed
        )
    return "\n".join(
        [
            request.method,
            fields.get("content-md5", ""),
            fields.get("content-type", ""),
            expires,
            "".join(f"{name}:{value}\n" for name, value in amz) + resource,
        ]
    )


def query_auth_v2(request: S3Request, keyring: S3Keyring, now: float) -> Authenticated:
    """Verify a SigV2 presigned URL: AccessDenied when a field is missing, InvalidArgument for
    a malformed one, RequestExpired past Expires (or more than 7 days ahead),
    InvalidAccessKeyId, SignatureDoesNotMatch."""
    values: dict[str, str] = {}
    for param in request.params:
        if param.name in _FIELDS:
            if param.name in values:
                raise InvalidArgument(f"The query parameter {param.name} is repeated.")
            values[param.name] = param.value
    if any(name not in values for name in _FIELDS):
        raise AccessDenied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId "
            "parameters."
        )
    raw_expires = values["Expires"]
    if not (raw_expires.isascii() and raw_expires.isdigit() and len(raw_expires) <= 12):
        raise InvalidArgument("Expires must be a number of seconds since the epoch.")
    expires = int(raw_expires)
    if now > expires or expires - now > MAX_EXPIRES_AHEAD:
        raise RequestExpired(Expires=raw_expires)
    credential = keyring.lookup(values["AWSAccessKeyId"])
    try:
        signature = base64.b64decode(values["Signature"], validate=True)
    except (ValueError, binascii.Error):
        signature = b""
    expected = hmac.new(
        credential.secret_access_key.encode("utf-8"),
        _string_to_sign(request, raw_expires).encode("utf-8"),
        hashlib.sha1,
    ).digest()
    if not hmac.compare_digest(expected, signature):
        raise SignatureDoesNotMatch(AWSAccessKeyId=credential.access_key_id)
    scope = CredentialScope(credential.access_key_id, "", "us-east-1")
    return Authenticated(
        credential=credential,
        presigned=True,
        scope=scope,
        signed_headers=(),
        request_time=int(now),
        expires_at=expires,
        payload_mode=PayloadMode.UNSIGNED,
        payload_sha256=None,
    )

"""r2gate.s3.sigv2: Signature Version 2 presigned URLs, as boto3 makes them with
``region_name="us-east-1"`` and no signature_version (botocore's HmacV1QueryAuth), on each of
r2gate's three S3 endpoints; expired, tampered and too-distant URLs are refused with S3's
errors."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import boto3
import pytest
from botocore.auth import HmacV1QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

from r2gate.s3 import errors
from r2gate.s3.mount import PREFIXED, Mount, bucket_path
from r2gate.s3.request import S3Request
from r2gate.s3.sigv2 import MAX_EXPIRES_AHEAD, is_presigned_v2, query_auth_v2
from r2gate.s3.sigv4 import PayloadMode, authenticate

from .boto import BUCKET, ROOT_ID, ROOT_SECRET, TENANT_ID, TENANT_SECRET, keyring

KEYS = keyring()
ROOT = Mount("")
VIRTUAL = Mount("", host_bucket=True)
ENDPOINTS = {
    "prefixed": ("http://127.0.0.1:8787/api/s3", "path", PREFIXED),
    "root": ("http://127.0.0.1:8787", "path", ROOT),
    "virtual": ("http://s3.example.com", "virtual", VIRTUAL),
}


def _legacy(endpoint: str = "prefixed") -> Any:
    """boto3 as a backend configured for us-east-1 without signature_version: SigV2 URLs."""
    url, style, _ = ENDPOINTS[endpoint]
    return boto3.client(
        "s3",
        endpoint_url=url,
        aws_access_key_id=ROOT_ID,
        aws_secret_access_key=ROOT_SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": style}),
    )


def _request(
    url: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    mount: Mount = PREFIXED,
) -> S3Request:
    """What r2gate's handler builds from a plain HTTP client's use of the URL."""
    parts = urlsplit(url)
    wire = {"host": parts.netloc, **{k.lower(): v for k, v in (headers or {}).items()}}
    return S3Request(method, parts.path, parts.query, wire, bucket_path(parts.path, mount, BUCKET))


def _presign(
    operation: str = "get_object",
    params: dict[str, Any] | None = None,
    expires: int = 900,
    endpoint: str = "prefixed",
) -> str:
    url = _legacy(endpoint).generate_presigned_url(
        operation, Params={"Bucket": BUCKET, "Key": "k.txt", **(params or {})}, ExpiresIn=expires
    )
    assert "Signature=" in url and "X-Amz-" not in url  # SigV2, not SigV4
    return url


def _expires(url: str) -> int:
    return int(parse_qs(urlsplit(url).query)["Expires"][0])


@pytest.mark.parametrize("endpoint", sorted(ENDPOINTS))
def test_boto3s_sigv2_urls_verify_on_every_endpoint(endpoint: str) -> None:
    mount = ENDPOINTS[endpoint][2]
    url = _presign("get_object", {"Key": "dir/a b+ü.txt"}, endpoint=endpoint)
    request = _request(url, mount=mount)
    assert is_presigned_v2(request)
    auth = query_auth_v2(request, KEYS, time.time())
    assert auth.presigned and auth.credential.access_key_id == ROOT_ID
    assert auth.expires_at == _expires(url) and auth.payload_mode is PayloadMode.UNSIGNED
    assert authenticate(request, KEYS, time.time()).credential.access_key_id == ROOT_ID


def test_a_put_url_signs_its_content_type() -> None:
    url = _presign("put_object", {"ContentType": "image/png"})
    query_auth_v2(_request(url, "PUT", {"Content-Type": "image/png"}), KEYS, time.time())
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(url, "GET"), KEYS, time.time())  # another method


def test_response_overrides_are_signed() -> None:
    url = _presign("get_object", {"ResponseContentDisposition": 'attachment; filename="a.txt"'})
    query_auth_v2(_request(url), KEYS, time.time())
    tampered = url.replace(quote("a.txt"), quote("b.exe"))
    assert tampered != url
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(tampered), KEYS, time.time())


def test_a_multipart_part_url_signs_upload_id_and_part_number() -> None:
    url = _presign("upload_part", {"UploadId": "U1", "PartNumber": 3})
    query_auth_v2(_request(url, "PUT"), KEYS, time.time())
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(
            _request(url.replace("partNumber=3", "partNumber=4"), "PUT"), KEYS, time.time()
        )


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("k.txt", "k.tx"),  # another key
        (f"/{BUCKET}/", "/other/"),  # another bucket
    ],
)
def test_a_tampered_url_does_not_verify(old: str, new: str) -> None:
    url = _presign()
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(url.replace(old, new, 1)), KEYS, time.time())


def test_a_later_expiry_written_into_the_url_does_not_verify() -> None:
    url = _presign()
    expires = _expires(url)
    later = url.replace(f"Expires={expires}", f"Expires={expires + 3600}")
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(later), KEYS, time.time())


def _hmac_v1(key_id: str, secret: str, key: str) -> str:
    """botocore's HmacV1QueryAuth over a root-endpoint URL (its path is /<bucket>/<key>)."""
    request = AWSRequest(method="GET", url=f"http://127.0.0.1:8787/{BUCKET}/{key}")
    HmacV1QueryAuth(Credentials(key_id, secret), expires=60).add_auth(request)
    return str(request.url)


def test_a_flipped_signature_or_another_secret_does_not_verify() -> None:
    query_auth_v2(_request(_hmac_v1(ROOT_ID, ROOT_SECRET, "k"), mount=ROOT), KEYS, time.time())
    forged = _hmac_v1(ROOT_ID, "another-secret-" + "x" * 32, "k")
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(forged, mount=ROOT), KEYS, time.time())
    url = _presign()
    signature = parse_qs(urlsplit(url).query)["Signature"][0]
    other = ("B" if signature[0] == "A" else "A") + signature[1:]
    flipped = url.replace(quote(signature, safe=""), quote(other, safe=""))
    assert flipped != url
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(flipped), KEYS, time.time())


def test_an_expired_url_is_request_expired() -> None:
    url = _presign(expires=60)
    expires = _expires(url)
    query_auth_v2(_request(url), KEYS, expires)  # the last second still counts
    with pytest.raises(errors.RequestExpired) as caught:
        query_auth_v2(_request(url), KEYS, expires + 1)
    assert caught.value.code == "AccessDenied" and caught.value.status == 403
    assert caught.value.message == "Request has expired"


def test_at_most_seven_days_ahead() -> None:
    now = time.time()
    week = _presign(expires=MAX_EXPIRES_AHEAD)
    query_auth_v2(_request(week), KEYS, now)
    longer = _presign(expires=MAX_EXPIRES_AHEAD + 3600)
    with pytest.raises(errors.RequestExpired):
        query_auth_v2(_request(longer), KEYS, now)


def test_an_unknown_key_id_is_invalid_access_key_id() -> None:
    url = _presign().replace(f"AWSAccessKeyId={ROOT_ID}", "AWSAccessKeyId=R2GATENOSUCHKEY00001")
    with pytest.raises(errors.InvalidAccessKeyId):
        query_auth_v2(_request(url), KEYS, time.time())


def test_a_scoped_pairs_url_carries_that_pair() -> None:
    """The URL is a request of its key pair (r2gate then checks `sign` and its prefixes)."""
    url = _hmac_v1(TENANT_ID, TENANT_SECRET, "t42/a.txt")
    auth = query_auth_v2(_request(url, mount=ROOT), KEYS, time.time())
    assert auth.credential.access_key_id == TENANT_ID


@pytest.mark.parametrize("field", ["AWSAccessKeyId", "Expires", "Signature"])
def test_a_missing_field_is_access_denied(field: str) -> None:
    url = _presign()
    base, _, query = url.partition("?")
    kept = "&".join(pair for pair in query.split("&") if not pair.startswith(f"{field}="))
    with pytest.raises(errors.AccessDenied):
        query_auth_v2(_request(f"{base}?{kept}"), KEYS, time.time())


def test_malformed_fields_are_invalid_argument() -> None:
    url = _presign()
    expires = _expires(url)
    for bad in (
        url.replace(f"Expires={expires}", "Expires=soon"),
        url.replace(f"Expires={expires}", "Expires=-1"),
        url + f"&Expires={expires}",  # repeated
    ):
        with pytest.raises(errors.InvalidArgument):
            query_auth_v2(_request(bad), KEYS, time.time())
    garbage = url.replace("Signature=", "Signature=%21%21", 1)  # not base64: no match
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(_request(garbage), KEYS, time.time())


def test_sigv2_sees_the_bucket_path_not_the_endpoints() -> None:
    """The signed resource is /<bucket>/<key>: the same URL read with another mount's path
    (a proxy that strips /api/s3 wrongly) does not verify."""
    url = _presign()
    request = _request(url)
    with pytest.raises(errors.SignatureDoesNotMatch):
        query_auth_v2(replace(request, bucket_path=request.path), KEYS, time.time())

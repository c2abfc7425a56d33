"""SigV4 verification against requests signed by botocore itself (boto3 clients, presigned
URLs, botocore's S3SigV4Auth), and every tampering refused with the error S3 gives."""

from __future__ import annotations

import hashlib
import io
import time
from dataclasses import replace
from urllib.parse import urlsplit

import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from hypothesis import given, settings
from hypothesis import strategies as st

from r2gate.s3 import errors
from r2gate.s3.request import S3Request
from r2gate.s3.sigv4 import MAX_EXPIRES, PayloadMode, authenticate

from .boto import (
    BUCKET,
    ROOT_ID,
    ROOT_SECRET,
    TENANT_ID,
    TENANT_SECRET,
    client,
    keyring,
    presigned,
    sent_one,
)

KEYS = keyring()
ODD_KEY = "a b+c/ü%2F(x)'!*~.txt"


def verify(request: S3Request, now: float | None = None):
    return authenticate(request, KEYS, time.time() if now is None else now)


def with_headers(request: S3Request, **changes: str | None) -> S3Request:
    headers = dict(request.headers)
    for name, value in changes.items():
        name = name.replace("_", "-")
        if value is None:
            headers.pop(name, None)
        else:
            headers[name] = value
    return replace(request, headers=headers)


def with_authorization(request: S3Request, old: str, new: str) -> S3Request:
    return with_headers(request, authorization=request.headers["authorization"].replace(old, new))


# --- what boto3 sends, accepted ------------------------------------------------------------


def test_put_object_over_http_signs_the_body_sha256():
    body = b"hello world"
    request, sent = sent_one(
        lambda s3: s3.put_object(Bucket=BUCKET, Key=ODD_KEY, Body=body, ContentType="text/plain")
    )
    auth = verify(request)
    assert sent == body
    assert auth.credential.access_key_id == ROOT_ID and not auth.presigned
    assert auth.payload_mode is PayloadMode.SHA256
    assert auth.payload_sha256 == hashlib.sha256(body).hexdigest()
    assert auth.is_signed("content-type") and auth.is_signed("x-amz-checksum-crc32")
    assert request.path == f"/api/s3/{BUCKET}/a%20b%2Bc/%C3%BC%252F%28x%29%27%21%2A~.txt"


def test_put_object_over_https_is_aws_chunked_with_a_trailer():
    request, sent = sent_one(
        lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=io.BytesIO(b"hello")),
        client(scheme="https"),
    )
    auth = verify(request)
    assert auth.payload_mode is PayloadMode.STREAMING_UNSIGNED_TRAILER
    assert request.headers["content-encoding"] == "aws-chunked"
    assert sent == b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"


@pytest.mark.parametrize(
    "call",
    [
        lambda s3: s3.get_object(Bucket=BUCKET, Key=ODD_KEY, Range="bytes=0-9"),
        lambda s3: s3.get_object(Bucket=BUCKET, Key="k", IfNoneMatch='"abc"', IfMatch='"x"'),
        lambda s3: s3.head_object(Bucket=BUCKET, Key=ODD_KEY),
        lambda s3: s3.delete_object(Bucket=BUCKET, Key=ODD_KEY),
        lambda s3: s3.list_objects_v2(
            Bucket=BUCKET,
            Prefix="t42/a b+c/ü",
            Delimiter="/",
            MaxKeys=7,
            StartAfter="t42/a=b&c",
            ContinuationToken="tok/+=en==",
        ),
        lambda s3: s3.list_objects(Bucket=BUCKET, Prefix="p/", Marker="p/x"),
        lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": ODD_KEY}]}),
        lambda s3: s3.copy_object(
            Bucket=BUCKET, Key="dst", CopySource={"Bucket": BUCKET, "Key": ODD_KEY}
        ),
        lambda s3: s3.create_multipart_upload(Bucket=BUCKET, Key=ODD_KEY),
        lambda s3: s3.upload_part(
            Bucket=BUCKET, Key=ODD_KEY, UploadId="u/+=1", PartNumber=3, Body=b"x" * 1000
        ),
        lambda s3: s3.list_parts(Bucket=BUCKET, Key="k", UploadId="U1"),
        lambda s3: s3.abort_multipart_upload(Bucket=BUCKET, Key="k", UploadId="U1"),
        lambda s3: s3.complete_multipart_upload(
            Bucket=BUCKET,
            Key="k",
            UploadId="U1",
            MultipartUpload={"Parts": [{"ETag": '"e"', "PartNumber": 1}]},
        ),
        lambda s3: s3.head_bucket(Bucket=BUCKET),
        lambda s3: s3.get_bucket_location(Bucket=BUCKET),
    ],
    ids=[
        "get-range",
        "get-conditional",
        "head",
        "delete",
        "list-v2",
        "list-v1",
        "delete-objects",
        "copy",
        "create-mpu",
        "upload-part",
        "list-parts",
        "abort",
        "complete",
        "head-bucket",
        "location",
    ],
)
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_every_call_boto3_makes_verifies(call, scheme):
    request, body = sent_one(call, client(scheme=scheme))
    auth = verify(request)
    if auth.payload_mode is PayloadMode.SHA256:
        assert auth.payload_sha256 == hashlib.sha256(body).hexdigest()


def test_region_us_east_1_is_accepted():
    request, _ = sent_one(
        lambda s3: s3.head_object(Bucket=BUCKET, Key="k"), client(region="us-east-1")
    )
    assert verify(request).scope.region == "us-east-1"


def test_unsigned_payload_when_payload_signing_is_off():
    s3 = client(
        scheme="https",
        s3={"payload_signing_enabled": False},
        request_checksum_calculation="when_required",
    )
    request, _ = sent_one(lambda c: c.put_object(Bucket=BUCKET, Key="k", Body=b"abc"), s3)
    assert request.headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert verify(request).payload_mode is PayloadMode.UNSIGNED


def test_repeated_headers_are_joined_with_commas_as_botocore_signs_them():
    request = AWSRequest(method="GET", url=f"http://127.0.0.1:8787/api/s3/{BUCKET}/k")
    request.headers["X-Amz-Meta-Tag"] = "one"
    request.headers["X-Amz-Meta-Tag"] = "  two   words "  # a second header line
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    S3SigV4Auth(Credentials(ROOT_ID, ROOT_SECRET), "s3", "auto").add_auth(request)
    pairs = [(name, value) for name, value in request.headers.items()] + [
        ("Host", "127.0.0.1:8787")
    ]
    wire = S3Request.from_pairs("GET", f"/api/s3/{BUCKET}/k", "", pairs)
    assert wire.headers["x-amz-meta-tag"] == "one,two words"
    assert verify(wire).is_signed("x-amz-meta-tag")


# --- tampering with a header-signed request -------------------------------------------------


@pytest.fixture
def get_request() -> S3Request:
    request, _ = sent_one(lambda s3: s3.get_object(Bucket=BUCKET, Key=ODD_KEY, Range="bytes=0-9"))
    return request


def test_tampered_signature(get_request):
    signature = get_request.headers["authorization"][-64:]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(with_authorization(get_request, signature, flipped))


@pytest.mark.parametrize(
    "change",
    [
        {"range": "bytes=0-99"},
        {"host": "evil.example"},
        {"x_amz_content_sha256": "UNSIGNED-PAYLOAD"},
    ],
)
def test_tampered_signed_header(get_request, change):
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(with_headers(get_request, **change))


def test_tampered_path_method_and_query(get_request):
    for request in (
        replace(get_request, path=get_request.path.replace("a%20b", "a%20c")),
        replace(get_request, path=get_request.path.replace("a%20b", "a+b")),
        replace(get_request, method="DELETE"),
        replace(get_request, query="versionId=1"),
    ):
        with pytest.raises(errors.SignatureDoesNotMatch):
            verify(request)


def test_unsigned_amz_header_is_refused(get_request):
    with pytest.raises(errors.AccessDenied) as caught:
        verify(with_headers(get_request, x_amz_meta_owner="mallory"))
    assert caught.value.code == "AccessDenied"
    assert caught.value.details["HeadersNotSigned"] == "x-amz-meta-owner"


def test_unsigned_other_header_is_ignored(get_request):
    verify(with_headers(get_request, user_agent="curl/8", accept="*/*"))


def test_clock_skew(get_request):
    sent_at = time.time()
    verify(get_request, sent_at + 14 * 60)
    for now in (sent_at + 16 * 60, sent_at - 16 * 60):
        with pytest.raises(errors.RequestTimeTooSkewed) as caught:
            verify(get_request, now)
        assert caught.value.status == 403


def test_changed_amz_date(get_request):
    date = get_request.headers["x-amz-date"]
    later = date[:-3] + ("00Z" if date[-3:] != "00Z" else "01Z")
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(with_headers(get_request, x_amz_date=later))
    with pytest.raises(errors.AuthorizationHeaderMalformed, match="X-Amz-Date"):
        verify(
            with_headers(get_request, x_amz_date="20200101T000000Z"),
            time.mktime((2020, 1, 1, 0, 0, 0, 0, 0, 0)),
        )
    with pytest.raises(errors.AccessDenied, match="x-amz-date"):
        verify(with_headers(get_request, x_amz_date="yesterday"))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("/auto/", "/eu-west-1/", errors.AuthorizationHeaderMalformed),
        ("/s3/", "/s4/", errors.AuthorizationHeaderMalformed),
        ("aws4_request", "aws5_request", errors.AuthorizationHeaderMalformed),
        (ROOT_ID, "R2GATEUNKNOWN00001", errors.InvalidAccessKeyId),
        ("AWS4-HMAC-SHA256 ", "AWS4-HMAC-SHA512 ", errors.AuthorizationHeaderMalformed),
        (
            "SignedHeaders=host;range",
            "SignedHeaders=range;host",
            errors.AuthorizationHeaderMalformed,
        ),
        ("SignedHeaders=host;", "SignedHeaders=", errors.AuthorizationHeaderMalformed),
        (", Signature=", ", Signature=abc, Signature=", errors.AuthorizationHeaderMalformed),
        (", SignedHeaders", ",\tSignedHeaders", errors.AuthorizationHeaderMalformed),
    ],
)
def test_malformed_or_wrong_scope(get_request, old, new, error):
    with pytest.raises(error):
        verify(with_authorization(get_request, old, new))


def test_scope_date_must_be_the_request_day(get_request):
    day = get_request.headers["x-amz-date"][:8]
    with pytest.raises(errors.AuthorizationHeaderMalformed, match="Date"):
        verify(with_authorization(get_request, f"/{day}/", "/20200101/"))


def test_host_and_date_must_be_signed():
    request = AWSRequest(method="GET", url=f"http://127.0.0.1:8787/api/s3/{BUCKET}/k")
    request.headers["X-Amz-Content-SHA256"] = "UNSIGNED-PAYLOAD"
    S3SigV4Auth(Credentials(ROOT_ID, ROOT_SECRET), "s3", "auto").add_auth(request)
    wire = S3Request.from_pairs(
        "GET", f"/api/s3/{BUCKET}/k", "", [*request.headers.items(), ("Host", "127.0.0.1:8787")]
    )
    verify(wire)
    without_host = with_authorization(wire, "SignedHeaders=host;", "SignedHeaders=")
    with pytest.raises(errors.AuthorizationHeaderMalformed, match="host"):
        verify(without_host)
    without_date = with_authorization(wire, ";x-amz-date", "")
    with pytest.raises(errors.AuthorizationHeaderMalformed, match="x-amz-date"):
        verify(without_date)


def test_wrong_secret_and_wrong_key():
    s3 = client(secret="another-secret-access-key-0123456789abcd")
    request, _ = sent_one(lambda c: c.head_object(Bucket=BUCKET, Key="k"), s3)
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(request)
    tenant = client(key_id=TENANT_ID, secret=TENANT_SECRET)
    request, _ = sent_one(lambda c: c.head_object(Bucket=BUCKET, Key="k"), tenant)
    assert verify(request).credential.name == "tenant42"


def test_payload_hash_modes(get_request):
    with pytest.raises(errors.InvalidRequest, match="x-amz-content-sha256"):
        verify(with_headers(get_request, x_amz_content_sha256=None))
    with pytest.raises(errors.S3NotImplemented):
        verify(with_headers(get_request, x_amz_content_sha256="STREAMING-AWS4-HMAC-SHA256-PAYLOAD"))
    with pytest.raises(errors.InvalidArgument):
        verify(with_headers(get_request, x_amz_content_sha256="sha256-of-nothing"))


def test_session_tokens_and_sigv2_are_refused(get_request):
    s3 = client()
    s3 = __import__("boto3").client(
        "s3",
        endpoint_url="http://127.0.0.1:8787/api/s3",
        aws_access_key_id=ROOT_ID,
        aws_secret_access_key=ROOT_SECRET,
        aws_session_token="session-token",
        region_name="auto",
    )
    request, _ = sent_one(lambda c: c.head_object(Bucket=BUCKET, Key="k"), s3)
    with pytest.raises(errors.InvalidToken):
        verify(request)
    with pytest.raises(errors.InvalidRequest, match="not supported"):
        verify(with_headers(get_request, authorization=f"AWS {ROOT_ID}:c2lnbmF0dXJl"))
    with pytest.raises(errors.AccessDenied, match="Anonymous"):
        verify(with_headers(get_request, authorization=None))


# --- presigned URLs --------------------------------------------------------------------------


def presign(method: str, params: dict, expires: int = 900, **client_options) -> str:
    return client(**client_options).generate_presigned_url(
        method, Params={"Bucket": BUCKET, **params}, ExpiresIn=expires
    )


def test_presigned_get_and_head_verify():
    url = presign("get_object", {"Key": ODD_KEY, "ResponseContentDisposition": "attachment"})
    auth = verify(presigned(url))
    assert auth.presigned and auth.payload_mode is PayloadMode.UNSIGNED
    assert auth.expires_at == auth.request_time + 900
    verify(presigned(presign("head_object", {"Key": ODD_KEY}), "HEAD"))
    verify(presigned(presign("delete_object", {"Key": ODD_KEY}), "DELETE"))


def test_presigned_put_enforces_a_signed_content_type():
    url = presign("put_object", {"Key": "t42/photo.png", "ContentType": "image/png"})
    auth = verify(presigned(url, "PUT", {"Content-Type": "image/png"}))
    assert auth.is_signed("content-type")
    for other in ({"Content-Type": "text/html"}, {}):
        with pytest.raises(errors.SignatureDoesNotMatch):
            verify(presigned(url, "PUT", other))


def test_presigned_url_used_with_another_method_or_key():
    url = presign("get_object", {"Key": "t42/a"})
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(presigned(url, "PUT"))
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(presigned(url.replace("/t42/a?", "/t42/b?")))


def test_presigned_expiry_window():
    url = presign("get_object", {"Key": "k"}, expires=60)
    request = presigned(url)
    signed_at = verify(request).request_time
    verify(request, signed_at + 60)
    with pytest.raises(errors.RequestExpired) as caught:
        verify(request, signed_at + 61)
    assert caught.value.code == "AccessDenied" and caught.value.status == 403
    assert caught.value.message == "Request has expired"
    assert caught.value.details["X-Amz-Expires"] == "60"
    verify(request, signed_at - 60)  # a clock a minute behind the signer's
    with pytest.raises(errors.RequestNotYetValid):
        verify(request, signed_at - 3600)


def test_presigned_expiry_at_most_seven_days():
    verify(presigned(presign("get_object", {"Key": "k"}, expires=MAX_EXPIRES)))
    with pytest.raises(errors.AuthorizationQueryParametersError, match="7 days"):
        verify(presigned(presign("get_object", {"Key": "k"}, expires=MAX_EXPIRES + 1)))


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("X-Amz-Expires=900", "X-Amz-Expires=901", errors.SignatureDoesNotMatch),
        ("X-Amz-Expires=900", "X-Amz-Expires=abc", errors.AuthorizationQueryParametersError),
        ("X-Amz-Expires=900&", "", errors.AuthorizationQueryParametersError),
        ("%2Fauto%2F", "%2Feu-west-1%2F", errors.AuthorizationQueryParametersError),
        ("%2Fs3%2F", "%2Fs4%2F", errors.AuthorizationQueryParametersError),
        (ROOT_ID, "R2GATEUNKNOWN00001", errors.InvalidAccessKeyId),
        (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "X-Amz-Algorithm=AWS4-HMAC-SHA1",
            errors.AuthorizationQueryParametersError,
        ),
        (
            "X-Amz-SignedHeaders=host",
            "X-Amz-SignedHeaders=host%3Brange",
            errors.SignatureDoesNotMatch,
        ),
        (
            "X-Amz-SignedHeaders=host",
            "X-Amz-SignedHeaders=range",
            errors.AuthorizationQueryParametersError,
        ),
        (
            "X-Amz-Signature=",
            "X-Amz-Signature=0&X-Amz-Signature=",
            errors.AuthorizationQueryParametersError,
        ),
        ("X-Amz-Signature=", "x-id=GetObject&X-Amz-Signature=", errors.SignatureDoesNotMatch),
    ],
)
def test_tampered_presigned_url(old, new, error):
    url = presign("get_object", {"Key": "k"})
    assert old in url
    with pytest.raises(error):
        verify(presigned(url.replace(old, new, 1)))


def test_presigned_signature_flip_and_scope_day():
    url = presign("get_object", {"Key": "k"})
    signature = url[-64:]
    flipped = url[:-64] + ("0" if signature[0] != "0" else "1") + signature[1:]
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(presigned(flipped))
    day = presigned(url).param("X-Amz-Date")[:8]
    with pytest.raises(errors.AuthorizationQueryParametersError, match="Date"):
        verify(presigned(url.replace(f"%2F{day}%2F", "%2F20200101%2F")))


def test_presigned_with_unsigned_amz_header_or_authorization():
    url = presign("get_object", {"Key": "k"})
    with pytest.raises(errors.AccessDenied, match="not signed"):
        verify(presigned(url, headers={"x-amz-meta-a": "1"}))
    with pytest.raises(errors.InvalidArgument, match="Only one auth mechanism"):
        verify(presigned(url, headers={"Authorization": "AWS4-HMAC-SHA256 x"}))


def test_presigned_sigv2_verifies_as_boto3_makes_it_for_us_east_1():
    url = presign("get_object", {"Key": ODD_KEY}, signature_version="s3")
    request = replace(presigned(url), bucket_path=urlsplit(url).path.removeprefix("/api/s3"))
    auth = verify(request)
    assert auth.presigned and auth.credential.access_key_id == ROOT_ID
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(replace(request, bucket_path=request.bucket_path + "x"))
    put = presign(
        "put_object", {"Key": "k.png", "ContentType": "image/png"}, signature_version="s3"
    )
    put_request = replace(presigned(put, "PUT"), bucket_path=f"/{BUCKET}/k.png")
    verify(put_request)  # the signed Content-Type travels in the query
    with pytest.raises(errors.RequestExpired):
        verify(request, now=time.time() + 3600)


def test_presigned_url_with_a_content_sha256_parameter():
    """aws-sdk-js's presigner puts X-Amz-Content-Sha256=UNSIGNED-PAYLOAD in the URL; signed
    here by botocore's own S3SigV4QueryAuth, it verifies, and changing it does not."""
    url = f"http://127.0.0.1:8787/api/s3/{BUCKET}/k?X-Amz-Content-Sha256=UNSIGNED-PAYLOAD"
    request = AWSRequest(method="GET", url=url)
    S3SigV4QueryAuth(Credentials(ROOT_ID, ROOT_SECRET), "s3", "auto", expires=60).add_auth(request)
    auth = verify(presigned(request.url))
    assert auth.payload_mode is PayloadMode.UNSIGNED
    with pytest.raises(errors.SignatureDoesNotMatch):
        verify(presigned(request.url.replace("=UNSIGNED-PAYLOAD", "=" + "a" * 64)))


# --- any input: a decision or an S3Error, never another exception ---------------------------

HEAD_REQUEST, _ = sent_one(lambda s3: s3.head_object(Bucket=BUCKET, Key="k"))
_header_names = st.sampled_from(
    ["authorization", "x-amz-date", "x-amz-content-sha256", "host", "range", "x-amz-meta-a"]
)


@settings(max_examples=300, deadline=None)
@given(
    path=st.text(max_size=60),
    query=st.text(max_size=120),
    headers=st.dictionaries(_header_names, st.text(max_size=200), max_size=6),
)
def test_any_request_gives_an_s3_error(path, query, headers):
    try:
        request = S3Request("GET", "/" + path, query, headers)
        authenticate(request, KEYS, time.time())
    except errors.S3Error:
        pass


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_any_mutation_of_a_real_authorization_header_is_refused(data):
    request = HEAD_REQUEST
    header = request.headers["authorization"]
    index = data.draw(st.integers(0, len(header) - 1))
    replacement = data.draw(st.characters(codec="ascii"))
    mutated = header[:index] + replacement + header[index + 1 :]
    if mutated == header:
        return
    with pytest.raises(errors.S3Error):
        verify(with_headers(request, authorization=mutated))

"""Checksums and payload hashes as boto3 sends them, and who verifies which."""

from __future__ import annotations

import base64
import hashlib

import pytest

from r2gate.s3 import errors
from r2gate.s3.checksums import (
    body_integrity,
    content_md5,
    header_checksum,
    parse_checksum,
    verify_buffered_body,
)
from r2gate.s3.sigv4 import authenticate

from .boto import BUCKET, keyring, sent_one


def test_put_object_over_http_gives_r2_the_signed_sha256():
    request, body = sent_one(lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=b"hello"))
    auth = authenticate(request, keyring(), __import__("time").time())
    checksum = header_checksum(request.headers)
    assert checksum is not None and checksum.algorithm == "crc32" and checksum.base64 == "NhCmhg=="
    integrity = body_integrity(request.headers, auth.payload_sha256, checksum)
    assert integrity.r2 == {"sha256": hashlib.sha256(body).hexdigest()}
    assert integrity.streamed == (checksum,)  # R2 takes one hash: the CRC32 is the Worker's
    assert integrity.checksum == checksum


def test_delete_objects_body_is_verified_whole():
    request, body = sent_one(
        lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}]})
    )
    auth = authenticate(request, keyring(), __import__("time").time())
    checksum = header_checksum(request.headers)
    assert verify_buffered_body(body, auth.payload_sha256, checksum) is None
    tampered = body.replace(b"<Key>a</Key>", b"<Key>b</Key>")
    with pytest.raises(errors.XAmzContentSHA256Mismatch):
        verify_buffered_body(tampered, auth.payload_sha256, checksum)
    with pytest.raises(errors.BadDigest):
        verify_buffered_body(tampered, None, checksum)


def test_crc32c_and_crc64nvme_are_left_to_a_digest_stream():
    """botocore needs awscrt for these; the values are AWS's published test vectors."""
    crc32c = header_checksum(
        {"x-amz-checksum-crc32c": "Nks/tw==", "x-amz-sdk-checksum-algorithm": "CRC32C"}
    )
    assert crc32c is not None and crc32c.digest_stream_algorithm == "crc32c"
    assert verify_buffered_body(b"abc", None, crc32c) is crc32c
    crc64 = parse_checksum("crc64nvme", "AAAAAAAAAAA=")
    assert crc64.digest_stream_algorithm == "crc64nvme" and len(crc64.expected) == 8
    assert verify_buffered_body(b"", None, crc64) is crc64


def test_r2_verifies_one_hash_and_the_worker_the_others():
    digest = hashlib.sha256(b"x").digest()
    sha = parse_checksum("sha256", base64.b64encode(digest).decode())
    assert body_integrity({}, None, sha).r2 == {"sha256": digest.hex()}
    both = body_integrity({}, digest.hex(), sha)
    assert (both.r2, both.streamed) == ({"sha256": digest.hex()}, ())
    with pytest.raises(errors.BadDigest):
        body_integrity({}, hashlib.sha256(b"y").hexdigest(), sha)
    md5 = base64.b64encode(hashlib.md5(b"x").digest()).decode()
    only_md5 = body_integrity({"content-md5": md5}, None, None)
    assert (only_md5.r2, only_md5.streamed) == ({"md5": hashlib.md5(b"x").hexdigest()}, ())
    # boto3 over http: a signed payload SHA-256 and a Content-MD5. R2 refuses a put that
    # names two hashes ("You cannot specify multiple hashing algorithms"): one is streamed.
    signed = body_integrity({"content-md5": md5}, digest.hex(), None)
    assert signed.r2 == {"sha256": digest.hex()}
    assert [c.algorithm for c in signed.streamed] == ["md5"]
    assert signed.streamed[0].digest_stream_algorithm == "MD5"


@pytest.mark.parametrize("value", ["nope", "", "AAAA", base64.b64encode(b"x" * 17).decode()])
def test_a_malformed_content_md5_is_invalid_digest(value: str) -> None:
    with pytest.raises(errors.InvalidDigest):
        content_md5({"content-md5": value})


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        ({"x-amz-checksum-crc32": "NhCmhg==", "x-amz-checksum-sha1": "x"}, errors.InvalidRequest),
        ({"x-amz-checksum-crc32": "NhCm"}, errors.InvalidRequest),
        ({"x-amz-checksum-crc32": "NhCmhg=="[:-1]}, errors.InvalidRequest),
        ({"x-amz-checksum-md4": "NhCmhg=="}, errors.InvalidRequest),
        (
            {"x-amz-checksum-crc32": "NhCmhg==", "x-amz-sdk-checksum-algorithm": "SHA256"},
            errors.InvalidRequest,
        ),
    ],
)
def test_malformed_checksum_headers(headers, error):
    with pytest.raises(error):
        header_checksum(headers)


def test_checksum_mode_and_algorithm_headers_are_not_checksums():
    assert header_checksum({"x-amz-checksum-mode": "ENABLED"}) is None
    assert header_checksum({"x-amz-checksum-algorithm": "CRC32"}) is None

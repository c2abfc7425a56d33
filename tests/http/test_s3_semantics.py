"""AWS S3's semantics where r2gate claims them, as an application meets them with boto3:
digests, checksums, repeated and partial completions, listings that never show r2gate's own
records."""

from __future__ import annotations

import base64
import hashlib
import zlib

import pytest
from botocore.exceptions import ClientError

from tests.support.client import Client
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET

BUCKET = S3_BUCKET
MIB = 1024 * 1024


@pytest.fixture()
def s3(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url)


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _crc32(data: bytes) -> str:
    return _b64(zlib.crc32(data).to_bytes(4, "big"))


def test_a_wrong_content_md5_is_bad_digest_and_stores_nothing(
    s3, client: Client, prefix: str
) -> None:
    key = f"{prefix}md5.bin"
    wrong = _b64(hashlib.md5(b"other").digest())
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", ContentMD5=wrong)
    assert error_code(caught.value) == (400, "BadDigest")  # 500 before: SDKs retried it
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", ContentMD5="bm90IGFuIG1kNQ==")
    assert error_code(caught.value) == (400, "InvalidDigest")
    assert client.head(f"/{key}").status == 404
    right = _b64(hashlib.md5(b"hello").digest())
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", ContentMD5=right)
    assert client.get(f"/{key}").body == b"hello"


def test_a_wrong_sha1_checksum_is_bad_digest(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}sha1.bin"
    with pytest.raises(ClientError) as caught:
        s3.put_object(
            Bucket=BUCKET, Key=key, Body=b"hello", ChecksumSHA1=_b64(hashlib.sha1(b"x").digest())
        )
    assert error_code(caught.value) == (400, "BadDigest")
    assert client.head(f"/{key}").status == 404


def test_put_object_returns_its_checksum_and_head_gives_it_back(s3, prefix: str) -> None:
    key = f"{prefix}crc.bin"
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", ChecksumAlgorithm="CRC32")
    assert put["ChecksumCRC32"] == _crc32(b"hello")
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == _crc32(b"hello")
    assert head["ChecksumType"] == "FULL_OBJECT"
    got = s3.get_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert got["ChecksumCRC32"] == _crc32(b"hello") and got["Body"].read() == b"hello"
    assert "ChecksumCRC32" not in s3.head_object(Bucket=BUCKET, Key=key)
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"again", ChecksumAlgorithm="SHA256")
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert "ChecksumCRC32" not in head  # the checksum of the version before is gone
    assert head["ChecksumSHA256"] == _b64(hashlib.sha256(b"again").digest())


PARTS = [b"p" * (5 * MIB), b"q" * (5 * MIB), b"r" * 1000]


def _multipart(s3, key: str, algorithm: str, kind: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"ChecksumType": kind} if kind else {}
    created = s3.create_multipart_upload(
        Bucket=BUCKET, Key=key, ChecksumAlgorithm=algorithm, **extra
    )
    upload_id = created["UploadId"]
    parts = []
    for number, data in enumerate(PARTS, start=1):
        sent = s3.upload_part(
            Bucket=BUCKET,
            Key=key,
            UploadId=upload_id,
            PartNumber=number,
            Body=data,
            ChecksumAlgorithm=algorithm,
        )
        field = f"Checksum{algorithm}"
        parts.append({"PartNumber": number, "ETag": sent["ETag"], field: sent[field]})
    return created, upload_id, parts


def test_a_full_object_crc_is_computed_from_the_parts(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}full.bin"
    created, upload_id, parts = _multipart(s3, key, "CRC32", "FULL_OBJECT")
    assert (created["ChecksumAlgorithm"], created["ChecksumType"]) == ("CRC32", "FULL_OBJECT")
    assert parts[0]["ChecksumCRC32"] == _crc32(PARTS[0])
    whole = _crc32(b"".join(PARTS))
    done = s3.complete_multipart_upload(
        Bucket=BUCKET,
        Key=key,
        UploadId=upload_id,
        MultipartUpload={"Parts": parts},
        ChecksumCRC32=whole,
        ChecksumType="FULL_OBJECT",
    )
    assert done["ChecksumCRC32"] == whole and done["ChecksumType"] == "FULL_OBJECT"
    head = s3.head_object(Bucket=BUCKET, Key=key, ChecksumMode="ENABLED")
    assert head["ChecksumCRC32"] == whole
    assert client.get(f"/{key}").body == b"".join(PARTS)


def test_a_composite_checksum_and_listed_part_checksums(s3, prefix: str) -> None:
    key = f"{prefix}composite.bin"
    _, upload_id, parts = _multipart(s3, key, "SHA256")
    wrong = [dict(parts[0], ChecksumSHA256=parts[1]["ChecksumSHA256"]), *parts[1:]]
    with pytest.raises(ClientError) as caught:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": wrong}
        )
    assert error_code(caught.value) == (400, "InvalidPart")
    done = s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    digests = b"".join(hashlib.sha256(p).digest() for p in PARTS)
    assert done["ChecksumSHA256"] == f"{_b64(hashlib.sha256(digests).digest())}-3"


def test_a_repeated_completion_answers_as_the_first(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}again.bin"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"only")[
        "ETag"
    ]
    done = {"Parts": [{"PartNumber": 1, "ETag": etag}]}
    first = s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload=done
    )
    again = s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload=done
    )  # a client whose first answer was lost: 404 NoSuchUpload before
    assert again["ETag"] == first["ETag"]
    assert client.get(f"/{key}").body == b"only"
    with pytest.raises(ClientError) as caught:  # but the upload takes no more parts
        s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=2, Body=b"x")
    assert error_code(caught.value) == (404, "NoSuchUpload")


def test_completion_takes_any_received_parts_in_order(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}subset.bin"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etags = {}
    for number, data in ((1, PARTS[0]), (2, b"never used"), (4, b"tail")):
        etags[number] = s3.upload_part(
            Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=number, Body=data
        )["ETag"]
    chosen = [{"PartNumber": n, "ETag": etags[n]} for n in (1, 4)]  # part 2 left out, 3 a gap
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": chosen}
    )
    assert client.get(f"/{key}").body == PARTS[0] + b"tail"


def test_open_uploads_take_no_slot_in_any_listing(s3, client: Client, prefix: str) -> None:
    keys = [f"{prefix}apple.bin", f"{prefix}banana.bin"]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    s3.create_multipart_upload(Bucket=BUCKET, Key=f"{prefix}cherry.bin")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix, MaxKeys=2)
    assert [o["Key"] for o in listed["Contents"]] == keys and not listed["IsTruncated"]
    everything = s3.list_objects_v2(Bucket=BUCKET, MaxKeys=2)
    assert all(not o["Key"].startswith("api/") for o in everything.get("Contents", []))
    for delimiter in ("a", "p", "i", "/"):
        grouped = s3.list_objects_v2(Bucket=BUCKET, Delimiter=delimiter)
        prefixes = [p["Prefix"] for p in grouped.get("CommonPrefixes", [])]
        assert not any(p in ("a", "ap", "api", "api/") for p in prefixes), (delimiter, prefixes)
    native = client.get("/api/v1/objects?limit=2&prefix=" + prefix, auth=True).json()
    assert [o["key"] for o in native["objects"]] == keys

"""boto3 against the S3 surface: the calls backends make, each checked by what a user sees
(the same object through GET /<key>, the bytes, the headers)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.client import Client
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET

BUCKET = S3_BUCKET


@pytest.fixture()
def s3(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url)


def test_put_object_is_the_object_get_serves(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}models/chair one+ü.glb"
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=b"glTF" + bytes(100), Metadata={"scan": "42"})
    plain = client.get("/" + requests.utils.quote(key))
    assert plain.status == 200
    assert plain.body == b"glTF" + bytes(100)
    assert plain.headers["etag"] == put["ETag"]
    assert plain.headers["content-type"] == "model/gltf-binary"  # by extension, as r2gate does
    got = s3.get_object(Bucket=BUCKET, Key=key)
    assert got["Body"].read() == b"glTF" + bytes(100)
    assert got["Metadata"] == {"scan": "42"}
    assert got["ETag"] == put["ETag"]


def test_get_object_with_range_and_conditionals(s3, prefix: str) -> None:
    key = f"{prefix}video.mp4"
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"0123456789")["ETag"]
    part = s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=2-5")
    assert part["Body"].read() == b"2345"
    assert part["ContentRange"] == "bytes 2-5/10"
    assert part["ResponseMetadata"]["HTTPStatusCode"] == 206
    with pytest.raises(ClientError) as refused:
        s3.get_object(Bucket=BUCKET, Key=key, IfMatch='"other"')
    assert error_code(refused.value) == (412, "PreconditionFailed")
    with pytest.raises(ClientError) as same:
        s3.get_object(Bucket=BUCKET, Key=key, IfNoneMatch=etag)
    assert error_code(same.value)[0] == 304
    with pytest.raises(ClientError) as beyond:
        s3.get_object(Bucket=BUCKET, Key=key, Range="bytes=50-60")
    assert error_code(beyond.value) == (416, "InvalidRange")


def test_head_object_and_missing_keys(s3, prefix: str) -> None:
    key = f"{prefix}doc.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}", ContentType="application/json")
    head = s3.head_object(Bucket=BUCKET, Key=key)
    assert (head["ContentLength"], head["ContentType"]) == (2, "application/json")
    with pytest.raises(ClientError) as missing:
        s3.get_object(Bucket=BUCKET, Key=f"{prefix}nothing")
    assert error_code(missing.value) == (404, "NoSuchKey")
    assert missing.value.response["ResponseMetadata"]["RequestId"]
    with pytest.raises(ClientError) as head_missing:
        s3.head_object(Bucket=BUCKET, Key=f"{prefix}nothing")
    assert error_code(head_missing.value)[0] == 404


def test_list_objects_v2_pages_with_delimiter_and_start_after(s3, prefix: str) -> None:
    keys = [f"{prefix}list/{name}" for name in ("a", "b", "c/1", "c/2", "d", "e")]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix=f"{prefix}list/", PaginationConfig={"PageSize": 2}
    )
    listed = [entry["Key"] for page in pages for entry in page.get("Contents", [])]
    assert listed == keys
    folders = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}list/", Delimiter="/")
    assert [p["Prefix"] for p in folders["CommonPrefixes"]] == [f"{prefix}list/c/"]
    assert len(folders["Contents"]) == 4
    after = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}list/", StartAfter=keys[3])
    assert [e["Key"] for e in after["Contents"]] == keys[4:]
    none = s3.list_objects_v2(Bucket=BUCKET, Prefix=f"{prefix}list/", MaxKeys=0)
    assert none["KeyCount"] == 0 and not none["IsTruncated"]


def test_list_objects_version_1_pages_by_marker(s3, prefix: str) -> None:
    keys = [f"{prefix}v1/{name}" for name in ("a", "b/1", "b/2", "c")]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    pages = s3.get_paginator("list_objects").paginate(
        Bucket=BUCKET, Prefix=f"{prefix}v1/", Delimiter="/", PaginationConfig={"PageSize": 1}
    )
    seen = []
    for page in pages:
        seen += [e["Key"] for e in page.get("Contents", [])]
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
    assert seen == [f"{prefix}v1/a", f"{prefix}v1/b/", f"{prefix}v1/c"]


def test_listing_never_shows_internal_records(s3, prefix: str) -> None:
    key = f"{prefix}big.bin"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)  # r2gate records under api/
    everything = s3.list_objects_v2(Bucket=BUCKET, Delimiter="/")
    shown = [e["Key"] for e in everything.get("Contents", [])]
    shown += [p["Prefix"] for p in everything.get("CommonPrefixes", [])]
    assert not any(name.startswith("api/") for name in shown)
    assert s3.list_objects_v2(Bucket=BUCKET, Prefix="api/")["KeyCount"] == 0
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload["UploadId"])


def test_delete_object_and_delete_objects(s3, client: Client, prefix: str) -> None:
    keys = [f"{prefix}gone/{n}" for n in range(3)]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"x")
    s3.delete_object(Bucket=BUCKET, Key=keys[0])
    assert client.get("/" + keys[0]).status == 404
    result = s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[1:]] + [{"Key": "api/x"}]}
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == keys[1:]
    assert [e["Code"] for e in result["Errors"]] == ["InvalidArgument"]
    assert all(client.get("/" + key).status == 404 for key in keys)


def test_copy_object_keeps_or_replaces_metadata(s3, client: Client, prefix: str) -> None:
    source = f"{prefix}src.txt"
    s3.put_object(Bucket=BUCKET, Key=source, Body=b"copy me", ContentType="text/plain")
    s3.copy_object(
        Bucket=BUCKET, Key=f"{prefix}a.txt", CopySource={"Bucket": BUCKET, "Key": source}
    )
    copied = client.get(f"/{prefix}a.txt")
    assert (copied.body, copied.headers["content-type"]) == (b"copy me", "text/plain")
    s3.copy_object(
        Bucket=BUCKET,
        Key=f"{prefix}b.txt",
        CopySource={"Bucket": BUCKET, "Key": source},
        MetadataDirective="REPLACE",
        ContentType="text/markdown",
    )
    assert client.get(f"/{prefix}b.txt").headers["content-type"] == "text/markdown"
    with pytest.raises(ClientError) as refused:
        s3.copy_object(
            Bucket=BUCKET,
            Key=f"{prefix}c.txt",
            CopySource={"Bucket": BUCKET, "Key": source},
            CopySourceIfMatch='"nope"',
        )
    assert error_code(refused.value) == (412, "PreconditionFailed")


def test_presigned_get_goes_through_the_read_path(s3, prefix: str) -> None:
    key = f"{prefix}photo 1.jpg"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"JPEG" * 100, ContentType="image/jpeg")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=300
    )
    whole = requests.get(url, headers={"Origin": "https://app.example.com"})
    assert whole.status_code == 200 and whole.content == b"JPEG" * 100
    assert whole.headers["access-control-allow-origin"] == "https://app.example.com"
    assert whole.headers["x-cache"] in ("MISS", "HIT")
    assert len(whole.headers["x-amz-request-id"]) == 16
    ranged = requests.get(url, headers={"Range": "bytes=0-3"})
    assert (ranged.status_code, ranged.content) == (206, b"JPEG")
    again = requests.get(url, headers={"If-None-Match": whole.headers["etag"]})
    assert again.status_code == 304
    head = requests.head(
        s3.generate_presigned_url("head_object", Params={"Bucket": BUCKET, "Key": key})
    )
    assert head.headers["content-length"] == "400"
    download = s3.generate_presigned_url(
        "get_object",
        Params={"Bucket": BUCKET, "Key": key, "ResponseContentDisposition": "attachment"},
    )
    assert requests.get(download).headers["content-disposition"] == "attachment"


def test_presigned_put_then_plain_http(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}avatar.png"
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": "image/png"}
    )
    stored = requests.put(url, data=b"\x89PNG....", headers={"Content-Type": "image/png"})
    assert stored.status_code == 200
    got = client.get("/" + key)
    assert (got.body, got.headers["content-type"]) == (b"\x89PNG....", "image/png")
    other_type = requests.put(url, data=b"<svg/>", headers={"Content-Type": "image/svg+xml"})
    assert other_type.status_code == 403 and b"SignatureDoesNotMatch" in other_type.content
    delete = s3.generate_presigned_url("delete_object", Params={"Bucket": BUCKET, "Key": key})
    assert requests.delete(delete).status_code == 204
    assert client.get("/" + key).status == 404


def test_presigned_post_form(s3, client: Client, prefix: str) -> None:
    post = s3.generate_presigned_post(
        BUCKET,
        f"{prefix}uploads/${{filename}}",
        Fields={"Content-Type": "image/jpeg", "success_action_status": "201"},
        Conditions=[
            ["content-length-range", 0, 10485760],
            ["starts-with", "$Content-Type", "image/"],
            {"success_action_status": "201"},
        ],
        ExpiresIn=300,
    )
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("cat.jpg", b"JPEG!")})
    assert reply.status_code == 201, reply.text
    assert f"<Key>{prefix}uploads/cat.jpg</Key>".encode() in reply.content
    got = client.get(f"/{prefix}uploads/cat.jpg")
    assert (got.body, got.headers["content-type"]) == (b"JPEG!", "image/jpeg")
    assert reply.headers["etag"] == got.headers["etag"]
    assert reply.headers["x-amz-request-id"]


def test_upload_file_multipart_and_download_file(
    s3, client: Client, prefix: str, tmp_path: Path
) -> None:
    source = tmp_path / "capture.bin"
    data = bytes(range(256)) * (30 * 1024 * 1024 // 256) + b"end"
    source.write_bytes(data)
    sent: list[str] = []
    s3.meta.events.register(
        "before-send.s3.UploadPart",
        lambda request, **_: sent.append(request.headers["Content-Length"]),
    )
    key = f"{prefix}capture.bin"
    s3.upload_file(str(source), BUCKET, key)
    assert sent.count(str(8 * 1024 * 1024)) == 3 and len(sent) == 4  # uniform 8 MiB parts
    copy = tmp_path / "copy.bin"
    s3.download_file(BUCKET, key, str(copy))
    assert copy.read_bytes() == data
    head = client.head("/" + key)
    assert head.headers["content-length"] == str(len(data))


def test_multipart_list_parts_and_abort(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}parts.bin"
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="video/mp4")
    upload_id = upload["UploadId"]
    first = s3.upload_part(
        Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"a" * (5 * 1024 * 1024)
    )
    s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=2, Body=b"tail")
    parts = s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)["Parts"]
    assert [(p["PartNumber"], p["Size"]) for p in parts] == [(1, 5 * 1024 * 1024), (2, 4)]
    assert parts[0]["ETag"] == first["ETag"]
    assert all("-" in p["ETag"] for p in parts)  # never taken for the MD5 of the part
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id)
    with pytest.raises(ClientError) as gone:
        s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id)
    assert error_code(gone.value) == (404, "NoSuchUpload")
    assert client.get("/" + key).status == 404


def test_multipart_parts_of_unequal_size_are_refused(s3, prefix: str) -> None:
    key = f"{prefix}uneven.bin"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etags = [
        s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=n, Body=body)["ETag"]
        for n, body in ((1, b"a" * (5 * 1024 * 1024)), (2, b"b" * (5 * 1024 * 1024 + 1)), (3, b"c"))
    ]
    parts = [{"PartNumber": n, "ETag": etag} for n, etag in enumerate(etags, start=1)]
    with pytest.raises(ClientError) as refused:
        s3.complete_multipart_upload(
            Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
    assert error_code(refused.value) == (400, "InvalidPart")


def test_region_us_east_1_is_accepted(server: RunningServer, prefix: str) -> None:
    east = s3_client(server.url, region="us-east-1")
    east.put_object(Bucket=BUCKET, Key=f"{prefix}east.txt", Body=b"east")
    assert east.get_object(Bucket=BUCKET, Key=f"{prefix}east.txt")["Body"].read() == b"east"


def test_bucket_level_calls(s3) -> None:
    s3.head_bucket(Bucket=BUCKET)
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == [BUCKET]
    with pytest.raises(ClientError) as other:
        s3.head_object(Bucket="another-bucket", Key="x")
    assert error_code(other.value)[0] == 404
    with pytest.raises(ClientError) as unsupported:
        s3.get_object_tagging(Bucket=BUCKET, Key="x")
    assert error_code(unsupported.value) == (501, "NotImplemented")


def test_payload_hash_is_verified(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}tampered.bin"

    def tamper(request, **_):  # type: ignore[no-untyped-def]
        request.body = b"HELLO"  # after signing: the signed sha256 is of b"hello"

    s3.meta.events.register("before-send.s3.PutObject", tamper)
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"hello", ChecksumAlgorithm="SHA256")
    assert error_code(refused.value)[0] == 400
    assert error_code(refused.value)[1] in ("XAmzContentSHA256Mismatch", "BadDigest")
    assert client.get("/" + key).status == 404


def test_upload_via_stream_bytesio(s3, prefix: str) -> None:
    s3.upload_fileobj(io.BytesIO(b"x" * 100), BUCKET, f"{prefix}small.bin")
    assert s3.head_object(Bucket=BUCKET, Key=f"{prefix}small.bin")["ContentLength"] == 100

"""The S3 API where every client reaches it, and the operations tools send, with boto3 as an
application uses it: the host's root and the bucket's own host, SigV2 presigned URLs, bucket
and ACL probes, ListMultipartUploads, UploadPartCopy, GetObjectAttributes, part reads, folder
markers."""

from __future__ import annotations

import http.client
from datetime import UTC, datetime
from urllib.parse import quote, urlsplit

import boto3
import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.support.client import Client
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_HOST, TEST_S3_KEY_ID, TEST_S3_SECRET

BUCKET = S3_BUCKET
MIB = 1024 * 1024


@pytest.fixture()
def s3(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url)


@pytest.fixture()
def root(server: RunningServer):  # type: ignore[no-untyped-def]
    """boto3 with the host itself as the endpoint, as s3cmd, MinIO and rclone users set it."""
    return boto3.client(
        "s3",
        endpoint_url=server.url,
        aws_access_key_id=TEST_S3_KEY_ID,
        aws_secret_access_key=TEST_S3_SECRET,
        region_name="auto",
        config=Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"}),
    )


def test_the_host_root_serves_s3_path_style(root, client: Client, prefix: str) -> None:
    key = f"{prefix}root.txt"
    root.put_object(Bucket=BUCKET, Key=key, Body=b"at the root")
    assert root.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"at the root"
    listed = root.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    assert [o["Key"] for o in listed["Contents"]] == [key]
    assert root.list_buckets()["Buckets"][0]["Name"] == BUCKET
    # r2gate's own routes are unchanged: an unsigned GET of /<bucket>/<key> is the object
    # whose key is "<bucket>/<key>", and the object is at /<key>.
    assert client.get(f"/{BUCKET}/{key}").status == 404
    assert client.get(f"/{key}").body == b"at the root"


def _signed(method: str, url: str, headers: dict[str, str] | None = None) -> AWSRequest:
    request = AWSRequest(method=method, url=url, headers=headers or {})
    request.headers["Host"] = urlsplit(url).netloc
    request.headers["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
    SigV4Auth(Credentials(TEST_S3_KEY_ID, TEST_S3_SECRET), "s3", "auto").add_auth(request)
    return request


def _send(server: RunningServer, request: AWSRequest) -> tuple[int, bytes]:
    """Send a signed request to the server whatever host it names (resolved nowhere)."""
    parts, target = urlsplit(server.url), urlsplit(request.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest(
            request.method,
            target.path + (f"?{target.query}" if target.query else ""),
            skip_host=True,
            skip_accept_encoding=True,
        )
        for name, value in request.headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        return reply.status, reply.read()
    finally:
        conn.close()


def test_the_buckets_own_host_serves_s3_virtual_hosted(
    server: RunningServer, s3, prefix: str
) -> None:
    key = f"{prefix}virtual.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"by host")
    port = urlsplit(server.url).port
    status, body = _send(server, _signed("GET", f"http://{TEST_S3_HOST}:{port}/{key}"))
    assert (status, body) == (200, b"by host")
    status, body = _send(
        server,
        _signed(
            "GET", f"http://{TEST_S3_HOST}:{port}/?list-type=2&prefix={quote(prefix, safe='')}"
        ),
    )
    assert status == 200 and f"<Key>{key}</Key>".encode() in body
    status, _ = _send(server, _signed("GET", f"http://{TEST_S3_HOST}:{port}/nothing/here"))
    assert status == 404


@pytest.mark.parametrize("endpoint", ["/api/s3", ""])
def test_sigv2_presigned_urls_of_boto3s_us_east_1_default(
    server: RunningServer, client: Client, prefix: str, endpoint: str
) -> None:
    legacy = boto3.client(
        "s3",
        endpoint_url=server.url + endpoint,
        aws_access_key_id=TEST_S3_KEY_ID,
        aws_secret_access_key=TEST_S3_SECRET,
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}),
    )
    key = f"{prefix}v2.png"
    put = legacy.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": "image/png"}
    )
    assert "Signature=" in put and "X-Amz-Signature" not in put  # SigV2
    assert requests.put(put, data=b"png", headers={"Content-Type": "image/png"}).status_code == 200
    get = legacy.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key})
    assert requests.get(get).content == b"png"
    tampered = get.replace(key, key.replace("v2", "v3"))
    assert requests.get(tampered).status_code == 403


def test_bucket_probes_tools_send(s3, root) -> None:
    for client_ in (s3, root):
        with pytest.raises(ClientError) as caught:
            client_.create_bucket(Bucket=BUCKET)
        assert error_code(caught.value) == (409, "BucketAlreadyOwnedByYou")
        client_.head_bucket(Bucket=BUCKET)
        assert client_.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] is None
    created = s3.list_buckets()["Buckets"][0]["CreationDate"]
    assert created > datetime(2026, 1, 1, tzinfo=UTC)  # 1970-01-01 before


def test_canned_acls_say_what_r2gate_does(s3, client: Client, prefix: str) -> None:
    public, private = f"{prefix}open.txt", f"private/{prefix}closed.txt"
    s3.put_object(Bucket=BUCKET, Key=public, Body=b"1", ACL="public-read")
    s3.put_object(Bucket=BUCKET, Key=private, Body=b"2", ACL="private")
    s3.put_object(Bucket=BUCKET, Key=public, Body=b"3", ACL="bucket-owner-full-control")
    for key, acl in ((public, "private"), (private, "public-read")):
        with pytest.raises(ClientError) as caught:  # the ACL would not hold: refused
            s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", ACL=acl)
        assert error_code(caught.value) == (403, "AccessDenied")
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key=public, Body=b"x", ACL="authenticated-read")
    assert error_code(caught.value) == (501, "NotImplemented")
    assert client.get(f"/{public}").body == b"3"
    assert client.get(f"/{private}").status == 401  # private: readable with a key only
    grants = s3.get_object_acl(Bucket=BUCKET, Key=public)["Grants"]
    assert {g["Permission"] for g in grants} == {"FULL_CONTROL", "READ"}
    closed = s3.get_object_acl(Bucket=BUCKET, Key=private)["Grants"]
    assert [g["Permission"] for g in closed] == ["FULL_CONTROL"]
    s3.put_object_acl(Bucket=BUCKET, Key=private, ACL="private")
    with pytest.raises(ClientError):
        s3.put_object_acl(Bucket=BUCKET, Key=private, ACL="public-read")


def test_expires_is_stored_and_served(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}expiring.txt"
    when = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", Expires=when)
    assert client.head(f"/{key}").headers["expires"] == "Wed, 02 Jan 2030 03:04:05 GMT"
    assert s3.head_object(Bucket=BUCKET, Key=key)["Expires"] == when


def test_fetch_owner_and_copy_onto_itself(s3, prefix: str) -> None:
    key = f"{prefix}owned.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"x", ContentType="text/plain")
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix, FetchOwner=True)
    assert listed["Contents"][0]["Owner"]["ID"]
    assert "Owner" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"][0]
    source = {"Bucket": BUCKET, "Key": key}
    with pytest.raises(ClientError) as caught:
        s3.copy_object(Bucket=BUCKET, Key=key, CopySource=source)
    assert error_code(caught.value) == (400, "InvalidRequest")
    s3.copy_object(
        Bucket=BUCKET,
        Key=key,
        CopySource=source,
        MetadataDirective="REPLACE",
        ContentType="text/markdown",
    )
    assert s3.head_object(Bucket=BUCKET, Key=key)["ContentType"] == "text/markdown"


def test_folder_markers(s3, client: Client, prefix: str) -> None:
    folder = f"{prefix}photos/"
    s3.put_object(Bucket=BUCKET, Key=folder, Body=b"")
    s3.put_object(Bucket=BUCKET, Key=f"{folder}a.jpg", Body=b"jpg")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]]
    assert keys == [folder, f"{folder}a.jpg"]
    assert s3.head_object(Bucket=BUCKET, Key=folder)["ContentLength"] == 0
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key=f"{prefix}full/", Body=b"bytes")
    assert error_code(caught.value) == (400, "InvalidArgument")
    assert client.get(f"/{folder}").status == 400  # r2gate's own API keeps its key rules
    s3.delete_object(Bucket=BUCKET, Key=folder)
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)["Contents"]] == [
        f"{folder}a.jpg"
    ]
    # a recursive delete (aws s3 rm --recursive, rclone purge) sends markers in DeleteObjects
    s3.put_object(Bucket=BUCKET, Key=folder, Body=b"")
    deleted = s3.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": folder}, {"Key": f"{folder}a.jpg"}]}
    )
    assert sorted(d["Key"] for d in deleted["Deleted"]) == [folder, f"{folder}a.jpg"]
    assert "Errors" not in deleted
    assert "Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)


def test_list_multipart_uploads(s3, prefix: str) -> None:
    keys = [f"{prefix}a/1.bin", f"{prefix}a/2.bin", f"{prefix}b.bin", f"{prefix}c.bin"]
    ids = {key: s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"] for key in keys}
    again = s3.create_multipart_upload(Bucket=BUCKET, Key=keys[2])["UploadId"]
    listed = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix)
    seen = [(u["Key"], u["UploadId"]) for u in listed["Uploads"]]
    assert sorted(seen) == sorted([*ids.items(), (keys[2], again)])
    grouped = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == [f"{prefix}a/"]
    assert {u["Key"] for u in grouped["Uploads"]} == {keys[2], keys[3]}
    first = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix, MaxUploads=2)
    assert first["IsTruncated"] and len(first["Uploads"]) == 2
    rest = s3.list_multipart_uploads(
        Bucket=BUCKET,
        Prefix=prefix,
        KeyMarker=first["NextKeyMarker"],
        UploadIdMarker=first["NextUploadIdMarker"],
    )
    paged = [(u["Key"], u["UploadId"]) for u in first["Uploads"] + rest["Uploads"]]
    assert sorted(paged) == sorted(seen) and len(paged) == len(set(paged))
    s3.abort_multipart_upload(Bucket=BUCKET, Key=keys[3], UploadId=ids[keys[3]])
    after = s3.list_multipart_uploads(Bucket=BUCKET, Prefix=prefix)["Uploads"]
    assert keys[3] not in {u["Key"] for u in after}


def test_upload_part_copy_and_part_reads(s3, client: Client, prefix: str) -> None:
    source = f"{prefix}source.bin"
    data = bytes(range(256)) * (24 * 1024)  # 6 MiB
    s3.put_object(Bucket=BUCKET, Key=source, Body=data)
    key = f"{prefix}assembled.bin"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    first = s3.upload_part_copy(
        Bucket=BUCKET,
        Key=key,
        UploadId=upload_id,
        PartNumber=1,
        CopySource={"Bucket": BUCKET, "Key": source},
        CopySourceRange=f"bytes=0-{5 * MIB - 1}",
    )["CopyPartResult"]["ETag"]
    second = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=2, Body=b"tail")[
        "ETag"
    ]
    parts = [{"PartNumber": 1, "ETag": first}, {"PartNumber": 2, "ETag": second}]
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
    )
    assert client.get(f"/{key}").body == data[: 5 * MIB] + b"tail"
    part = s3.get_object(Bucket=BUCKET, Key=key, PartNumber=2)
    assert part["Body"].read() == b"tail" and part["PartsCount"] == 2
    assert part["ContentRange"] == f"bytes {5 * MIB}-{5 * MIB + 3}/{5 * MIB + 4}"
    head = s3.head_object(Bucket=BUCKET, Key=key, PartNumber=1)
    assert head["ContentLength"] == 5 * MIB and head["PartsCount"] == 2
    assert head["ContentRange"] == f"bytes 0-{5 * MIB - 1}/{5 * MIB + 4}"
    whole = s3.get_object(Bucket=BUCKET, Key=source, PartNumber=1)
    assert whole["Body"].read() == data
    with pytest.raises(ClientError) as caught:
        s3.get_object(Bucket=BUCKET, Key=source, PartNumber=2)
    assert error_code(caught.value)[0] == 416
    attributes = s3.get_object_attributes(
        Bucket=BUCKET, Key=key, ObjectAttributes=["ETag", "ObjectSize", "ObjectParts"]
    )
    assert attributes["ObjectSize"] == 5 * MIB + 4
    assert attributes["ETag"] == s3.head_object(Bucket=BUCKET, Key=key)["ETag"].strip('"')
    assert attributes["ObjectParts"]["TotalPartsCount"] == 2
    assert [p["Size"] for p in attributes["ObjectParts"]["Parts"]] == [5 * MIB, 4]


def test_an_oversized_single_put_names_the_multipart_setting(
    server: RunningServer, s3, prefix: str
) -> None:
    """rclone's default --s3-upload-cutoff (200 MiB) is above the single-PUT limit: the
    refusal says which setting makes the tool upload in parts, and nothing is stored."""
    key, size = f"{prefix}over.bin", 100_000_001
    request = _signed("PUT", f"{server.url}/api/s3/{BUCKET}/{key}", {"Content-Length": str(size)})
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        conn.putrequest("PUT", urlsplit(request.url).path, skip_host=True)
        for name, value in request.headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        chunk, sent = b"x" * MIB, 0
        try:
            while sent < size:
                conn.send(chunk[: size - sent])
                sent += min(MIB, size - sent)
        except OSError:
            pass  # the server may answer and close before the whole body is sent
        reply = conn.getresponse()
        status, body = reply.status, reply.read().decode()
    finally:
        conn.close()
    assert status == 400 and "<Code>EntityTooLarge</Code>" in body
    assert "--s3-upload-cutoff=95Mi" in body and "<MaxSizeAllowed>100000000<" in body
    with pytest.raises(ClientError) as caught:
        s3.head_object(Bucket=BUCKET, Key=key)
    assert error_code(caught.value)[0] == 404


def test_error_documents_arrive_uncompressed_whatever_the_client_accepts(
    server: RunningServer, prefix: str
) -> None:
    """A client that accepts gzip still gets a plain error document (the dev proxy, like
    Cloudflare's front line, gzips XML for such clients): rclone read gzip bytes as XML."""
    url = f"{server.url}/api/s3/{BUCKET}/{prefix}missing.txt"
    missing = dict(_signed("GET", url).headers.items())
    forged = {**missing, "Authorization": missing["Authorization"][:-4] + "0000"}
    for headers, code in ((forged, "SignatureDoesNotMatch"), (missing, "NoSuchKey")):
        reply = requests.get(url, headers={**headers, "Accept-Encoding": "gzip"}, stream=True)
        raw = reply.raw.read(decode_content=False)
        assert reply.headers.get("Content-Encoding") in (None, "identity")
        assert raw.startswith(b"<?xml") and f"<Code>{code}</Code>".encode() in raw
        assert "no-transform" in reply.headers["Cache-Control"]

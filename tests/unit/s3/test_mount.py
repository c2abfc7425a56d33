"""r2gate.s3.mount: which requests outside /api/s3 are S3's (at the host's root, path style,
or on the bucket's own host), how their paths read, and whether a signature covers
Accept-Encoding. The signed requests are the real clients' (boto3 captured, botocore's
presigners), as s3cmd, MinIO and rclone send them to a bare host."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.config import Config

from r2gate.s3 import errors
from r2gate.s3.mount import (
    PREFIX,
    PREFIXED,
    Mount,
    bucket_path,
    s3_mount,
    signed_for_s3,
    signs_accept_encoding,
)
from r2gate.s3.operations import resolve
from r2gate.s3.request import S3Request

from .boto import BUCKET, ROOT_ID, ROOT_SECRET, captured

HOST = "127.0.0.1"
VIRTUAL_HOST = f"{BUCKET}.s3.example.com"
HOSTS = frozenset({VIRTUAL_HOST})
ROOT = Mount("")
VIRTUAL = Mount("", host_bucket=True)


def _root_client(region: str = "auto", **config: Any) -> Any:
    """boto3 with the bare host as its endpoint, as s3cmd, MinIO and rclone users set it."""
    return boto3.client(
        "s3",
        endpoint_url=f"http://{HOST}:8787",
        aws_access_key_id=ROOT_ID,
        aws_secret_access_key=ROOT_SECRET,
        region_name=region,
        config=Config(s3={"addressing_style": "path"}, **config),
    )


def _mount(request: S3Request, host: str = HOST, bucket: str | None = BUCKET) -> Mount | None:
    return s3_mount(
        request.method, request.path, request.query, request.headers, host, bucket, HOSTS
    )


def _sent(call: Any, s3: Any = None) -> S3Request:
    return captured(call, s3 if s3 is not None else _root_client())[0][0]


@pytest.mark.parametrize(
    "call",
    [
        lambda s3: s3.put_object(Bucket=BUCKET, Key="a/b.txt", Body=b"x"),
        lambda s3: s3.get_object(Bucket=BUCKET, Key="a/b.txt"),
        lambda s3: s3.list_objects_v2(Bucket=BUCKET, Prefix="a/"),
        lambda s3: s3.list_buckets(),
        lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}]}),
    ],
)
def test_a_header_signed_request_at_the_root_is_s3s(call: Any) -> None:
    request = _sent(call)
    assert request.headers["authorization"].startswith("AWS4-HMAC-SHA256 ")
    assert _mount(request) == ROOT


def test_presigned_urls_at_the_root_are_s3s() -> None:
    v4 = _root_client().generate_presigned_url("get_object", {"Bucket": BUCKET, "Key": "k"})
    v2 = _root_client("us-east-1").generate_presigned_url(
        "get_object", {"Bucket": BUCKET, "Key": "k"}
    )
    assert "X-Amz-Credential=" in v4 and "AWSAccessKeyId=" in v2
    for url in (v4, v2):
        path, _, query = url.split(":8787", 1)[1].partition("?")
        assert signed_for_s3({}, query)
        assert s3_mount("GET", path, query, {}, HOST, BUCKET, HOSTS) == ROOT


@pytest.mark.parametrize(
    ("method", "path", "headers"),
    [
        ("GET", f"/{BUCKET}/a/b.txt", {}),  # the object whose key is "r2gate-assets/a/b.txt"
        ("GET", "/a/b.txt", {}),
        ("PUT", "/a/b.txt", {"authorization": "Bearer test-key"}),  # r2gate's own API key
        ("GET", "/api/v1/objects", {"authorization": "Bearer test-key"}),
        ("GET", f"/{BUCKET}x", {}),
        ("GET", "/", {}),
    ],
)
def test_everything_else_at_the_root_stays_r2gates(
    method: str, path: str, headers: dict[str, str]
) -> None:
    assert s3_mount(method, path, "", headers, HOST, BUCKET, HOSTS) is None


@pytest.mark.parametrize("path", [f"/{BUCKET}", f"/{BUCKET}/"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "POST"])
def test_an_unsigned_bucket_level_request_is_s3s(method: str, path: str) -> None:
    """A browser's POST form and the tools' bucket probes carry no signature (or one the
    handler then refuses with S3's error, not r2gate's JSON)."""
    assert s3_mount(method, path, "", {}, HOST, BUCKET, HOSTS) == ROOT


def test_preflights_and_a_server_without_s3_are_never_s3() -> None:
    signed = _sent(lambda s3: s3.get_object(Bucket=BUCKET, Key="k"))
    assert s3_mount("OPTIONS", signed.path, "", signed.headers, HOST, BUCKET, HOSTS) is None
    assert s3_mount("OPTIONS", "/", "", {}, VIRTUAL_HOST, BUCKET, HOSTS) is None
    assert _mount(signed, bucket=None) is None
    assert s3_mount("GET", "/k", "", {}, VIRTUAL_HOST, None, HOSTS) is None


def test_every_request_to_the_buckets_own_host_is_s3s() -> None:
    for path, headers in (("/photos/a.jpg", {}), ("/", {"authorization": "Bearer k"})):
        assert s3_mount("GET", path, "", headers, VIRTUAL_HOST, BUCKET, HOSTS) == VIRTUAL
    assert s3_mount("GET", "/photos/a.jpg", "", {}, "other.example.com", BUCKET, HOSTS) is None
    assert s3_mount("GET", "/a", "", {}, VIRTUAL_HOST, BUCKET, frozenset()) is None


def test_signed_for_s3_reads_the_schemes_and_presigned_names() -> None:
    assert signed_for_s3({"authorization": "AWS AKID:c2ln"}, "")  # SigV2 header (refused later)
    assert not signed_for_s3({"authorization": "Bearer AWS4-HMAC-SHA256"}, "")
    assert signed_for_s3({}, "X-Amz-Algorithm=AWS4-HMAC-SHA256")
    assert signed_for_s3({}, "x-amz-credential=a%2Fb")
    assert not signed_for_s3({}, "list-type=2&prefix=a%2F")
    assert not signed_for_s3({}, "")


def test_bucket_path_is_the_bucket_and_key_whatever_the_mount() -> None:
    assert bucket_path(f"{PREFIX}/{BUCKET}/a%20b/c", PREFIXED, BUCKET) == f"/{BUCKET}/a%20b/c"
    assert bucket_path(PREFIX, PREFIXED, BUCKET) == "/"
    assert bucket_path(f"/{BUCKET}/a/c", ROOT, BUCKET) == f"/{BUCKET}/a/c"
    assert bucket_path("/a/c", VIRTUAL, BUCKET) == f"/{BUCKET}/a/c"
    assert bucket_path("/", VIRTUAL, BUCKET) == f"/{BUCKET}/"


@pytest.mark.parametrize(
    ("mount", "method", "path", "query", "name", "key"),
    [
        (ROOT, "PUT", f"/{BUCKET}/a/b%20c.txt", "", "PutObject", "a/b c.txt"),
        (ROOT, "GET", "/", "", "ListBuckets", None),
        (ROOT, "PUT", f"/{BUCKET}", "", "CreateBucket", None),
        (ROOT, "GET", f"/{BUCKET}", "location", "GetBucketLocation", None),
        (VIRTUAL, "GET", "/photos/a.jpg", "", "GetObject", "photos/a.jpg"),
        (VIRTUAL, "GET", "/", "list-type=2", "ListObjectsV2", None),
        (VIRTUAL, "GET", "/", "uploads", "ListMultipartUploads", None),
        (VIRTUAL, "HEAD", "/", "", "HeadBucket", None),
        (PREFIXED, "GET", f"{PREFIX}/{BUCKET}/k", "attributes", "GetObjectAttributes", "k"),
    ],
)
def test_resolve_reads_the_path_as_the_mount_says(
    mount: Mount, method: str, path: str, query: str, name: str, key: str | None
) -> None:
    operation = resolve(S3Request(method, path, query), BUCKET, mount)
    assert (operation.name, operation.key) == (name, key)


def test_another_bucket_at_the_root_is_no_such_bucket() -> None:
    with pytest.raises(errors.NoSuchBucket):
        resolve(S3Request("GET", "/other-bucket/k"), BUCKET, ROOT)


# --- Accept-Encoding in the signature (aws-sdk-go-v2, rclone) --------------------------------

RCLONE_AUTHORIZATION = (
    f"AWS4-HMAC-SHA256 Credential={ROOT_ID}/20261207/us-east-1/s3/aws4_request, "
    "SignedHeaders=accept-encoding;amz-sdk-invocation-id;amz-sdk-request;host;"
    "x-amz-content-sha256;x-amz-date, Signature=" + "0" * 64
)


def test_signs_accept_encoding_reads_signed_headers() -> None:
    assert signs_accept_encoding({"authorization": RCLONE_AUTHORIZATION}, "")
    plain = _sent(lambda s3: s3.get_object(Bucket=BUCKET, Key="k"))
    assert not signs_accept_encoding(plain.headers, plain.query)  # botocore signs no such header
    assert signs_accept_encoding({}, "X-Amz-SignedHeaders=accept-encoding%3Bhost&X-Amz-Date=1")
    assert not signs_accept_encoding({}, "")

"""The S3 surface in `make bench`: presigned URLs for the CPU table, and large PutObjects
(UNSIGNED-PAYLOAD, a CRC32 header checked in JS, aws-chunked with a trailing CRC32) and a
presigned POST for the upload table.

Requests are signed by botocore (presigned URLs by boto3's generate_presigned_url, headers by
botocore's S3SigV4Auth: the signer backends use). The aws-chunked framing of the body is
written here, as botocore writes it (1 MiB chunks, then ``0``, the trailer, an empty line),
so the upload streams at the bench's pace instead of through a TLS hop.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import zlib
from collections.abc import Iterator

import boto3
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

BUCKET = "r2gate-assets"  # wrangler.toml's S3_BUCKET
KEY_ID = "R2GATEBENCHKEY000001"
SECRET = "bench-s3-secret-" + "b" * 32
SETTINGS = {"S3_ACCESS_KEY_ID": KEY_ID, "S3_SECRET_ACCESS_KEY": SECRET}


def presigner(port: int):  # type: ignore[no-untyped-def]
    return boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}/api/s3",
        aws_access_key_id=KEY_ID,
        aws_secret_access_key=SECRET,
        region_name="auto",
    )


def presigned_path(port: int, method: str, key: str) -> str:
    """The path and query of a presigned URL (the bench sends it to the same host)."""
    operation = {"GET": "get_object", "PUT": "put_object"}[method]
    url = presigner(port).generate_presigned_url(
        operation, Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=86400
    )
    return url.split(f"127.0.0.1:{port}", 1)[1]


LISTED = "bench/list/"  # 1,000 objects, put before the CPU rows
LISTED_KEYS = 1000


def list_path(port: int) -> str:
    """A presigned ListObjectsV2 of the 1,000 keys under LISTED."""
    url = presigner(port).generate_presigned_url(
        "list_objects_v2",
        Params={"Bucket": BUCKET, "Prefix": LISTED, "MaxKeys": LISTED_KEYS},
        ExpiresIn=86400,
    )
    return url.split(f"127.0.0.1:{port}", 1)[1]


def delete_request(port: int, count: int) -> tuple[str, bytes, dict[str, str]]:
    """A presigned DeleteObjects of `count` keys: its path, its Delete document and headers
    (Content-MD5, as S3 requires for DeleteObjects)."""
    request = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/api/s3/{BUCKET}?delete=")
    S3SigV4QueryAuth(Credentials(KEY_ID, SECRET), "s3", "auto", expires=86400).add_auth(request)
    url = request.url
    objects = "".join(f"<Object><Key>bench/delete/{i:04d}</Key></Object>" for i in range(count))
    body = f"<Delete><Quiet>false</Quiet>{objects}</Delete>".encode()
    md5 = base64.b64encode(hashlib.md5(body).digest()).decode()  # noqa: S324 (S3's Content-MD5)
    headers = {"Content-MD5": md5, "Content-Type": "application/xml"}
    return url.split(f"127.0.0.1:{port}", 1)[1], body, headers


def _signed_headers(port: int, key: str, headers: dict[str, str], trailer: bool) -> dict[str, str]:
    request = AWSRequest(
        method="PUT", url=f"http://127.0.0.1:{port}/api/s3/{BUCKET}/{key}", headers=headers
    )
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    if trailer:
        request.context["checksum"] = {
            "request_algorithm": {
                "in": "trailer",
                "algorithm": "crc32",
                "name": "x-amz-checksum-crc32",
            }
        }
    S3SigV4Auth(Credentials(KEY_ID, SECRET), "s3", "auto").add_auth(request)
    return {name: str(value) for name, value in request.headers.items()}


def _crc32(chunks: Iterator[bytes]) -> str:
    crc = 0
    for chunk in chunks:
        crc = zlib.crc32(chunk, crc)
    return base64.b64encode(crc.to_bytes(4, "big")).decode("ascii")


def put(
    port: int, key: str, size: int, chunks: Iterator[bytes], crc: Iterator[bytes], mode: str
) -> None:
    """One PutObject of `size` bytes: mode "unsigned", "crc32-header" or "aws-chunked"."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    if mode == "aws-chunked":
        headers = _signed_headers(
            port,
            key,
            {
                "Content-Encoding": "aws-chunked",
                "X-Amz-Decoded-Content-Length": str(size),
                "X-Amz-Trailer": "x-amz-checksum-crc32",
            },
            trailer=True,
        )
        checksum = _crc32(crc)
        conn.putrequest("PUT", f"/api/s3/{BUCKET}/{key}")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for chunk in chunks:
            framed = b"%x\r\n%s\r\n" % (len(chunk), chunk)
            conn.send(b"%x\r\n%s\r\n" % (len(framed), framed))  # HTTP chunked, as urllib3 does
        tail = f"0\r\nx-amz-checksum-crc32:{checksum}\r\n\r\n".encode()
        conn.send(b"%x\r\n%s\r\n0\r\n\r\n" % (len(tail), tail))
    else:
        extra = {"x-amz-checksum-crc32": _crc32(crc)} if mode == "crc32-header" else {}
        headers = _signed_headers(port, key, {"Content-Length": str(size), **extra}, trailer=False)
        conn.putrequest("PUT", f"/api/s3/{BUCKET}/{key}")
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        for chunk in chunks:
            conn.send(chunk)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 200:
        raise SystemExit(f"bench: S3 PutObject ({mode}) -> {response.status} {data[:300]!r}")


def post(port: int, key: str, size: int, chunks: Iterator[bytes]) -> None:
    """A presigned POST (boto3's generate_presigned_post) carrying a `size`-byte file, the
    form framed as a browser frames it: the fields, the file part, the closing delimiter."""
    form = presigner(port).generate_presigned_post(
        BUCKET, key, Conditions=[["content-length-range", 0, size]], ExpiresIn=3600
    )
    boundary = "----r2gateBenchBoundary" + base64.b16encode(key.encode()).decode()[:16]
    head = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in form["fields"].items()
    )
    head += (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f.bin"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode()
    closing = f"\r\n--{boundary}--\r\n".encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    conn.putrequest("POST", f"/api/s3/{BUCKET}")
    conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
    conn.putheader("Content-Length", str(len(head) + size + len(closing)))
    conn.endheaders()
    conn.send(head)
    for chunk in chunks:
        conn.send(chunk)
    conn.send(closing)
    response = conn.getresponse()
    data = response.read()
    conn.close()
    if response.status != 204:
        raise SystemExit(f"bench: presigned POST -> {response.status} {data[:300]!r}")

"""boto3 over HTTPS, as in production: uploads travel aws-chunked
(STREAMING-UNSIGNED-PAYLOAD-TRAILER, no Content-Length, a trailing CRC32), decoded by the
Worker as they stream, the trailer verified before R2 stores anything. A local TLS proxy
(tests/support/tls_proxy.py) gives boto3 its HTTPS path; the bytes reach the Worker as sent."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from botocore.exceptions import ClientError

from tests.support.client import Client
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET
from tests.support.tls_proxy import TlsProxy

BUCKET = S3_BUCKET


@pytest.fixture(scope="module")
def tls(server: RunningServer, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TlsProxy]:
    upstream = urlsplit(server.url)
    if upstream.scheme != "http":
        pytest.fail("the TLS proxy relays to a plain-HTTP test server")
    with TlsProxy(upstream.port or 80, tmp_path_factory.mktemp("tls")) as proxy:
        yield proxy


@pytest.fixture()
def s3(tls: TlsProxy):  # type: ignore[no-untyped-def]
    client = s3_client(tls.url, verify=str(tls.certificate))
    client.sent = []  # type: ignore[attr-defined]
    client.meta.events.register(
        "before-send.s3.*", lambda request, **_: client.sent.append(dict(request.headers))
    )
    return client


def test_put_object_over_https_is_aws_chunked_and_stored_whole(
    s3, client: Client, prefix: str
) -> None:
    data = bytes(range(256)) * 12289  # 3 MiB and a bit: several aws-chunked chunks
    key = f"{prefix}scan.ply"
    put = s3.put_object(Bucket=BUCKET, Key=key, Body=data)
    headers = s3.sent[-1]
    assert headers["X-Amz-Content-SHA256"] == b"STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert headers["Content-Encoding"] == b"aws-chunked"
    assert headers["X-Amz-Trailer"] == b"x-amz-checksum-crc32"
    assert "Content-Length" not in headers
    got = client.get("/" + key)
    assert got.body == data
    assert got.headers["etag"] == put["ETag"]
    assert "content-encoding" not in got.headers  # aws-chunked is not stored


def test_upload_file_over_https_sends_aws_chunked_parts(
    s3, client: Client, prefix: str, tmp_path: Path
) -> None:
    source = tmp_path / "video.mp4"
    data = b"\x00\x01" * (5 * 1024 * 1024)  # 10 MiB: an 8 MiB part and a 2 MiB one
    source.write_bytes(data)
    key = f"{prefix}video.mp4"
    s3.upload_file(str(source), BUCKET, key)
    parts = [h for h in s3.sent if h.get("Content-Encoding") == b"aws-chunked"]
    assert len(parts) == 2
    copy = tmp_path / "copy.mp4"
    s3.download_file(BUCKET, key, str(copy))
    assert copy.read_bytes() == data


def _corrupt_payload(request, **_):  # type: ignore[no-untyped-def]
    """Flip one payload byte of the aws-chunked body after boto3 framed and signed it (the
    trailer still carries the CRC32 of the original bytes)."""
    framed = request.body.read()
    first_line = framed.index(b"\r\n") + 2
    request.body = framed[:first_line] + bytes([framed[first_line] ^ 1]) + framed[first_line + 1 :]


def test_a_wrong_trailing_checksum_stores_nothing(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}corrupt.bin"
    s3.meta.events.register("before-send.s3.PutObject", _corrupt_payload)
    with pytest.raises(ClientError) as refused:
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"abcdef" * 100_000)
    assert error_code(refused.value) == (400, "BadDigest")
    assert client.get("/" + key).status == 404


def test_a_wrong_trailing_checksum_on_a_part_is_refused(s3, prefix: str) -> None:
    key = f"{prefix}corrupt-part.bin"
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    s3.meta.events.register("before-send.s3.UploadPart", _corrupt_payload)
    with pytest.raises(ClientError) as refused:
        s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=b"p" * 1000)
    assert error_code(refused.value) == (400, "BadDigest")
    assert s3.list_parts(Bucket=BUCKET, Key=key, UploadId=upload_id).get("Parts", []) == []
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload_id)


def test_unsigned_payload_and_a_plain_sha256_over_https(
    tls: TlsProxy, client: Client, prefix: str
) -> None:
    """The other two modes a configured client sends: UNSIGNED-PAYLOAD (payload signing off)
    and a hex SHA-256 without a checksum header."""
    for name, config in (
        ("unsigned", {"s3": {"payload_signing_enabled": False}}),
        ("sha256", {}),
    ):
        s3 = s3_client(
            tls.url,
            verify=str(tls.certificate),
            request_checksum_calculation="when_required",
            **config,
        )
        sent: list[dict] = []
        s3.meta.events.register(
            "before-send.s3.PutObject",
            lambda request, sent=sent, **_: sent.append(dict(request.headers)),
        )
        key = f"{prefix}{name}.bin"
        s3.put_object(Bucket=BUCKET, Key=key, Body=b"body of " + name.encode())
        mode = sent[-1]["X-Amz-Content-SHA256"]
        assert (mode == b"UNSIGNED-PAYLOAD") is (name == "unsigned")
        assert client.get("/" + key).body == b"body of " + name.encode()

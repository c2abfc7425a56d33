"""The aws-chunked framing decoder on bodies botocore itself frames, split anywhere."""

from __future__ import annotations

import contextlib
import io
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from r2gate.s3 import errors
from r2gate.s3.aws_chunked import (
    AwsChunkedDecoder,
    Done,
    Pass,
    Read,
    parse_chunked_upload,
)

from .boto import BUCKET, client, sent_one


def boto_upload(payload: bytes, **params):
    """The headers and aws-chunked body boto3 sends for put_object over HTTPS."""
    request, body = sent_one(
        lambda s3: s3.put_object(Bucket=BUCKET, Key="k", Body=io.BytesIO(payload), **params),
        client(scheme="https"),
    )
    return request.headers, body


def run(headers, body: bytes, cuts: list[int] | None = None) -> tuple[bytes, Done]:
    """Drive the decoder as the Worker would: JS chunks split at `cuts`, payload passed
    through by slicing, only framing bytes fed to Python."""
    upload = parse_chunked_upload(headers)
    decoder = AwsChunkedDecoder(upload)
    points = sorted({0, len(body), *[c for c in (cuts or []) if 0 < c < len(body)]})
    chunks = [body[a:b] for a, b in zip(points, points[1:], strict=False)]
    passed = bytearray()
    framing_fed = 0
    for chunk in chunks:
        offset = 0
        while offset < len(chunk):
            step = decoder.next_step()
            if isinstance(step, Pass):
                count = min(step.count, len(chunk) - offset)
                passed += chunk[offset : offset + count]
                decoder.passed(count)
                offset += count
            elif isinstance(step, Read):
                view = chunk[offset : offset + min(step.limit, len(chunk) - offset)]
                used = decoder.feed(view)
                framing_fed += used
                offset += used
            else:
                decoder.feed(chunk[offset:])  # bytes after the end: must raise
                raise AssertionError("the decoder accepted bytes after its trailer")
    done = decoder.finish()
    assert framing_fed == len(body) - len(passed)
    return bytes(passed), done


def test_botocore_small_body():
    headers, body = boto_upload(b"hello")
    payload, done = run(headers, body)
    assert payload == b"hello"
    assert done.decoded_length == 5
    assert done.checksum is not None and done.checksum.algorithm == "crc32"
    assert done.checksum.digest_stream_algorithm == "crc32"
    done.checksum.verify(zlib.crc32(payload).to_bytes(4, "big"))
    with pytest.raises(errors.BadDigest):
        done.checksum.verify(zlib.crc32(b"hellO").to_bytes(4, "big"))


@pytest.fixture(scope="module")
def big():
    payload = bytes(range(256)) * (3 * 4096 + 17)  # ~3 MiB: several 1 MiB chunks
    return payload, *boto_upload(payload, ContentType="model/gltf-binary")


def test_botocore_multi_chunk_body(big):
    payload, headers, body = big
    assert body.count(b"\r\n100000\r\n") >= 1
    passed, done = run(headers, body, cuts=[1, 7, 65536, 1048581, 1048584, len(body) - 3])
    assert passed == payload
    done.checksum.verify(zlib.crc32(payload).to_bytes(4, "big"))


@settings(max_examples=60, deadline=None)
@given(cuts=st.lists(st.integers(0, 3 * 1024 * 1024), max_size=12))
def test_any_split_of_the_stream_decodes_the_same(big, cuts):
    payload, headers, body = big
    passed, done = run(headers, body, cuts)
    assert passed == payload and done.decoded_length == len(payload)


def test_empty_body():
    headers, body = boto_upload(b"")
    payload, done = run(headers, body)
    assert payload == b"" and done.decoded_length == 0


def test_headers():
    headers, _ = boto_upload(b"x")
    upload = parse_chunked_upload(headers)
    assert upload.trailer == "x-amz-checksum-crc32" and upload.content_encoding is None
    assert (
        parse_chunked_upload({**headers, "content-encoding": "aws-chunked, gzip"}).content_encoding
        == "gzip"
    )
    with pytest.raises(errors.InvalidArgument):
        parse_chunked_upload({**headers, "content-encoding": "gzip"})
    with pytest.raises(errors.MissingContentLength):
        parse_chunked_upload(
            {k: v for k, v in headers.items() if k != "x-amz-decoded-content-length"}
        )
    with pytest.raises(errors.InvalidArgument):
        parse_chunked_upload({**headers, "x-amz-decoded-content-length": "-1"})
    with pytest.raises(errors.InvalidArgument):
        parse_chunked_upload({**headers, "x-amz-trailer": "x-amz-meta-a"})
    assert parse_chunked_upload({**headers, "x-amz-trailer": ""}).trailer is None


H = {
    "content-encoding": "aws-chunked",
    "x-amz-decoded-content-length": "5",
    "x-amz-trailer": "x-amz-checksum-crc32",
}
GOOD = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"


@pytest.mark.parametrize(
    ("body", "headers", "error"),
    [
        (GOOD[:-2], H, errors.IncompleteBody),
        (GOOD[:10], H, errors.IncompleteBody),
        (GOOD + b"x", H, errors.MalformedAwsChunked),
        (GOOD.replace(b"5\r\n", b"6\r\n", 1), H, errors.MalformedAwsChunked),
        (
            GOOD.replace(b"5\r\nhello", b"4\r\nhell", 1).replace(b"o\r\n0", b"\r\n0"),
            H,
            errors.IncompleteBody,
        ),
        (GOOD.replace(b"5\r\n", b"5;chunk-signature=ab\r\n", 1), H, errors.MalformedAwsChunked),
        (GOOD.replace(b"5\r\n", b"+5\r\n", 1), H, errors.MalformedAwsChunked),
        (GOOD.replace(b"5\r\n", b"5\n", 1), H, errors.MalformedAwsChunked),
        (GOOD.replace(b"hello\r\n", b"helloXY", 1), H, errors.MalformedAwsChunked),
        (b"0" * 70 + b"5\r\n", H, errors.MalformedAwsChunked),
        (GOOD.replace(b"crc32:", b"crc32c:"), H, errors.MalformedAwsChunked),
        (GOOD.replace(b"x-amz-checksum-crc32:NhCmhg==\r\n", b""), H, errors.IncompleteBody),
        (GOOD.replace(b"NhCmhg==", b"NhCm"), H, errors.InvalidRequest),
        (
            GOOD.replace(b"\r\n\r\n", b"\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n"),
            H,
            errors.MalformedAwsChunked,
        ),
        (
            GOOD.replace(
                b"x-amz-checksum-crc32:NhCmhg==\r\n",
                b"x-amz-checksum-crc32:NhCmhg==" + b"=" * 2000 + b"\r\n",
            ),
            H,
            errors.MalformedAwsChunked,
        ),
    ],
    ids=[
        "no-final-crlf",
        "truncated",
        "bytes-after-end",
        "size-over-decoded-length",
        "fewer-than-decoded",
        "chunk-extension",
        "plus-sign",
        "bare-lf",
        "no-crlf-after-data",
        "long-size-line",
        "unannounced-trailer",
        "missing-trailer",
        "short-checksum",
        "repeated-trailer",
        "long-trailer",
    ],
)
def test_malformed_framing(body, headers, error):
    with pytest.raises(error):
        run(headers, body)


def test_without_trailer():
    headers = {"content-encoding": "aws-chunked", "x-amz-decoded-content-length": "3"}
    payload, done = run(headers, b"3\r\nabc\r\n0\r\n\r\n", cuts=[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    assert payload == b"abc" and done.checksum is None
    with pytest.raises(errors.MalformedAwsChunked):
        run(headers, b"3\r\nabc\r\n0\r\nx-amz-checksum-crc32:NhCmhg==\r\n\r\n")


def test_passed_must_follow_the_steps():
    decoder = AwsChunkedDecoder(parse_chunked_upload(H))
    with pytest.raises(ValueError):
        decoder.passed(1)
    assert decoder.feed(b"5\r\nhe") == 3
    assert decoder.next_step() == Pass(5)
    with pytest.raises(ValueError):
        decoder.passed(6)


@settings(max_examples=400, deadline=None)
@given(body=st.binary(max_size=300), cut=st.integers(0, 300))
def test_any_bytes_give_a_decision_or_an_s3_error(body, cut):
    with contextlib.suppress(errors.S3Error):
        run(H, body, [cut])

"""The operations tools send that r2gate added: ListMultipartUploads (its query, its XML),
UploadPartCopy (x-amz-copy-source-range, CopyPartResult), ``?partNumber=`` reads (part
ranges), GetObjectAttributes (the attributes asked for, the XML), Get/PutObjectAcl's
AccessControlPolicy. The requests are boto3's own, captured; the documents r2gate writes are
read back by boto3's own response parser."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse
from hypothesis import given
from hypothesis import strategies as st

from r2gate.s3 import errors
from r2gate.s3 import xml as s3xml
from r2gate.s3.operations import (
    MAX_UPLOAD_ID_CHARS,
    OBJECT_ATTRIBUTES,
    UploadsQuery,
    copy_source_range,
    object_attributes,
    parse_uploads_query,
    part_range,
    whole_number,
)
from r2gate.s3.request import S3Request

from .boto import BUCKET, client, sent_one

WHEN = datetime(2026, 12, 7, 12, 0, 1, tzinfo=UTC)
MIB = 1024 * 1024


class _Body(io.BytesIO):
    def stream(self, **_: Any) -> Any:
        yield self.read()


def answered(call: Callable[[Any], Any], body: bytes, headers: dict[str, str] | None = None) -> Any:
    """What boto3 returns when the server answers `body` (200)."""
    s3 = client()

    def reply(request: Any, **_: Any) -> AWSResponse:
        head = {"Content-Length": str(len(body)), **(headers or {})}
        return AWSResponse(request.url, 200, head, _Body(body))

    s3.meta.events.register("before-send.s3.*", reply)
    return call(s3)


# --- ListMultipartUploads --------------------------------------------------------------------


def test_the_uploads_query_boto3_and_the_aws_cli_send() -> None:
    request, _ = sent_one(
        lambda s3: s3.list_multipart_uploads(
            Bucket=BUCKET,
            Prefix="photos/2026 ü/",
            Delimiter="/",
            KeyMarker="photos/2026 ü/a+b.jpg",
            UploadIdMarker="7f3a",
            MaxUploads=5,
        )
    )
    assert parse_uploads_query(request) == UploadsQuery(
        prefix="photos/2026 ü/",
        delimiter="/",
        key_marker="photos/2026 ü/a+b.jpg",
        upload_id_marker="7f3a",
        max_uploads=5,
        encoding_type=None,
    )
    bare, _ = sent_one(lambda s3: s3.list_multipart_uploads(Bucket=BUCKET))
    assert parse_uploads_query(bare) == UploadsQuery()  # everything, 1000 at most


def _uploads(query: str) -> UploadsQuery:
    return parse_uploads_query(S3Request("GET", f"/api/s3/{BUCKET}", f"uploads&{query}"))


def test_max_uploads_is_capped_and_bad_values_are_invalid_argument() -> None:
    assert _uploads("max-uploads=5000").max_uploads == 1000
    assert _uploads("max-uploads=0").max_uploads == 0
    assert _uploads("encoding-type=url").encoding_type == "url"
    for bad in ("max-uploads=-1", "max-uploads=ten", "encoding-type=base64", "prefix=a&prefix=b"):
        with pytest.raises(errors.InvalidArgument):
            _uploads(bad)
    with pytest.raises(errors.InvalidArgument):
        _uploads("upload-id-marker=" + "u" * (MAX_UPLOAD_ID_CHARS + 1))


def test_common_prefix_rolls_keys_up_after_the_prefix() -> None:
    query = UploadsQuery(prefix="a/", delimiter="/")
    assert query.common_prefix("a/b/c.bin") == "a/b/"
    assert query.common_prefix("a/c.bin") is None
    assert UploadsQuery(delimiter="/").common_prefix("x/y/z") == "x/"
    assert UploadsQuery(prefix="a/").common_prefix("a/b/c") is None  # no delimiter
    assert UploadsQuery(delimiter="--").common_prefix("v1--v2--v3") == "v1--"


def test_the_uploads_document_reads_back_in_boto3() -> None:
    body = s3xml.list_multipart_uploads_result(
        bucket=BUCKET,
        prefix="p/",
        delimiter="/",
        key_marker="p/a.bin",
        upload_id_marker="u0",
        max_uploads=2,
        uploads=[
            s3xml.ListedUpload("p/b <&>.bin", "u1", WHEN),
            s3xml.ListedUpload("p/c.bin", "u2", WHEN, checksum_algorithm="crc32"),
        ],
        common_prefixes=["p/d/"],
        truncated=True,
        next_key_marker="p/c.bin",
        next_upload_id_marker="u2",
    )
    parsed = answered(lambda s3: s3.list_multipart_uploads(Bucket=BUCKET, Prefix="p/"), body)
    assert [(u["Key"], u["UploadId"]) for u in parsed["Uploads"]] == [
        ("p/b <&>.bin", "u1"),
        ("p/c.bin", "u2"),
    ]
    assert parsed["Uploads"][0]["Initiated"] == WHEN
    assert parsed["Uploads"][1]["ChecksumAlgorithm"] == "CRC32"
    assert "ChecksumAlgorithm" not in parsed["Uploads"][0]
    assert parsed["CommonPrefixes"] == [{"Prefix": "p/d/"}]
    assert parsed["IsTruncated"] is True and parsed["MaxUploads"] == 2
    assert (parsed["NextKeyMarker"], parsed["NextUploadIdMarker"]) == ("p/c.bin", "u2")
    assert (parsed["KeyMarker"], parsed["UploadIdMarker"]) == ("p/a.bin", "u0")


def test_an_untruncated_uploads_page_has_no_next_markers() -> None:
    body = s3xml.list_multipart_uploads_result(
        bucket=BUCKET,
        prefix="",
        delimiter=None,
        key_marker="",
        upload_id_marker="",
        max_uploads=1000,
        uploads=[],
        common_prefixes=[],
        truncated=False,
        next_key_marker="ignored",
        next_upload_id_marker="ignored",
        encoding_type="url",
    )
    parsed = answered(lambda s3: s3.list_multipart_uploads(Bucket=BUCKET), body)
    assert parsed["IsTruncated"] is False and "Uploads" not in parsed
    assert "NextKeyMarker" not in parsed and "NextUploadIdMarker" not in parsed
    assert parsed["EncodingType"] == "url"


def test_url_encoding_carries_any_key() -> None:
    body = s3xml.list_multipart_uploads_result(
        bucket=BUCKET,
        prefix="p/",
        delimiter=None,
        key_marker="",
        upload_id_marker="",
        max_uploads=1000,
        uploads=[s3xml.ListedUpload("p/\x01 ü.bin", "u1", WHEN)],
        common_prefixes=[],
        truncated=False,
        encoding_type="url",
    )
    assert b"\x01" not in body
    parsed = answered(lambda s3: s3.list_multipart_uploads(Bucket=BUCKET), body)
    assert parsed["Uploads"][0]["Key"] == "p/%01%20%C3%BC.bin"  # the client decodes it


# --- UploadPartCopy ----------------------------------------------------------------------------


def _copy_headers(**extra: Any) -> dict[str, str]:
    request, _ = sent_one(
        lambda s3: s3.upload_part_copy(
            Bucket=BUCKET,
            Key="dest.bin",
            UploadId="U1",
            PartNumber=1,
            CopySource={"Bucket": BUCKET, "Key": "src.bin"},
            **extra,
        )
    )
    return dict(request.headers)


def test_copy_source_range_as_boto3_sends_it() -> None:
    headers = _copy_headers(CopySourceRange=f"bytes=0-{5 * MIB - 1}")
    assert copy_source_range(headers, 6 * MIB) == (0, 5 * MIB)
    assert copy_source_range(_copy_headers(CopySourceRange="bytes=10-10"), 11) == (10, 1)
    assert copy_source_range(_copy_headers(), 6 * MIB) == (0, 6 * MIB)  # the whole source


@pytest.mark.parametrize(
    "value",
    [
        "bytes=10-",  # S3 takes only first-last
        "bytes=-10",
        "bytes=5-4",
        "bytes=0-100",  # past the end of a 100-byte source
        "bytes=0-1,3-4",
        "items=0-1",
        "bytes=0x1-2",
    ],
)
def test_a_bad_copy_source_range_is_invalid_argument(value: str) -> None:
    with pytest.raises(errors.InvalidArgument) as caught:
        copy_source_range({"x-amz-copy-source-range": value}, 100)
    assert caught.value.details["ArgumentName"] == "x-amz-copy-source-range"


@given(size=st.integers(1, 10**12), data=st.data())
def test_a_valid_copy_range_stays_inside_the_source(size: int, data: st.DataObject) -> None:
    first = data.draw(st.integers(0, size - 1))
    last = data.draw(st.integers(first, size - 1))
    offset, length = copy_source_range({"x-amz-copy-source-range": f"bytes={first}-{last}"}, size)
    assert (offset, length) == (first, last - first + 1) and offset + length <= size


def test_the_copy_part_result_reads_back_in_boto3() -> None:
    body = s3xml.copy_part_result('"abc-1"', WHEN)
    parsed = answered(
        lambda s3: s3.upload_part_copy(
            Bucket=BUCKET,
            Key="d",
            UploadId="U1",
            PartNumber=1,
            CopySource={"Bucket": BUCKET, "Key": "s"},
        ),
        body,
    )
    assert parsed["CopyPartResult"] == {"ETag": '"abc-1"', "LastModified": WHEN}


# --- ?partNumber= reads --------------------------------------------------------------------------


def test_part_ranges_of_a_multipart_object() -> None:
    sizes = [5 * MIB, 5 * MIB, 4]
    assert part_range(sizes, 1) == (0, 5 * MIB)
    assert part_range(sizes, 2) == (5 * MIB, 5 * MIB)
    assert part_range(sizes, 3) == (10 * MIB, 4)
    assert part_range([123], 1) == (0, 123)  # a single put is its own part 1
    for past in (4, 10_000):
        with pytest.raises(errors.InvalidPartNumber) as caught:
            part_range(sizes, past)
        assert caught.value.status == 416


@given(sizes=st.lists(st.integers(1, 10**9), min_size=1, max_size=50), data=st.data())
def test_parts_tile_the_object(sizes: list[int], data: st.DataObject) -> None:
    number = data.draw(st.integers(1, len(sizes)))
    offset, length = part_range(sizes, number)
    assert length == sizes[number - 1] and offset == sum(sizes[: number - 1])
    assert offset + length <= sum(sizes)


# --- GetObjectAttributes ---------------------------------------------------------------------


def test_the_attributes_boto3_asks_for() -> None:
    request, _ = sent_one(
        lambda s3: s3.get_object_attributes(
            Bucket=BUCKET, Key="k", ObjectAttributes=["ETag", "ObjectSize", "ObjectParts"]
        )
    )
    assert object_attributes(request.headers) == {"ETag", "ObjectSize", "ObjectParts"}
    everything = ", ".join(sorted(OBJECT_ATTRIBUTES))
    assert object_attributes({"x-amz-object-attributes": everything}) == OBJECT_ATTRIBUTES


@pytest.mark.parametrize("value", [None, "", " , ", "ETag,Owner", "etag"])
def test_unknown_or_no_attributes_are_invalid_argument(value: str | None) -> None:
    headers = {} if value is None else {"x-amz-object-attributes": value}
    with pytest.raises(errors.InvalidArgument):
        object_attributes(headers)


def test_whole_number_parameters() -> None:
    assert whole_number(None, "x-amz-max-parts", 1000, 1000) == 1000
    assert whole_number(" 7 ", "x-amz-max-parts", 1000, 1000) == 7
    assert whole_number("5000", "x-amz-max-parts", 1000, 1000) == 1000
    for bad in ("-1", "1.5", "", "x"):
        with pytest.raises(errors.InvalidArgument) as caught:
            whole_number(bad, "x-amz-part-number-marker", 0, 10_000)
        assert caught.value.details["ArgumentName"] == "x-amz-part-number-marker"


PARTS = [
    s3xml.AttributePart(1, 5 * MIB, ("crc32", "AAAAAA==")),
    s3xml.AttributePart(2, 5 * MIB),
    s3xml.AttributePart(3, 4),
]


def _attributes(wanted: frozenset[str], body: bytes, **params: Any) -> Any:
    return answered(
        lambda s3: s3.get_object_attributes(
            Bucket=BUCKET, Key="k", ObjectAttributes=sorted(wanted), **params
        ),
        body,
    )


def test_the_attributes_document_reads_back_in_boto3() -> None:
    body = s3xml.object_attributes_result(
        wanted=OBJECT_ATTRIBUTES,
        etag='"0123abcd-3"',
        size=10 * MIB + 4,
        checksum=("crc32", "Nks/tw==", "COMPOSITE"),
        parts=PARTS,
        max_parts=1000,
        part_number_marker=0,
    )
    parsed = _attributes(OBJECT_ATTRIBUTES, body)
    assert parsed["ETag"] == "0123abcd-3"  # unquoted, as S3 answers
    assert parsed["ObjectSize"] == 10 * MIB + 4 and parsed["StorageClass"] == "STANDARD"
    assert parsed["Checksum"]["ChecksumCRC32"] == "Nks/tw=="
    assert parsed["Checksum"]["ChecksumType"] == "COMPOSITE"
    parts = parsed["ObjectParts"]
    assert parts["TotalPartsCount"] == 3 and parts["IsTruncated"] is False
    assert [(p["PartNumber"], p["Size"]) for p in parts["Parts"]] == [
        (1, 5 * MIB),
        (2, 5 * MIB),
        (3, 4),
    ]
    assert parts["Parts"][0]["ChecksumCRC32"] == "AAAAAA=="


def test_attributes_parts_page_by_marker() -> None:
    wanted = frozenset({"ObjectParts"})
    body = s3xml.object_attributes_result(
        wanted=wanted,
        etag="e",
        size=0,
        checksum=None,
        parts=PARTS,
        max_parts=1,
        part_number_marker=1,
    )
    parts = _attributes(wanted, body, MaxParts=1, PartNumberMarker=1)["ObjectParts"]
    assert [p["PartNumber"] for p in parts["Parts"]] == [2]
    assert parts["IsTruncated"] is True and parts["NextPartNumberMarker"] == 2
    assert parts["PartNumberMarker"] == 1 and parts["MaxParts"] == 1


def test_only_the_attributes_asked_for_are_answered() -> None:
    wanted = frozenset({"ObjectSize"})
    body = s3xml.object_attributes_result(
        wanted=wanted,
        etag="e",
        size=42,
        checksum=("crc32", "Nks/tw==", "FULL_OBJECT"),
        parts=None,
        max_parts=1000,
        part_number_marker=0,
    )
    parsed = _attributes(wanted, body)
    assert parsed["ObjectSize"] == 42
    assert not {"ETag", "Checksum", "ObjectParts", "StorageClass"} & set(parsed)
    single = s3xml.object_attributes_result(
        wanted=frozenset({"ObjectParts", "ETag"}),
        etag="e",
        size=1,
        checksum=None,
        parts=None,  # a single put: no parts to show
        max_parts=1000,
        part_number_marker=0,
    )
    assert "ObjectParts" not in _attributes(frozenset({"ObjectParts", "ETag"}), single)


# --- ACLs ------------------------------------------------------------------------------------


@pytest.mark.parametrize("public", [True, False])
def test_the_acl_document_says_who_can_read(public: bool) -> None:
    body = s3xml.access_control_policy(public)
    parsed = answered(lambda s3: s3.get_object_acl(Bucket=BUCKET, Key="k"), body)
    grants = {(g["Grantee"]["Type"], g["Permission"]) for g in parsed["Grants"]}
    expected = {("CanonicalUser", "FULL_CONTROL")}
    if public:
        expected.add(("Group", "READ"))
        all_users = [g for g in parsed["Grants"] if g["Grantee"]["Type"] == "Group"]
        assert all_users[0]["Grantee"]["URI"] == "http://acs.amazonaws.com/groups/global/AllUsers"
    assert grants == expected
    assert parsed["Owner"]["ID"]
    bucket = answered(lambda s3: s3.get_bucket_acl(Bucket=BUCKET), body)
    assert len(bucket["Grants"]) == len(expected)

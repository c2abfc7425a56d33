"""S3 XML: every document read back by boto3's own response parsers, and the request
bodies boto3 writes parsed by the bounded parsers."""

from __future__ import annotations

import contextlib
import io
from datetime import UTC, datetime

import pytest
from botocore.awsrequest import AWSResponse
from botocore.exceptions import ClientError
from hypothesis import given, settings
from hypothesis import strategies as st

from r2gate.s3 import errors
from r2gate.s3 import xml as s3xml

from .boto import BUCKET, client, sent_one

WHEN = datetime(2026, 11, 26, 9, 40, 38, 123000, tzinfo=UTC)
ODD_KEYS = ["t42/a b+c.png", "t42/ü/é=&<>\"'.txt", "t42/tab\tand\rcr", "t42/\x01ctl", "t42/%2F"]


class _Body(io.BytesIO):
    def stream(self, **_):
        yield self.read()


def answered(call, body: bytes, status: int = 200, headers: dict | None = None):
    """What boto3 returns (or raises) when the server answers `body`."""
    s3 = client()

    def reply(request, **_):
        head = {"Content-Length": str(len(body)), **(headers or {})}
        return AWSResponse(request.url, status, head, _Body(body))

    s3.meta.events.register("before-send.s3.*", reply)
    return call(s3)


def test_error_document_is_a_client_error():
    error = errors.RequestExpired(**{"X-Amz-Expires": "60", "ServerTime": "2026-11-26T09:40:38Z"})
    body = s3xml.error_for(error, "req-1", "/api/s3/b/k")
    with pytest.raises(ClientError) as caught:
        answered(lambda s3: s3.get_object(Bucket=BUCKET, Key="k"), body, error.status)
    err = caught.value.response["Error"]
    assert err["Code"] == "AccessDenied" and err["Message"] == "Request has expired"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert b"<RequestId>req-1</RequestId>" in body and b"<X-Amz-Expires>60</X-Amz-Expires>" in body


@pytest.mark.parametrize("encoding", [None, "url"])
def test_list_objects_v2_round_trips_every_key(encoding):
    """A control character has no XML 1.0 form: only encoding-type=url (which boto3 always
    asks for) carries it, as with S3."""
    keys = ODD_KEYS if encoding == "url" else [k for k in ODD_KEYS if "\x01" not in k]
    entries = [s3xml.ListEntry(key, WHEN, '"etag-1"', 123) for key in keys]
    body = s3xml.list_objects_v2_result(
        bucket=BUCKET,
        prefix="t42/",
        delimiter="/",
        max_keys=1000,
        entries=entries,
        common_prefixes=["t42/dir one/"],
        truncated=True,
        continuation_token="c<1>",
        next_continuation_token="c&2",
        start_after="t42/+",
        encoding_type=encoding,
    )
    parsed = answered(
        lambda s3: s3.list_objects_v2(Bucket=BUCKET, Prefix="t42/", Delimiter="/"), body
    )
    assert [c["Key"] for c in parsed["Contents"]] == keys
    assert parsed["Contents"][0]["LastModified"] == WHEN
    assert parsed["Contents"][0]["ETag"] == '"etag-1"' and parsed["Contents"][0]["Size"] == 123
    assert parsed["CommonPrefixes"] == [{"Prefix": "t42/dir one/"}]
    assert parsed["KeyCount"] == len(keys) + 1 and parsed["IsTruncated"] is True
    assert parsed["NextContinuationToken"] == "c&2" and parsed["StartAfter"] == "t42/+"
    assert parsed["Prefix"] == "t42/" and parsed["Delimiter"] == "/"


def test_list_objects_v1():
    body = s3xml.list_bucket_result(
        bucket=BUCKET,
        prefix="",
        delimiter=None,
        max_keys=2,
        marker="a",
        entries=[s3xml.ListEntry("b c", WHEN, '"e"', 1)],
        common_prefixes=[],
        truncated=True,
        next_marker="b c",
        encoding_type="url",
    )
    parsed = answered(lambda s3: s3.list_objects(Bucket=BUCKET), body)
    assert parsed["Contents"][0]["Key"] == "b c" and parsed["NextMarker"] == "b c"
    assert parsed["IsTruncated"] is True and parsed["Marker"] == "a"


def test_multipart_documents():
    created = answered(
        lambda s3: s3.create_multipart_upload(Bucket=BUCKET, Key=ODD_KEYS[1]),
        s3xml.initiate_multipart_upload_result(BUCKET, ODD_KEYS[1], "up/&1"),
    )
    assert created["UploadId"] == "up/&1" and created["Key"] == ODD_KEYS[1]
    done = answered(
        lambda s3: s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId="u", MultipartUpload={"Parts": []}
        ),
        s3xml.complete_multipart_upload_result("https://x/k", BUCKET, "k", '"abc-2"'),
    )
    assert done["ETag"] == '"abc-2"' and done["Location"] == "https://x/k"
    parts = answered(
        lambda s3: s3.list_parts(Bucket=BUCKET, Key="k", UploadId="u"),
        s3xml.list_parts_result(
            bucket=BUCKET,
            key="k",
            upload_id="u",
            parts=[s3xml.ListedPart(1, WHEN, '"p1"', 8 * 1024 * 1024)],
            max_parts=1000,
            next_part_number_marker=1,
        ),
    )
    assert parts["Parts"][0]["PartNumber"] == 1 and parts["Parts"][0]["Size"] == 8388608
    assert parts["IsTruncated"] is False


def test_delete_copy_and_location_documents():
    deleted = answered(
        lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}]}),
        s3xml.delete_result(["a<b"], [s3xml.DeleteError("t99/x", "AccessDenied", "no")], False),
    )
    assert deleted["Deleted"] == [{"Key": "a<b"}]
    assert deleted["Errors"] == [{"Key": "t99/x", "Code": "AccessDenied", "Message": "no"}]
    quiet = s3xml.delete_result(["a"], [], True)
    assert b"Deleted" not in quiet
    copied = answered(
        lambda s3: s3.copy_object(Bucket=BUCKET, Key="b", CopySource=f"{BUCKET}/a"),
        s3xml.copy_object_result('"e"', WHEN),
    )
    assert copied["CopyObjectResult"]["ETag"] == '"e"'
    location = answered(
        lambda s3: s3.get_bucket_location(Bucket=BUCKET), s3xml.location_constraint("auto")
    )
    assert location["LocationConstraint"] == "auto"


def test_list_buckets_document():
    parsed = answered(lambda s3: s3.list_buckets(), s3xml.list_all_my_buckets_result(BUCKET, WHEN))
    assert [b["Name"] for b in parsed["Buckets"]] == [BUCKET]
    assert parsed["Buckets"][0]["CreationDate"] == WHEN


def test_escaping_is_exact():
    assert s3xml.escape("a&b<c>d\"e'f\rg\x01h\ufffe") == (
        "a&amp;b&lt;c&gt;d&quot;e&apos;f&#13;g&#x1;h&#xFFFE;"
    )


# --- request bodies -------------------------------------------------------------------------


def test_parse_bodies_boto3_sends():
    _, body = sent_one(
        lambda s3: s3.delete_objects(
            Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in ODD_KEYS[:2]], "Quiet": True}
        )
    )
    assert s3xml.parse_delete(body) == s3xml.DeleteRequest(tuple(ODD_KEYS[:2]), True)
    parts = [{"ETag": f'"e{n}"', "PartNumber": n} for n in (1, 2, 10)]
    _, body = sent_one(
        lambda s3: s3.complete_multipart_upload(
            Bucket=BUCKET, Key="k", UploadId="u", MultipartUpload={"Parts": parts}
        )
    )
    assert s3xml.parse_complete_multipart_upload(body) == (
        s3xml.CompletedPart(1, '"e1"'),
        s3xml.CompletedPart(2, '"e2"'),
        s3xml.CompletedPart(10, '"e10"'),
    )


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "y">]><Delete/>', errors.MalformedXML),
        (b"<Delete><Object><Key>&x;</Key></Object></Delete>", errors.MalformedXML),
        (b"<Delete><!-- c --><Object><Key>a</Key></Object></Delete>", errors.MalformedXML),
        (b"<Delete><Object><Key><![CDATA[a]]></Key></Object></Delete>", errors.MalformedXML),
        (b"<Delete><Object><Key>a</Key></Object>", errors.MalformedXML),
        (b"<Delete><Object><Key>a</Key></Object></Delete><Delete/>", errors.MalformedXML),
        (b"<Delete><Object><Key>a</Key><Key>b</Key></Object></Delete>", errors.MalformedXML),
        (
            b"<Delete><Object><Key>a</Key><VersionId>1</VersionId></Object></Delete>",
            errors.InvalidArgument,
        ),
        (b"<Delete></Delete>", errors.MalformedXML),
        (b"<Delete>" + b"<Object><Key>a</Key></Object>" * 1001 + b"</Delete>", errors.MalformedXML),
        (
            b"<Delete><Object><Key><a><b><c>x</c></b></a></Key></Object></Delete>",
            errors.MalformedXML,
        ),
        (b"<Delete><Object><Key>a&#0;</Key></Object></Delete>", errors.MalformedXML),
        (b"<Delete a='1'><Object><Key>a</Key></Object></Delete>", errors.MalformedXML),
        (
            b"<Delete><Quiet>maybe</Quiet><Object><Key>a</Key></Object></Delete>",
            errors.MalformedXML,
        ),
        (b"\xff<Delete/>", errors.MalformedXML),
        (b"<Delete>" + b" " * (3 * 1024 * 1024) + b"</Delete>", errors.MalformedXML),
    ],
)
def test_hostile_delete_bodies(body, error):
    with pytest.raises(error):
        s3xml.parse_delete(body)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"<CompleteMultipartUpload/>", errors.MalformedXML),
        (
            b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber></Part></CompleteMultipartUpload>",
            errors.MalformedXML,
        ),
        (
            b"<CompleteMultipartUpload><Part><PartNumber>0</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
            errors.InvalidArgument,
        ),
        (
            b"<CompleteMultipartUpload><Part><PartNumber>2</PartNumber><ETag>e</ETag></Part>"
            b"<Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>",
            errors.InvalidPartOrder,
        ),
        (b"<Delete><Object><Key>a</Key></Object></Delete>", errors.MalformedXML),
    ],
)
def test_hostile_complete_bodies(body, error):
    with pytest.raises(error):
        s3xml.parse_complete_multipart_upload(body)


def test_entities_and_references_are_decoded():
    body = b"<Delete><Object><Key>a&amp;b&#x41;&#66;&lt;</Key></Object></Delete>"
    assert s3xml.parse_delete(body).keys == ("a&bAB<",)


@settings(max_examples=500, deadline=None)
@given(
    st.binary(max_size=300) | st.text(max_size=200).map(lambda t: f"<Delete>{t}</Delete>".encode())
)
def test_any_body_gives_a_request_or_an_s3_error(body):
    for parse in (s3xml.parse_delete, s3xml.parse_complete_multipart_upload):
        with contextlib.suppress(errors.S3Error):
            parse(body)


_XML_TEXT = st.text(
    st.characters(
        exclude_categories=("Cs",),
        exclude_characters="".join(map(chr, [*range(9), 11, 12, *range(14, 32), 0xFFFE, 0xFFFF])),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(_XML_TEXT, min_size=1, max_size=5))
def test_delete_result_keys_survive_any_xml_text(keys):
    """Every key XML 1.0 can carry comes back exactly, CR and CRLF included."""
    body = s3xml.delete_result(keys, [], False)
    parsed = answered(
        lambda s3: s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": "a"}]}), body
    )
    assert [d["Key"] for d in parsed["Deleted"]] == keys


def test_delete_entries_with_an_etag_are_conditional():
    _, body = sent_one(
        lambda s3: s3.delete_objects(
            Bucket=BUCKET,
            Delete={
                "Objects": [{"Key": "a", "ETag": '"e1"'}, {"Key": "b"}, {"Key": "c", "ETag": "e3"}]
            },
        )
    )
    request = s3xml.parse_delete(body)
    assert request.keys == ("a", "b", "c")
    assert request.etags == {"a": "e1", "c": "e3"}
    plain = b"<Delete><Object><Key>a</Key></Object></Delete>"
    assert s3xml.parse_delete(plain).etags == {}
    again = (
        b"<Delete><Object><Key>a</Key><ETag>e</ETag></Object>"
        b'<Object><Key>a</Key><ETag>"e"</ETag></Object></Delete>'
    )
    assert s3xml.parse_delete(again).etags == {"a": "e"}


@pytest.mark.parametrize(
    "body",
    [
        b"<Delete><Object><Key>a</Key><ETag></ETag></Object></Delete>",
        b'<Delete><Object><Key>a</Key><ETag>""</ETag></Object></Delete>',
        b"<Delete><Object><Key>a</Key><ETag>e1</ETag></Object>"
        b"<Object><Key>a</Key><ETag>e2</ETag></Object></Delete>",
    ],
)
def test_an_empty_or_contradicting_delete_etag_is_malformed(body):
    with pytest.raises(errors.MalformedXML):
        s3xml.parse_delete(body)

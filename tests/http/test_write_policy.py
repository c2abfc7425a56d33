"""One write policy for every surface (r2gate.write_policy), on workerd: what the native API
held, the S3 surface now holds too. Each test is a finding of the red team that failed
before the policy: a stall before any signature check, a Content-Type that escapes the
sandbox, a pair's limits bypassed by presigned parts, copies and completions, preconditions
accepted and ignored, metadata that broke every later read, pre-compressed objects encoded
twice."""

from __future__ import annotations

import gzip
import http.client
import os
import subprocess
import threading
import time
from urllib.parse import urlsplit

import pytest
import requests
from botocore.exceptions import ClientError

from tests.support.client import Client
from tests.support.multipart import MIB, Mpu
from tests.support.s3 import error_code, s3_client
from tests.support.server import NODE_BIN, RunningServer
from tests.support.settings import S3_BUCKET
from tests.support.tokens import mint_upload, path_of, post_json, token

BUCKET = S3_BUCKET
NODE = NODE_BIN / "node"
ESCAPES = ("application/pdf;,text/html", "image/png, text/html", "application/pdf; a=b, text/html")
HTML = b"<!doctype html><form action=/x method=post><input name=p></form>"


def xml_code(reply: requests.Response) -> tuple[int, str]:
    text = reply.text
    code = text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else ""
    return reply.status_code, code


# --- 1. no request can stall the isolate ------------------------------------------------------

WHITESPACE = {"spaces": " ", "tabs": "\t", "mixed": " \t"}
HEADER_LINES = {
    "after the colon": "Content-Disposition:{ws}\n",
    "after the value": 'Content-Disposition: form-data; name="key"{ws}\n',
    "between parameters": "Content-Disposition: form-data;{ws}\n",
    "before the colon": "Content-Disposition{ws}:\n",
    "a content type": 'Content-Disposition: form-data; name="file"\r\nContent-Type:{ws}\n',
    "a line of its own": "{ws}\n",
}
FIELD_BUDGET = 60_000  # within the parser's 64 KiB: the most a hostile form can send


def _hostile_form(line: str, ws: str) -> tuple[bytes, str]:
    boundary = "hostile"
    run = (ws * (FIELD_BUDGET // len(ws)))[:FIELD_BUDGET]
    head = f"--{boundary}\r\n" + line.format(ws=run)
    body = head.encode() + b"\r\n\r\nx\r\n--" + boundary.encode() + b"--\r\n"
    return body, f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize("ws", sorted(WHITESPACE))
@pytest.mark.parametrize("position", sorted(HEADER_LINES))
def test_a_hostile_form_is_refused_at_once_and_stalls_no_one(
    server: RunningServer, client: Client, position: str, ws: str
) -> None:
    assert client.get("/").status == 200  # the isolate is warm
    body, content_type = _hostile_form(HEADER_LINES[position], WHITESPACE[ws])
    answers: dict[str, float] = {}

    def post() -> None:
        started = time.monotonic()
        reply = requests.post(
            f"{server.url}/api/s3/{BUCKET}",
            data=body,
            headers={"Content-Type": content_type},
            timeout=60,
        )
        answers["post"] = time.monotonic() - started
        answers["status"] = reply.status_code
        answers["code"] = xml_code(reply)[1]  # type: ignore[assignment]

    sender = threading.Thread(target=post)
    sender.start()
    time.sleep(0.05)
    started = time.monotonic()
    assert client.get("/").status == 200
    answers["get"] = time.monotonic() - started
    sender.join(60)
    assert answers["status"] == 400, answers
    assert answers["code"] in ("MalformedPOSTRequest", "MaxPostPreDataLengthExceededError"), answers
    assert answers["post"] < 1.0, answers  # 30-40 s before the parser scanned lines linearly
    assert answers["get"] < 1.0, answers


# --- 2. the stored Content-Type is one media type on every surface ----------------------------


@pytest.fixture()
def s3(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url)


@pytest.mark.parametrize("escape", ESCAPES)
def test_s3_puts_store_one_media_type(s3, client: Client, prefix: str, escape: str) -> None:
    key = f"{prefix}doc.pdf"
    with pytest.raises(ClientError) as caught:
        s3.put_object(Bucket=BUCKET, Key=key, Body=HTML, ContentType=escape)
    assert error_code(caught.value) == (400, "InvalidArgument")
    url = s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key})
    presigned = requests.put(url, data=HTML, headers={"Content-Type": escape})
    assert xml_code(presigned) == (400, "InvalidArgument")
    with pytest.raises(ClientError) as caught:
        s3.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType=escape)
    assert error_code(caught.value) == (400, "InvalidArgument")
    s3.put_object(
        Bucket=BUCKET, Key=f"{prefix}plain.pdf", Body=b"%PDF-1.4", ContentType="text/plain"
    )
    with pytest.raises(ClientError) as caught:
        s3.copy_object(
            Bucket=BUCKET,
            Key=key,
            CopySource={"Bucket": BUCKET, "Key": f"{prefix}plain.pdf"},
            MetadataDirective="REPLACE",
            ContentType=escape,
        )
    assert error_code(caught.value) == (400, "InvalidArgument")
    assert client.head(f"/{key}").status == 404


def test_two_content_type_fields_are_refused(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}two.pdf"
    url = urlsplit(s3.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": key}))
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.putrequest("PUT", f"{url.path}?{url.query}", skip_accept_encoding=True)
        conn.putheader("Content-Type", "image/png")
        conn.putheader("Content-Type", "text/html")
        conn.putheader("Content-Length", str(len(HTML)))
        conn.endheaders(HTML)
        reply = conn.getresponse()
        assert reply.status == 400, reply.read()
        assert b"<Code>InvalidArgument</Code>" in reply.read()
    finally:
        conn.close()
    assert client.head(f"/{key}").status == 404


def test_a_post_policy_cannot_widen_a_type_past_one_media_type(
    s3, client: Client, prefix: str
) -> None:
    key = f"{prefix}form.pdf"
    post = s3.generate_presigned_post(
        BUCKET,
        key,
        Fields={"Content-Type": "application/pdf;,text/html"},
        Conditions=[["starts-with", "$Content-Type", "application/pdf"]],
        ExpiresIn=300,
    )
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("a.pdf", HTML)})
    assert xml_code(reply) == (400, "InvalidArgument")
    assert client.head(f"/{key}").status == 404


# --- 3. a pair's limits hold for everything it presigns ---------------------------------------


@pytest.fixture()
def limited(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url, "limited-s3")


def _limited_key(name: str) -> str:
    return f"limited/{os.urandom(6).hex()}-{name}"


def test_presigned_parts_and_completion_keep_the_pairs_limits(limited, client: Client) -> None:
    key = _limited_key("big.png")
    upload = limited.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="image/png")
    upload_id = upload["UploadId"]
    params = {"Bucket": BUCKET, "Key": key, "UploadId": upload_id, "PartNumber": 1}
    part_url = limited.generate_presigned_url("upload_part", Params=params)
    refused = requests.put(part_url, data=b"x" * (6 * MIB))
    assert xml_code(refused) == (400, "EntityTooLarge")
    # A part the backend sent itself (header-signed: trusted) cannot be completed by a URL
    # it hands out: the presigned completion is bounded as a presigned PUT is.
    etag = limited.upload_part(Body=b"y" * (6 * MIB), **params)["ETag"]
    complete_url = limited.generate_presigned_url(
        "complete_multipart_upload",
        Params={"Bucket": BUCKET, "Key": key, "UploadId": upload_id},
    )
    xml = (
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
        f"<ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    )
    completed = requests.post(complete_url, data=xml.encode())
    assert xml_code(completed) == (400, "EntityTooLarge")
    assert client.head(f"/{key}").status == 404


def test_a_presigned_completion_is_create_only(limited, client: Client) -> None:
    key = _limited_key("taken.png")
    limited.put_object(Bucket=BUCKET, Key=key, Body=b"first", ContentType="image/png")
    upload = limited.create_multipart_upload(Bucket=BUCKET, Key=key, ContentType="image/png")
    part = {"Bucket": BUCKET, "Key": key, "UploadId": upload["UploadId"], "PartNumber": 1}
    etag = limited.upload_part(Body=b"second", **part)["ETag"]
    url = limited.generate_presigned_url(
        "complete_multipart_upload",
        Params={"Bucket": BUCKET, "Key": key, "UploadId": upload["UploadId"]},
    )
    xml = (
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
        f"<ETag>{etag}</ETag></Part></CompleteMultipartUpload>"
    )
    assert xml_code(requests.post(url, data=xml.encode())) == (412, "PreconditionFailed")
    assert client.get(f"/{key}").body == b"first"


def test_a_presigned_copy_keeps_the_pairs_limits(limited, client: Client) -> None:
    page = _limited_key("page.html")
    image = _limited_key("image.png")
    limited.put_object(Bucket=BUCKET, Key=page, Body=HTML, ContentType="text/html")
    limited.put_object(Bucket=BUCKET, Key=image, Body=b"\x89PNG", ContentType="image/png")

    def copy(source: str, target: str) -> requests.Response:
        url = limited.generate_presigned_url(
            "copy_object",
            Params={"Bucket": BUCKET, "Key": target, "CopySource": f"{BUCKET}/{source}"},
        )
        return requests.put(url, headers={"x-amz-copy-source": f"{BUCKET}/{source}"})

    assert xml_code(copy(page, image)) == (403, "AccessDenied")  # text/html: not image/*
    assert client.get(f"/{image}").body == b"\x89PNG"
    new = _limited_key("copy.png")
    assert copy(image, new).status_code == 200
    assert client.get(f"/{new}").body == b"\x89PNG"
    assert xml_code(copy(image, new)) == (412, "PreconditionFailed")  # create-only
    big = _limited_key("big.png")
    limited.put_object(Bucket=BUCKET, Key=big, Body=b"z" * 2000, ContentType="image/png")
    assert xml_code(copy(big, _limited_key("big-copy.png"))) == (400, "EntityTooLarge")


# --- 4. preconditions on every S3 write and delete --------------------------------------------


def _upload_one_part(s3, key: str, body: bytes) -> tuple[str, list[dict[str, object]]]:  # type: ignore[no-untyped-def]
    upload_id = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etag = s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload_id, PartNumber=1, Body=body)[
        "ETag"
    ]
    return upload_id, [{"PartNumber": 1, "ETag": etag}]


def test_completion_honours_if_none_match_and_if_match(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}mpu.bin"
    first = s3.put_object(Bucket=BUCKET, Key=key, Body=b"first")["ETag"]
    upload_id, parts = _upload_one_part(s3, key, b"second")
    done = {"Parts": parts}
    for condition in ({"IfNoneMatch": "*"}, {"IfMatch": '"0123456789abcdef0123456789abcdef"'}):
        with pytest.raises(ClientError) as caught:
            s3.complete_multipart_upload(
                Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload=done, **condition
            )
        assert error_code(caught.value) == (412, "PreconditionFailed"), condition
        assert client.get(f"/{key}").body == b"first"
    s3.complete_multipart_upload(
        Bucket=BUCKET, Key=key, UploadId=upload_id, MultipartUpload=done, IfMatch=first
    )
    assert client.get(f"/{key}").body == b"second"


def test_delete_object_honours_if_match(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}keep.bin"
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"keep")["ETag"]
    with pytest.raises(ClientError) as caught:
        s3.delete_object(Bucket=BUCKET, Key=key, IfMatch='"0123456789abcdef0123456789abcdef"')
    assert error_code(caught.value) == (412, "PreconditionFailed")
    assert client.get(f"/{key}").body == b"keep"
    s3.delete_object(Bucket=BUCKET, Key=key, IfMatch=etag)
    assert client.head(f"/{key}").status == 404


def test_delete_objects_honours_each_entrys_etag(s3, client: Client, prefix: str) -> None:
    kept, gone, plain = f"{prefix}kept.bin", f"{prefix}gone.bin", f"{prefix}plain.bin"
    for key in (kept, gone, plain):
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    gone_etag = s3.head_object(Bucket=BUCKET, Key=gone)["ETag"]
    result = s3.delete_objects(
        Bucket=BUCKET,
        Delete={
            "Objects": [
                {"Key": kept, "ETag": '"0123456789abcdef0123456789abcdef"'},
                {"Key": gone, "ETag": gone_etag},
                {"Key": plain},
            ]
        },
    )
    assert sorted(d["Key"] for d in result["Deleted"]) == sorted([gone, plain])
    assert [(e["Key"], e["Code"]) for e in result["Errors"]] == [(kept, "PreconditionFailed")]
    assert client.get(f"/{kept}").body == kept.encode()
    assert client.head(f"/{gone}").status == 404


def test_put_object_honours_if_match(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}cas.bin"
    etag = s3.put_object(Bucket=BUCKET, Key=key, Body=b"v1")["ETag"]
    with pytest.raises(ClientError) as caught:
        s3.put_object(
            Bucket=BUCKET, Key=key, Body=b"v2", IfMatch='"00000000000000000000000000000000"'
        )
    assert error_code(caught.value) == (412, "PreconditionFailed")
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"v2", IfMatch=etag)
    assert client.get(f"/{key}").body == b"v2"


# --- 5. metadata is stored only when every later read can carry it ---------------------------

BAD_NAMES = ("bad name", "a:b", "x\r\ny", "nul\x00", "")


@pytest.mark.parametrize("name", BAD_NAMES)
def test_metadata_names_are_header_tokens_on_every_surface(
    client: Client, prefix: str, name: str
) -> None:
    document = {"key": f"{prefix}a.png", "content_type": "image/png", "metadata": {name: "v"}}
    reply = post_json(client, "/api/v1/uploads", document)
    assert reply.status == 400 and reply.error_code in ("invalid_metadata", "invalid_request")
    created = Mpu(client, f"{prefix}b.bin").create({"metadata": {name: "v"}})
    assert created.status == 400 and created.error_code in ("invalid_metadata", "invalid_request")
    tok = token({"op": "put", "key": f"{prefix}c.bin", "meta": {name: "v"}})
    put = client.request("PUT", f"/{prefix}c.bin?token={tok}", body=b"x")
    assert put.status == 401, put.body  # the token's grant is not one r2gate could store
    assert client.head(f"/{prefix}c.bin").status == 404


@pytest.mark.parametrize("value", ["line\r\nbreak", "nul\x00", "bell\x07"])
def test_metadata_values_without_control_characters(
    client: Client, prefix: str, value: str
) -> None:
    document = {"key": f"{prefix}a.png", "content_type": "image/png", "metadata": {"v": value}}
    reply = post_json(client, "/api/v1/uploads", document)
    assert (reply.status, reply.error_code) == (400, "invalid_metadata")


def test_a_post_form_field_cannot_name_bad_metadata(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}meta.png"
    post = s3.generate_presigned_post(
        BUCKET,
        key,
        Fields={"x-amz-meta-bad name": "v"},
        Conditions=[{"x-amz-meta-bad name": "v"}],
        ExpiresIn=300,
    )
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("a.png", b"png")})
    assert xml_code(reply) == (400, "InvalidArgument")
    assert client.head(f"/{key}").status == 404


def test_non_ascii_metadata_reads_back_through_s3(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}euro.png"
    grant = mint_upload(
        client, key=key, content_type="image/png", metadata={"price": "5 €", "city": "Zürich"}
    )
    path = path_of(grant["upload_url"])
    stored = client.request("PUT", path, body=b"png", headers={"Content-Type": "image/png"})
    assert stored.status == 201, stored.body
    head = s3.head_object(Bucket=BUCKET, Key=key)  # a 500 before: "5 €" is no header value
    assert head["Metadata"] == {
        "price": "=?UTF-8?B?NSDigqw=?=",
        "city": "=?UTF-8?B?WsO8cmljaA==?=",
    }
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"png"


# --- 6. stored headers are checked, and stored bytes served as stored -------------------------


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("Content-Disposition", "attachment; filename=a b.glb"),
        ("Content-Disposition", "attachment; filename=a; filename=b"),
        ("Cache-Control", "max-age=60 public"),
        ("Content-Encoding", "gzip;q=1"),
        ("Content-Language", "en_US"),
        ("Content-Language", "en-toolongsubtag"),
    ],
)
def test_malformed_stored_headers_are_refused(
    client: Client, prefix: str, name: str, value: str
) -> None:
    reply = client.put(f"/{prefix}a.bin", b"x", headers={name: value})
    assert (reply.status, reply.error_code) == (400, "invalid_header"), reply.body
    assert client.head(f"/{prefix}a.bin").status == 404


def test_aws_chunked_is_never_a_stored_coding(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}data.json"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"{}", ContentEncoding="gzip, aws-chunked")
    assert client.head(f"/{key}").headers["content-encoding"] == "gzip"


DOCUMENT = b"".join(
    b'{"vertex": [%d, %d, %d]}\n' % (i, i * 7 % 13, i * 31 % 97) for i in range(800)
)
_NODE_BROTLI = "process.stdout.write(require('zlib').brotli{}Sync(require('fs').readFileSync(0)))"


def _brotli(data: bytes, direction: str = "Compress") -> bytes:
    """Brotli from Node's zlib (Python's standard library has none)."""
    script = _NODE_BROTLI.format(direction)
    done = subprocess.run([str(NODE), "-e", script], input=data, capture_output=True, check=True)
    return done.stdout


ENCODE = {"gzip": lambda data: gzip.compress(data, mtime=0), "br": _brotli}
DECODE = {
    "gzip": gzip.decompress,
    "br": lambda data: _brotli(data, "Decompress"),
    None: lambda data: data,
}


def _get(
    server: RunningServer, path: str, headers: dict[str, str]
) -> tuple[int, dict[str, str], bytes]:
    """A GET through `make dev`'s public port, the body as it arrived (never decoded)."""
    parts = urlsplit(server.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        conn.putrequest("GET", path, skip_accept_encoding=True)
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders()
        reply = conn.getresponse()
        return reply.status, {k.lower(): v for k, v in reply.getheaders()}, reply.read()
    finally:
        conn.close()


ACCEPTS = ({}, {"Accept-Encoding": "gzip, br"}, {"Accept-Encoding": "identity"})


@pytest.mark.parametrize("coding", sorted(ENCODE))
def test_pre_compressed_assets_are_served_as_stored(
    server: RunningServer, client: Client, s3, prefix: str, coding: str
) -> None:
    """A pre-compressed model (.glb.gz, a Unity .data.br) reaches every client as stored:
    Range and multipart ranges are ranges of the stored bytes, as in R2 and S3."""
    body = ENCODE[coding](DOCUMENT)
    key = f"{prefix}scene.glb"
    headers = {"Content-Type": "model/gltf-binary", "Content-Encoding": coding}
    assert client.put(f"/{key}", body, headers=headers).status == 201
    for accept in ACCEPTS:
        for round_ in ("first", "again"):
            status, got, data = _get(server, f"/{key}", accept)
            assert (status, data) == (200, body), (accept, round_)
            assert got["content-encoding"] == coding
            assert int(got["content-length"]) == len(body)
        status, got, data = _get(server, f"/{key}", {**accept, "Range": "bytes=10-99"})
        assert (status, data) == (206, body[10:100]), accept
        assert got["content-range"] == f"bytes 10-99/{len(body)}"
    status, got, data = _get(server, f"/{key}", {"Range": "bytes=0-9,20-29"})
    assert status == 206
    assert body[0:10] in data and body[20:30] in data
    assert s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == body


@pytest.mark.parametrize("coding", sorted(ENCODE))
def test_pre_compressed_text_is_encoded_once(
    server: RunningServer, client: Client, prefix: str, coding: str
) -> None:
    """For the types Cloudflare's edge compresses itself (JSON, HTML, ...), the edge picks
    the coding a client accepts (Miniflare does as the edge does): a client that asks for
    the stored coding gets the stored bytes, and every client, once it has decoded what it
    got, has the document (encoded twice before: curl --compressed saw 1f 8b)."""
    body = ENCODE[coding](DOCUMENT)
    key = f"{prefix}scene.json"
    headers = {"Content-Type": "application/json", "Content-Encoding": coding}
    assert client.put(f"/{key}", body, headers=headers).status == 201
    status, got, data = _get(server, f"/{key}", {"Accept-Encoding": coding})
    assert (status, got["content-encoding"], data) == (200, coding, body)
    for accept in ACCEPTS:
        status, got, data = _get(server, f"/{key}", accept)
        assert status == 200, accept
        assert DECODE[got.get("content-encoding")](data) == DOCUMENT, accept

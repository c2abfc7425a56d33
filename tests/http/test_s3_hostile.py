"""Hostile and broken S3 requests, made by the real clients (boto3's signer, its presigned
POST, urllib3's form encoder): each is refused with the S3 error a client expects, and
nothing is stored."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import botocore.auth
import botocore.signers
import pytest
import requests
from botocore.exceptions import ClientError
from urllib3 import encode_multipart_formdata

from tests.support.client import Client
from tests.support.s3 import error_code, s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET, TEST_S3_SCOPED, TEST_S3_SECRET

BUCKET = S3_BUCKET


@pytest.fixture()
def s3(server: RunningServer):  # type: ignore[no-untyped-def]
    return s3_client(server.url)


@contextmanager
def clock_offset(monkeypatch: pytest.MonkeyPatch, seconds: int) -> Iterator[None]:
    """boto3's signer, with its clock `seconds` off."""
    real = botocore.auth.get_current_datetime
    with monkeypatch.context() as patch:
        for module in (botocore.auth, botocore.signers):  # requests; POST policies
            patch.setattr(
                module,
                "get_current_datetime",
                lambda: real() + datetime.timedelta(seconds=seconds),
            )
        yield


def xml_code(reply: requests.Response) -> tuple[int, str]:
    text = reply.text
    code = text.split("<Code>", 1)[1].split("</Code>", 1)[0] if "<Code>" in text else ""
    return reply.status_code, code


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True))
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


# --- signatures, expiry, scope ---------------------------------------------------------------


def test_tampered_signature(s3, prefix: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}a.txt", Body=b"a")
    url = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": f"{prefix}a.txt"}
    )
    signature = dict(parse_qsl(urlsplit(url).query))["X-Amz-Signature"]
    flipped = ("0" if signature[0] != "0" else "1") + signature[1:]
    assert xml_code(requests.get(with_query(url, **{"X-Amz-Signature": flipped}))) == (
        403,
        "SignatureDoesNotMatch",
    )
    other_key = url.replace(f"{prefix}a.txt", f"{prefix}b.txt")
    assert xml_code(requests.get(other_key)) == (403, "SignatureDoesNotMatch")


def test_expired_and_not_yet_valid_urls(s3, monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    key = f"{prefix}a.txt"
    s3.put_object(Bucket=BUCKET, Key=key, Body=b"a")
    with clock_offset(monkeypatch, -3600):
        expired = s3.generate_presigned_url(
            "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=60
        )
    reply = requests.get(expired)
    assert xml_code(reply) == (403, "AccessDenied")
    assert "Request has expired" in reply.text
    with clock_offset(monkeypatch, 3600):
        early = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": key})
    assert xml_code(requests.get(early)) == (403, "AccessDenied")
    too_long = s3.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": key}, ExpiresIn=8 * 86400
    )
    assert xml_code(requests.get(too_long)) == (400, "AuthorizationQueryParametersError")


def test_skewed_clock_for_header_auth(s3, monkeypatch: pytest.MonkeyPatch) -> None:
    with clock_offset(monkeypatch, -3600), pytest.raises(ClientError) as refused:
        s3.list_objects_v2(Bucket=BUCKET, Prefix="x/")
    assert error_code(refused.value) == (403, "RequestTimeTooSkewed")


def test_wrong_region_date_and_key(server: RunningServer, s3, prefix: str) -> None:
    with pytest.raises(ClientError) as region:
        s3_client(server.url, region="eu-west-1").head_object(Bucket=BUCKET, Key="x")
    assert error_code(region.value)[0] == 400
    url = s3.generate_presigned_url("get_object", Params={"Bucket": BUCKET, "Key": "x"})
    credential = dict(parse_qsl(urlsplit(url).query))["X-Amz-Credential"]
    key_id, day, *rest = credential.split("/")
    yesterday = (
        datetime.date.fromisoformat(f"{day[:4]}-{day[4:6]}-{day[6:]}") - datetime.timedelta(days=1)
    ).strftime("%Y%m%d")
    bad_day = with_query(url, **{"X-Amz-Credential": "/".join([key_id, yesterday, *rest])})
    assert xml_code(requests.get(bad_day)) == (400, "AuthorizationQueryParametersError")
    unknown = s3_client(server.url)
    unknown._request_signer._credentials.access_key = "R2GATEUNKNOWNKEY0001"  # noqa: SLF001
    with pytest.raises(ClientError) as refused:
        unknown.list_objects_v2(Bucket=BUCKET)
    assert error_code(refused.value) == (403, "InvalidAccessKeyId")
    assert xml_code(requests.get(f"{server.url}/api/s3/{BUCKET}/x")) == (403, "AccessDenied")


def test_an_unsigned_amz_header_is_refused(s3, client: Client, prefix: str) -> None:
    key = f"{prefix}a.png"
    url = s3.generate_presigned_url(
        "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": "image/png"}
    )
    reply = requests.put(
        url, data=b"png", headers={"Content-Type": "image/png", "x-amz-meta-owner": "mallory"}
    )
    assert xml_code(reply) == (403, "AccessDenied")
    assert "<HeadersNotSigned>x-amz-meta-owner</HeadersNotSigned>" in reply.text
    assert client.get("/" + key).status == 404


# --- scoped credentials ------------------------------------------------------------------------


def test_a_tenant_credential_stays_inside_its_prefixes(
    server: RunningServer, client: Client
) -> None:
    tenant = s3_client(server.url, "tenant42-s3")
    tenant.put_object(Bucket=BUCKET, Key="tenant-42/ok.txt", Body=b"ok")
    for call in (
        lambda: tenant.put_object(Bucket=BUCKET, Key="tenant-420/x.txt", Body=b"no"),
        lambda: tenant.get_object(Bucket=BUCKET, Key="other/x.txt"),
        lambda: tenant.list_objects_v2(Bucket=BUCKET, Prefix=""),
        lambda: tenant.copy_object(
            Bucket=BUCKET, Key="tenant-42/copy.txt", CopySource={"Bucket": BUCKET, "Key": "other/x"}
        ),
    ):
        with pytest.raises(ClientError) as refused:
            call()
        assert error_code(refused.value) == (403, "AccessDenied")
    assert client.get("/tenant-420/x.txt").status == 404
    deleted = tenant.delete_objects(
        Bucket=BUCKET, Delete={"Objects": [{"Key": "tenant-42/ok.txt"}, {"Key": "other/y"}]}
    )
    assert [d["Key"] for d in deleted["Deleted"]] == ["tenant-42/ok.txt"]
    assert [(e["Key"], e["Code"]) for e in deleted["Errors"]] == [("other/y", "AccessDenied")]
    url = tenant.generate_presigned_url("put_object", Params={"Bucket": BUCKET, "Key": "other/z"})
    assert xml_code(requests.put(url, data=b"z")) == (403, "AccessDenied")


def test_presigning_needs_sign(server: RunningServer, s3, prefix: str) -> None:
    s3.put_object(Bucket=BUCKET, Key=f"{prefix}r.txt", Body=b"r")
    reader = s3_client(server.url, "reader-s3")
    assert reader.get_object(Bucket=BUCKET, Key=f"{prefix}r.txt")["Body"].read() == b"r"
    url = reader.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": f"{prefix}r.txt"}
    )
    assert xml_code(requests.get(url)) == (403, "AccessDenied")


def test_presigned_put_limits(server: RunningServer, client: Client) -> None:
    uploads = s3_client(server.url, "uploads-s3")

    def presigned_put(key: str, content_type: str, body: bytes) -> requests.Response:
        url = uploads.generate_presigned_url(
            "put_object", Params={"Bucket": BUCKET, "Key": key, "ContentType": content_type}
        )
        return requests.put(url, data=body, headers={"Content-Type": content_type})

    assert xml_code(presigned_put("uploads/big.png", "image/png", b"x" * 1001)) == (
        400,
        "EntityTooLarge",
    )
    assert xml_code(presigned_put("uploads/page.html", "text/html", b"<script>")) == (
        403,
        "AccessDenied",
    )
    # image/* allows images, never an active type such as SVG unless named
    assert xml_code(presigned_put("uploads/x.svg", "image/svg+xml", b"<svg/>")) == (
        403,
        "AccessDenied",
    )
    key = f"uploads/once-{id(client)}.png"
    assert presigned_put(key, "image/png", b"first").status_code == 200
    assert xml_code(presigned_put(key, "image/png", b"second")) == (412, "PreconditionFailed")
    assert client.get("/" + key).body == b"first"
    for name in ("big.png", "page.html", "x.svg"):
        assert client.get("/uploads/" + name).status == 404


# --- presigned POST ----------------------------------------------------------------------------


def _post_form(s3, key: str, conditions: list, fields: dict | None = None):  # type: ignore[no-untyped-def]
    return s3.generate_presigned_post(
        BUCKET, key, Fields=fields or {}, Conditions=conditions, ExpiresIn=300
    )


def test_post_policy_violations(s3, client: Client, prefix: str) -> None:
    conditions = [
        ["content-length-range", 1, 100],
        ["starts-with", "$Content-Type", "image/"],
        ["starts-with", "$key", f"{prefix}in/"],
    ]
    post = _post_form(s3, f"{prefix}in/${{filename}}", conditions, {"Content-Type": "image/png"})

    def send(fields: dict, content: bytes = b"png") -> requests.Response:
        return requests.post(post["url"], data=fields, files={"file": ("a.png", content)})

    assert xml_code(send(post["fields"], b"x" * 101)) == (400, "EntityTooLarge")
    assert xml_code(send(post["fields"], b"")) == (400, "EntityTooSmall")
    assert xml_code(send({**post["fields"], "Content-Type": "text/html"})) == (403, "AccessDenied")
    assert xml_code(send({**post["fields"], "key": f"{prefix}out/a.png"})) == (403, "AccessDenied")
    extra = send({**post["fields"], "x-amz-meta-evil": "1"})
    assert xml_code(extra) == (403, "AccessDenied")
    assert "Extra input fields" in extra.text
    tampered = send({**post["fields"], "policy": post["fields"]["policy"][:-4] + "AAA="})
    assert xml_code(tampered)[0] in (400, 403)
    assert client.get(f"/{prefix}in/a.png").status == 404
    assert client.get(f"/{prefix}out/a.png").status == 404
    assert send(post["fields"]).status_code == 204
    assert client.get(f"/{prefix}in/a.png").body == b"png"


def test_post_expired_policy(s3, monkeypatch: pytest.MonkeyPatch, prefix: str) -> None:
    with clock_offset(monkeypatch, -7200):
        post = _post_form(s3, f"{prefix}late.txt", [])
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("late.txt", b"x")})
    assert xml_code(reply) == (403, "AccessDenied")
    assert "expired" in reply.text


def test_post_file_must_be_last(s3, client: Client, prefix: str) -> None:
    post = _post_form(s3, f"{prefix}last.txt", [])
    fields = list(post["fields"].items())
    body, content_type = encode_multipart_formdata(
        [*fields, ("file", ("last.txt", b"data")), ("x-ignore-note", "after the file")]
    )
    reply = requests.post(post["url"], data=body, headers={"Content-Type": content_type})
    assert xml_code(reply) == (400, "MalformedPOSTRequest")
    body, content_type = encode_multipart_formdata(
        [("key", post["fields"]["key"]), ("file", ("last.txt", b"data")), *fields[1:]]
    )
    reply = requests.post(post["url"], data=body, headers={"Content-Type": content_type})
    assert xml_code(reply) == (403, "AccessDenied")  # no signature before the file
    assert "before the file" in reply.text
    assert client.get(f"/{prefix}last.txt").status == 404


def test_a_post_whose_end_disagrees_stores_nothing(s3, client: Client, prefix: str) -> None:
    post = _post_form(s3, f"{prefix}end.bin", [])
    body, content_type = encode_multipart_formdata(
        [*post["fields"].items(), ("file", ("end.bin", b"x" * 5000))]
    )
    assert body.endswith(b"--\r\n")
    broken = body[:-4] + b"==\r\n"  # the same length: the closing delimiter is wrong
    reply = requests.post(post["url"], data=broken, headers={"Content-Type": content_type})
    assert xml_code(reply) == (400, "MalformedPOSTRequest")
    assert client.get(f"/{prefix}end.bin").status == 404


def test_a_replayed_create_only_post_is_refused(server: RunningServer, client: Client) -> None:
    uploads = s3_client(server.url, "uploads-s3")
    key = f"uploads/replay-{id(client)}.jpg"
    post = _post_form(
        uploads, key, [["starts-with", "$Content-Type", "image/"]], {"Content-Type": "image/jpeg"}
    )
    first = requests.post(post["url"], data=post["fields"], files={"file": ("a.jpg", b"one")})
    assert first.status_code == 204
    again = requests.post(post["url"], data=post["fields"], files={"file": ("a.jpg", b"two")})
    assert xml_code(again) == (412, "PreconditionFailed")
    assert client.get("/" + key).body == b"one"
    too_big = requests.post(
        post["url"], data=post["fields"], files={"file": ("a.jpg", b"x" * 1001)}
    )
    assert xml_code(too_big) == (400, "EntityTooLarge")


def test_secrets_never_reach_the_log(server: RunningServer, s3) -> None:
    with pytest.raises(ClientError):
        s3.get_object(Bucket=BUCKET, Key="nothing/here")
    log = server.log()
    assert TEST_S3_SECRET not in log
    assert all(secret not in log for _, secret, *_ in TEST_S3_SCOPED.values())

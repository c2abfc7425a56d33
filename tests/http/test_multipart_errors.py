"""Hostile or malformed multipart requests: a 4xx JSON error with a code, never a 500."""

from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.multipart import MIB, PART, Mpu, mpu_path
from tests.support.server import RunningServer
from tests.support.short_body import put_short_body


@pytest.fixture()
def upload(client: Client, prefix: str) -> tuple[Mpu, str]:
    mpu = Mpu(client, f"{prefix}e.bin")
    return mpu, mpu.start()


@pytest.mark.parametrize(
    "query",
    [
        "uploads=yes",
        "uploads&uploadId=0",
        "uploads&partNumber=1",
        "uploads&color=red",
        "uploads&uploads",
        "uploads&token=a&token=b",
    ],
)
def test_a_malformed_create_query_is_400(client: Client, prefix: str, query: str) -> None:
    reply = client.request("POST", f"/{prefix}a.bin?{query}", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), query


@pytest.mark.parametrize("number", ["0", "10001", "-1", "1.0", "+1", "01x", "", "999999"])
def test_a_bad_part_number_is_400(upload: tuple[Mpu, str], number: str) -> None:
    mpu, upload_id = upload
    path = f"{mpu_path(mpu.key, upload_id)}&partNumber={number}"
    reply = mpu.client.request("PUT", path, body=b"x", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), number


def test_part_number_limits(upload: tuple[Mpu, str]) -> None:
    mpu, upload_id = upload
    assert mpu.part(upload_id, 10000, b"x").status == 200
    parts = mpu.status(upload_id).json()["parts"]
    assert [p["part_number"] for p in parts] == [10000]


def test_part_number_goes_with_put_only(upload: tuple[Mpu, str]) -> None:
    mpu, upload_id = upload
    reply = mpu.client.request("PUT", mpu_path(mpu.key, upload_id), body=b"x", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    for method in ("GET", "DELETE"):
        reply = mpu.client.request(method, mpu_path(mpu.key, upload_id, 1), auth=True)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), method


@pytest.mark.parametrize(
    ("method", "query", "allow"),
    [
        ("GET", "uploads", "POST, OPTIONS"),
        ("PUT", "uploads", "POST, OPTIONS"),
        ("PATCH", "uploadId=0", "GET, HEAD, PUT, POST, DELETE, OPTIONS"),
    ],
)
def test_other_methods_are_405_with_allow(
    client: Client, prefix: str, method: str, query: str, allow: str
) -> None:
    reply = client.request(method, f"/{prefix}a.bin?{query}", auth=True)
    assert (reply.status, reply.error_code) == (405, "method_not_allowed")
    assert reply.headers["allow"] == allow


def test_head_of_an_upload_answers_like_its_status_without_a_body(
    upload: tuple[Mpu, str],
) -> None:
    mpu, upload_id = upload
    path = mpu_path(mpu.key, upload_id)
    got, head = mpu.client.get(path, auth=True), mpu.client.head(path, auth=True)
    assert (got.status, head.status, head.body) == (200, 200, b"")
    assert head.headers["content-length"] == got.headers["content-length"]
    assert head.headers["content-type"] == got.headers["content-type"]


@pytest.mark.parametrize("path", ["/a//b.bin", "/a/..%2Fb.bin", "/a/b.bin/", "/a%00b"])
def test_an_invalid_key_is_400(client: Client, path: str) -> None:
    reply = client.request("POST", f"{path}?uploads", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_key")


def test_the_reserved_api_prefix_is_never_an_upload_target(client: Client) -> None:
    routed = client.request("POST", "/api/uploads/x?uploads", auth=True)  # an API route
    assert (routed.status, routed.error_code) == (404, "not_found")
    encoded = client.request("POST", "/api%2Fuploads%2Fx?uploads", auth=True)
    assert (encoded.status, encoded.error_code) == (400, "invalid_key")


@pytest.mark.parametrize(
    ("body", "content_type", "status", "code"),
    [
        (b"{", "application/json", 400, "invalid_json"),
        (b"[]", "application/json", 400, "invalid_json"),
        (b'{"a": 1, "a": 2}', "application/json", 400, "invalid_json"),
        (b'{"colour": "red"}', "application/json", 400, "invalid_request"),
        (b'{"part_size": "8"}', "application/json", 400, "invalid_request"),
        (b'{"part_size": true}', "application/json", 400, "invalid_request"),
        (b'{"content_type": "nope"}', "application/json", 400, "invalid_content_type"),
        (b'{"metadata": {"a": 1}}', "application/json", 400, "invalid_request"),
        (b'{"metadata": "x"}', "application/json", 400, "invalid_request"),
        (b'{"cache_control": "a\\u0000b"}', "application/json", 400, "invalid_request"),
        (b"{}", "text/plain", 415, "unsupported_media_type"),
        (b"x" * (17 * 1024), "application/json", 413, "body_too_large"),
    ],
)
def test_a_bad_creation_body_is_refused(
    client: Client, prefix: str, body: bytes, content_type: str, status: int, code: str
) -> None:
    path = mpu_path(f"{prefix}a.bin")
    reply = client.request(
        "POST", path, body=body, headers={"Content-Type": content_type}, auth=True
    )
    assert (reply.status, reply.error_code) == (status, code)


def test_metadata_over_8_kib_is_refused(client: Client, prefix: str) -> None:
    reply = Mpu(client, f"{prefix}a.bin").create({"metadata": {"big": "x" * 9000}})
    assert (reply.status, reply.error_code) == (400, "invalid_metadata")


def test_part_size_within_r2_and_single_put_limits(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}ps.bin")
    assert mpu.create({"part_size": PART}).json()["part_size"] == PART
    assert mpu.create({"part_size": 100_000_000}).json()["part_size"] == 100_000_000
    for size in (0, PART - 1, 100_000_001, 6 * 1024 * MIB):
        reply = mpu.create({"part_size": size})
        assert (reply.status, reply.error_code) == (400, "invalid_request"), size


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"parts": []},
        {"parts": "1"},
        {"parts": [1]},
        {"parts": [{"part_number": 1}]},
        {"parts": [{"part_number": 1, "etag": "x", "size": 1}]},
        {"parts": [{"part_number": "1", "etag": "x"}]},
        {"parts": [{"part_number": 0, "etag": "x"}]},
        {"parts": [{"part_number": 10001, "etag": "x"}]},
        {"parts": [{"part_number": True, "etag": "x"}]},
        {"parts": [{"part_number": 1, "etag": ""}]},
        {"parts": [{"part_number": 1, "etag": 5}]},
        {"parts": [], "extra": 1},
    ],
)
def test_a_malformed_completion_is_400(upload: tuple[Mpu, str], document: object) -> None:
    mpu, upload_id = upload
    reply = mpu.complete(upload_id, document)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), document


@pytest.mark.parametrize("body", [b"", b"not json", b"null", b'"parts"'])
def test_a_completion_that_is_not_a_json_object_is_400(
    upload: tuple[Mpu, str], body: bytes
) -> None:
    mpu, upload_id = upload
    reply = mpu.complete(upload_id, body)
    assert (reply.status, reply.error_code) == (400, "invalid_json")


def test_a_part_without_content_length_is_411(upload: tuple[Mpu, str]) -> None:
    mpu, upload_id = upload
    conn = mpu.client.connection(timeout=30)
    try:
        conn.putrequest("PUT", mpu_path(mpu.key, upload_id, 1))
        conn.putheader("Authorization", f"Bearer {mpu.client.api_key}")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        conn.send(b"5\r\nhello\r\n0\r\n\r\n")
        response = conn.getresponse()
        assert response.status == 411
        assert b"length_required" in response.read()
    finally:
        conn.close()
    assert mpu.status(upload_id).json()["parts"] == []


def test_a_non_numeric_content_length_is_400(upload: tuple[Mpu, str]) -> None:
    mpu, upload_id = upload
    reply = mpu.client.request(
        "PUT", mpu_path(mpu.key, upload_id, 1), body=b"abc", headers={"Content-Length": "3x"}
    )
    assert reply.status == 400


def test_an_empty_part_is_refused(upload: tuple[Mpu, str]) -> None:
    mpu, upload_id = upload
    reply = mpu.part(upload_id, 1, b"")
    assert (reply.status, reply.error_code) == (400, "part_size_mismatch")


def test_a_part_body_shorter_than_its_content_length_is_400_and_stores_no_part(
    server: RunningServer, upload: tuple[Mpu, str]
) -> None:
    mpu, upload_id = upload
    auth = {"Authorization": f"Bearer {mpu.client.api_key}"}
    put_short_body(server, mpu.client, mpu_path(mpu.key, upload_id, 1), auth)
    assert mpu.status(upload_id).json()["parts"] == []

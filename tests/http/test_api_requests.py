"""POST /api/v1/uploads: authentication and strict parsing of the JSON body."""

from __future__ import annotations

import json

import pytest

from tests.support.client import Client
from tests.support.tokens import post_json, scoped

UPLOADS = "/api/v1/uploads"


def test_no_api_key_is_401(client: Client) -> None:
    reply = post_json(client, UPLOADS, {"key": "a.png", "content_type": "image/png"}, auth=False)
    assert (reply.status, reply.error_code) == (401, "auth_required")


def test_wrong_api_key_is_401(client: Client) -> None:
    headers = {"Authorization": "Bearer not-the-key-0123456789"}
    reply = post_json(
        client, UPLOADS, {"key": "a.png", "content_type": "image/png"}, auth=False, headers=headers
    )
    assert (reply.status, reply.error_code) == (401, "auth_invalid")


def test_a_token_is_not_an_api_key(client: Client) -> None:
    grant = post_json(client, UPLOADS, {"key": "tok/a.png", "content_type": "image/png"}).json()
    headers = {"Authorization": f"Bearer {grant['token']}"}
    reply = post_json(
        client,
        UPLOADS,
        {"key": "tok/b.png", "content_type": "image/png"},
        auth=False,
        headers=headers,
    )
    assert (reply.status, reply.error_code) == (401, "auth_invalid")


@pytest.mark.parametrize(
    ("document", "code"),
    [
        pytest.param({"key": "a.png"}, "invalid_request", id="missing-content-type"),
        pytest.param(
            {"content_type": "image/png"}, "invalid_request", id="neither-key-nor-filename"
        ),
        pytest.param(
            {"key": "a.png", "filename": "a.png", "content_type": "image/png"},
            "invalid_request",
            id="both-key-and-filename",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "acl": "public"},
            "invalid_request",
            id="unknown-member",
        ),
        pytest.param({"key": 7, "content_type": "image/png"}, "invalid_request", id="key-a-number"),
        pytest.param(
            {"key": "a.png", "content_type": ["image/png", 5]},
            "invalid_request",
            id="ct-a-bad-list",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "png"}, "invalid_request", id="ct-not-a-type"
        ),
        pytest.param(
            {"key": "a.png", "content_type": "*/png"}, "invalid_request", id="ct-bad-wildcard"
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png, text/html"}, "invalid_request", id="ct-two"
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png\r\nX-Evil: 1"},
            "invalid_request",
            id="ct-header-injection",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "max_bytes": "10"},
            "invalid_request",
            id="max-bytes-a-string",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "max_bytes": -1},
            "invalid_request",
            id="max-bytes-negative",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "max_bytes": 1.5},
            "invalid_request",
            id="max-bytes-a-float",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "max_bytes": 100_000_001},
            "invalid_request",
            id="max-bytes-over-the-put-limit",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "expires_in": 0},
            "invalid_request",
            id="expires-in-zero",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "expires_in": 901},
            "invalid_request",
            id="expires-in-over-the-maximum",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "overwrite": "yes"},
            "invalid_request",
            id="overwrite-a-string",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "sha256": "abc"},
            "invalid_request",
            id="sha256-short",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "metadata": {"a": 1}},
            "invalid_request",
            id="metadata-value-a-number",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "metadata": ["a"]},
            "invalid_request",
            id="metadata-a-list",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "metadata": {"a": "x" * 9000}},
            "invalid_metadata",
            id="metadata-over-8-kb",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "cache_control": "x\ny"},
            "invalid_request",
            id="cache-control-with-newline",
        ),
        pytest.param(
            {"key": "a.png", "content_type": "image/png", "prefix": "p/"},
            "invalid_request",
            id="prefix-with-key",
        ),
        pytest.param(
            {"filename": "a.png", "content_type": "image/png", "prefix": "p"},
            "invalid_request",
            id="prefix-without-slash",
        ),
        pytest.param(
            {"filename": "a.png", "content_type": "image/png", "prefix": "../"},
            "invalid_key",
            id="prefix-dotdot",
        ),
        pytest.param(
            {"filename": "a.png", "content_type": "image/png", "prefix": "api/"},
            "invalid_key",
            id="prefix-reserved",
        ),
        pytest.param(
            {"key": "a/../b.png", "content_type": "image/png"}, "invalid_key", id="key-dotdot"
        ),
        pytest.param(
            {"key": "a//b.png", "content_type": "image/png"}, "invalid_key", id="key-double-slash"
        ),
        pytest.param(
            {"key": "api/b.png", "content_type": "image/png"}, "invalid_key", id="key-reserved"
        ),
        pytest.param({"key": None, "content_type": "image/png"}, "invalid_request", id="key-null"),
    ],
)
def test_bad_upload_requests_are_400(client: Client, document: dict, code: str) -> None:
    reply = post_json(client, UPLOADS, document)
    assert (reply.status, reply.error_code) == (400, code), reply.body


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"{", id="truncated"),
        pytest.param(b"[]", id="array"),
        pytest.param(b'"text"', id="string"),
        pytest.param(
            b'{"key": "a", "key": "b", "content_type": "image/png"}', id="duplicate-member"
        ),
        pytest.param(b'{"key": "a.png", "content_type": "image/png", "max_bytes": NaN}', id="nan"),
        pytest.param(b"\xff\xfe{}", id="not-utf8"),
    ],
)
def test_bad_json_is_400(client: Client, body: bytes) -> None:
    reply = post_json(client, UPLOADS, body)
    assert (reply.status, reply.error_code) == (400, "invalid_json"), reply.body


def test_body_over_16_kb_is_413(client: Client) -> None:
    document = {"key": "a.png", "content_type": "image/png", "cache_control": "x" * 17000}
    reply = post_json(client, UPLOADS, document)
    assert (reply.status, reply.error_code) == (413, "body_too_large")


def test_chunked_body_over_16_kb_is_413(client: Client) -> None:
    body = json.dumps(
        {"key": "a.png", "content_type": "image/png", "filename": "x" * 20000}
    ).encode()
    conn = client.connection()
    try:
        conn.putrequest("POST", UPLOADS)
        conn.putheader("Authorization", f"Bearer {client.api_key}")
        conn.putheader("Content-Type", "application/json")
        conn.putheader("Transfer-Encoding", "chunked")
        conn.endheaders()
        for start in range(0, len(body), 4096):
            chunk = body[start : start + 4096]
            conn.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        conn.send(b"0\r\n\r\n")
        response = conn.getresponse()
        data = json.loads(response.read())
    finally:
        conn.close()
    assert (response.status, data["error"]["code"]) == (413, "body_too_large")


def test_body_that_is_not_json_typed_is_415(client: Client) -> None:
    body = json.dumps({"key": "a.png", "content_type": "image/png"}).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    reply = client.request("POST", UPLOADS, body=body, headers=headers, auth=True)
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")


def test_json_with_charset_is_accepted(client: Client, prefix: str) -> None:
    body = json.dumps({"key": f"{prefix}a.png", "content_type": "image/png"}).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"}
    assert client.request("POST", UPLOADS, body=body, headers=headers, auth=True).status == 201


def test_errors_name_the_member_but_never_echo_values(client: Client) -> None:
    document = {"key": "a.png", "content_type": "image/png", "extra": "v4lue-s3cr3t"}
    reply = post_json(client, UPLOADS, document)
    assert reply.status == 400
    assert "extra" in reply.body.decode()
    assert "v4lue-s3cr3t" not in reply.body.decode()
    reply = post_json(
        client, UPLOADS, {"key": "a.png", "content_type": "<script>alert(1)</script>"}
    )
    assert "<script>" not in reply.body.decode()


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_wrong_method_is_405_with_allow(client: Client, method: str) -> None:
    reply = client.request(method, UPLOADS, body=b"" if method == "PUT" else None, auth=True)
    assert (reply.status, reply.error_code) == (405, "method_not_allowed")
    assert "POST" in reply.headers["allow"]


def test_unknown_api_route_is_404(client: Client) -> None:
    for path in ("/api/v1/upload", "/api/v1/uploads/", "/api/v2/uploads"):
        reply = post_json(client, path, {})
        assert (reply.status, reply.error_code) == (404, "not_found")


# --- scoped API keys on the object routes -------------------------------------------------------


def test_scoped_key_writes_and_deletes_inside_its_prefix_only(client: Client, prefix: str) -> None:
    tenant = scoped(client, "tenant42")
    assert tenant.put(f"/tenant-42/{prefix}a.bin", b"mine").status == 201
    outside = tenant.put(f"/tenant-420/{prefix}a.bin", b"not mine")
    assert (outside.status, outside.error_code) == (403, "key_scope")
    assert client.get(f"/tenant-420/{prefix}a.bin").status == 404
    assert client.put(f"/tenant-420/{prefix}b.bin", b"other").status == 201
    denied = tenant.delete(f"/tenant-420/{prefix}b.bin")
    assert (denied.status, denied.error_code) == (403, "key_scope")
    assert client.get(f"/tenant-420/{prefix}b.bin").status == 200
    assert tenant.delete(f"/tenant-42/{prefix}a.bin").status == 204


def test_scoped_key_without_an_op_is_403(client: Client, prefix: str) -> None:
    writer = scoped(client, "writer")  # write + sign only
    assert writer.put(f"/{prefix}w.bin", b"x").status == 201
    assert writer.delete(f"/{prefix}w.bin").error_code == "key_scope"
    assert client.put(f"/private/{prefix}p.bin", b"x").status == 201
    reply = writer.get(f"/private/{prefix}p.bin", auth=True)
    assert (reply.status, reply.error_code) == (403, "key_scope")
    reader = scoped(client, "private-reader")
    assert reader.get(f"/private/{prefix}p.bin", auth=True).body == b"x"


@pytest.mark.parametrize("path", [UPLOADS, "/api/v1/downloads"])
def test_post_without_a_body_is_a_clear_400(client: Client, path: str) -> None:
    reply = client.request(
        "POST", path, auth=True, headers={"Content-Type": "application/json", "Content-Length": "0"}
    )
    assert reply.status == 400, reply.body
    assert reply.error_code in {"invalid_json", "invalid_request"}

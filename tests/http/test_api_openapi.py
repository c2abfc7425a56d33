"""GET /api/v1/openapi.json, and real responses validated against the schemas it documents
(with jsonschema_rs, tests/support/schema.py)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from tests.support.client import Client, Reply
from tests.support.schema import errors
from tests.support.tokens import path_of, post_json, put_token, token


@pytest.fixture(scope="module")
def document(server: Any) -> dict[str, Any]:
    reply = Client(server.url).get("/api/v1/openapi.json")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("application/json")
    return reply.json()


def response_schema(document: dict[str, Any], path: str, method: str, status: int) -> dict:
    """The documented JSON schema of one response: a KeyError means it is undocumented."""
    response = document["paths"][path][method.lower()]["responses"][str(status)]
    return response["content"]["application/json"]["schema"]


def check(document: dict[str, Any], path: str, method: str, reply: Reply) -> None:
    schema = response_schema(document, path, method, reply.status)
    assert errors(schema, reply.json(), document) == [], reply.body


# --- the validator itself -----------------------------------------------------------------------


def test_the_validator_rejects_what_the_schemas_forbid(document: dict[str, Any]) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    assert errors(error, {"error": {"code": "x", "message": "y"}}, document) == []
    assert errors(error, {"error": {"code": "x"}}, document)
    assert errors(error, {"error": {"code": 1, "message": "y"}}, document)
    assert errors(error, {"error": {"code": "x", "message": "y"}, "extra": 1}, document)
    listing = {"$ref": "#/components/schemas/ObjectList"}
    page = {"objects": [], "prefixes": [], "cursor": None, "truncated": False}
    assert errors(listing, page, document) == []
    assert errors(listing, {**page, "cursor": 5}, document)
    assert errors(listing, {**page, "objects": [{"key": "a"}]}, document)


# --- the document -------------------------------------------------------------------------------


def test_document_is_openapi_31_for_every_route(document: dict[str, Any]) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "r2gate"
    assert {
        "/api/v1/uploads",
        "/api/v1/downloads",
        "/api/v1/objects",
        "/api/v1/openapi.json",
    } <= set(document["paths"])


def test_every_ref_resolves(document: dict[str, Any]) -> None:
    text = repr(document)
    refs = set(re.findall(r"#/components/schemas/(\w+)", text))
    assert refs and refs <= set(document["components"]["schemas"])


def test_request_schemas_agree_with_the_server(client: Client, document: dict, prefix: str) -> None:
    schemas = document["components"]["schemas"]
    valid = {"key": f"{prefix}a.png", "content_type": "image/png", "overwrite": True}
    assert errors(schemas["UploadRequest"], valid, document) == []
    assert post_json(client, "/api/v1/uploads", valid).status == 201
    for bad in (
        {"key": "a.png", "content_type": "image/png", "unknown": 1},
        {"content_type": "image/png"},
        {"key": "a.png", "filename": "a.png", "content_type": "image/png"},
        {"key": "a.png"},
    ):
        assert errors(schemas["UploadRequest"], bad, document), bad
        assert post_json(client, "/api/v1/uploads", bad).status == 400, bad
    download = {"key": f"{prefix}a.png", "download_name": "a.png"}
    assert errors(schemas["DownloadRequest"], download, document) == []
    assert errors(schemas["DownloadRequest"], {**download, "op": "get"}, document)


# --- real responses -----------------------------------------------------------------------------


def test_upload_flow_responses_match(client: Client, document: dict, prefix: str) -> None:
    data = b"glTF-bytes"
    minted = post_json(
        client,
        "/api/v1/uploads",
        {
            "filename": "chair.glb",
            "prefix": prefix,
            "content_type": "model/gltf-binary",
            "sha256": hashlib.sha256(data).hexdigest(),
            "metadata": {"owner": "7"},
            "cache_control": "public, max-age=60",
        },
    )
    check(document, "/api/v1/uploads", "POST", minted)
    upload_path = path_of(minted.json()["upload_url"])
    put = client.request("PUT", upload_path, body=data)
    check(document, "/{key}", "PUT", put)
    small = post_json(
        client,
        "/api/v1/uploads",
        {"key": f"{prefix}small.bin", "content_type": "text/plain", "max_bytes": 1},
    )
    replies = {
        412: client.request("PUT", upload_path, body=data),
        415: client.request("PUT", upload_path, body=data, headers={"Content-Type": "text/html"}),
        403: put_token(client, f"/{prefix}other.glb", minted.json()["token"], data),
        401: put_token(client, f"/{prefix}x", "not.a.token", data),
        413: client.request("PUT", path_of(small.json()["upload_url"]), body=b"12"),
    }
    for status, reply in replies.items():
        assert reply.status == status, reply.body
        check(document, "/{key}", "PUT", reply)
    private = post_json(
        client,
        "/api/v1/uploads",
        {"key": f"private/{prefix}p.bin", "content_type": "application/octet-stream"},
    )
    check(document, "/api/v1/uploads", "POST", private)
    assert private.json()["public_url"] is None


def test_download_and_listing_responses_match(client: Client, document: dict, prefix: str) -> None:
    assert client.put(f"/{prefix}dir/a.txt", b"a").status == 201
    assert client.put(f"/{prefix}b.txt", b"b").status == 201
    link = post_json(client, "/api/v1/downloads", {"key": f"{prefix}b.txt", "expires_in": 60})
    check(document, "/api/v1/downloads", "POST", link)
    for query in (f"prefix={prefix}", f"prefix={prefix}&delimiter=/", f"prefix={prefix}&limit=1"):
        check(document, "/api/v1/objects", "GET", client.get(f"/api/v1/objects?{query}", auth=True))
    assert client.request("DELETE", f"/{prefix}b.txt", auth=True).status == 204
    delete_token = token({"op": "delete", "key": f"{prefix}b.txt"})
    assert client.request("DELETE", f"/{prefix}b.txt?token={delete_token}").status == 204
    assert "204" in document["paths"]["/{key}"]["delete"]["responses"]


@pytest.mark.parametrize(
    ("path", "method", "call"),
    [
        ("/api/v1/uploads", "POST", lambda c: post_json(c, "/api/v1/uploads", {"key": "a"})),
        ("/api/v1/uploads", "POST", lambda c: post_json(c, "/api/v1/uploads", b"{")),
        ("/api/v1/uploads", "POST", lambda c: post_json(c, "/api/v1/uploads", {}, auth=False)),
        (
            "/api/v1/uploads",
            "POST",
            lambda c: post_json(c, "/api/v1/uploads", {"cache_control": "x" * 17000}),
        ),
        (
            "/api/v1/uploads",
            "POST",
            lambda c: c.request(
                "POST",
                "/api/v1/uploads",
                body=b"{}",
                auth=True,
                headers={"Content-Type": "text/plain"},
            ),
        ),
        ("/api/v1/downloads", "POST", lambda c: post_json(c, "/api/v1/downloads", {"k": 1})),
        ("/api/v1/objects", "GET", lambda c: c.get("/api/v1/objects?limit=0", auth=True)),
        ("/api/v1/objects", "GET", lambda c: c.get("/api/v1/objects")),
    ],
)
def test_error_responses_match(
    client: Client, document: dict, path: str, method: str, call: Any
) -> None:
    reply = call(client)
    assert reply.status >= 400
    check(document, path, method, reply)


def test_openapi_needs_no_auth_and_is_cacheable(client: Client) -> None:
    reply = client.get("/api/v1/openapi.json")
    assert reply.status == 200
    assert "max-age" in reply.headers["cache-control"]

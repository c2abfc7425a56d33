"""Signed download links for private prefixes: POST /api/v1/downloads, then GET/HEAD the url."""

from __future__ import annotations

import time

import pytest

from tests.support.client import Client
from tests.support.data import random_bytes
from tests.support.tokens import path_of, post_json, scoped, token


@pytest.fixture()
def private(client: Client, prefix: str) -> str:
    """A private/ folder with two stored objects, a.bin and b.bin."""
    folder = f"private/{prefix}"
    for name in ("a.bin", "b.bin"):
        assert client.put(f"/{folder}{name}", random_bytes(64)).status == 201
    return folder


def mint(client: Client, **document: object) -> dict:
    reply = post_json(client, "/api/v1/downloads", document)
    assert reply.status == 201, reply.body
    return reply.json()


def test_private_object_needs_credentials(client: Client, private: str) -> None:
    assert client.get(f"/{private}a.bin").status == 401


def test_signed_link_gets_exactly_that_object(client: Client, private: str) -> None:
    link = mint(client, key=f"{private}a.bin")
    assert link["key"] == f"{private}a.bin"
    assert link["url"].endswith(f"/{private}a.bin?token={link['token']}")
    got = client.get(path_of(link["url"]))
    assert got.status == 200, got.body
    assert got.body == client.get(f"/{private}a.bin", auth=True).body
    assert got.headers["cache-control"] == "private, no-store"
    other = client.get(f"/{private}b.bin?token={link['token']}")
    assert (other.status, other.error_code) == (403, "token_scope")


def test_signed_link_works_for_head_and_as_bearer(client: Client, private: str) -> None:
    link = mint(client, key=f"{private}a.bin")
    head = client.head(path_of(link["url"]))
    assert (head.status, head.body, head.headers["content-length"]) == (200, b"", "64")
    bearer = client.get(f"/{private}a.bin", headers={"Authorization": f"Bearer {link['token']}"})
    assert bearer.status == 200


def test_expired_link_is_401(client: Client, private: str) -> None:
    now = int(time.time())
    tok = token({"op": "get", "key": f"{private}a.bin"}, iat=now - 900, exp=now - 120)
    reply = client.get(f"/{private}a.bin?token={tok}")
    assert (reply.status, reply.error_code) == (401, "token_expired")


def test_put_token_cannot_read(client: Client, private: str) -> None:
    tok = token({"op": "put", "key": f"{private}a.bin"})
    reply = client.get(f"/{private}a.bin?token={tok}")
    assert (reply.status, reply.error_code) == (403, "token_scope")


def test_link_for_a_missing_object_is_404(client: Client, private: str) -> None:
    link = mint(client, key=f"{private}missing.bin")
    assert client.get(path_of(link["url"])).status == 404


def test_download_name_becomes_content_disposition(client: Client, private: str) -> None:
    link = mint(client, key=f"{private}a.bin", expires_in=60, download_name="report 2026.pdf")
    got = client.get(path_of(link["url"]))
    assert got.status == 200
    assert got.headers["content-disposition"] == 'attachment; filename="report 2026.pdf"'
    head = client.head(path_of(link["url"]))
    assert head.headers["content-disposition"] == got.headers["content-disposition"]


def test_link_without_download_name_has_no_disposition(client: Client, private: str) -> None:
    link = mint(client, key=f"{private}a.bin")
    assert "content-disposition" not in client.get(path_of(link["url"])).headers


def test_token_on_a_public_object_is_still_checked(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}public.bin", b"public")
    link = mint(client, key=f"{prefix}public.bin", download_name="x.bin")
    got = client.get(path_of(link["url"]))
    assert got.headers["content-disposition"] == 'attachment; filename="x.bin"'
    bad = client.get(f"/{prefix}public.bin?token=not.a.token")
    assert bad.status == 401


def test_minting_needs_sign_and_read_on_the_key(client: Client, private: str) -> None:
    reader = scoped(client, "private-reader")
    assert post_json(reader, "/api/v1/downloads", {"key": f"{private}a.bin"}).status == 201
    outside = post_json(reader, "/api/v1/downloads", {"key": "public/a.bin"})
    assert (outside.status, outside.error_code) == (403, "key_scope")
    writer = scoped(client, "writer")  # sign + write, no read
    no_read = post_json(writer, "/api/v1/downloads", {"key": f"{private}a.bin"})
    assert (no_read.status, no_read.error_code) == (403, "key_scope")
    no_sign = post_json(scoped(client, "nosign"), "/api/v1/downloads", {"key": f"{private}a.bin"})
    assert (no_sign.status, no_sign.error_code) == (403, "key_scope")


def test_expires_in_over_the_maximum_is_400(client: Client, private: str) -> None:
    reply = post_json(client, "/api/v1/downloads", {"key": f"{private}a.bin", "expires_in": 901})
    assert (reply.status, reply.error_code) == (400, "invalid_request")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({}, id="no-key"),
        pytest.param({"key": 5}, id="key-not-a-string"),
        pytest.param({"key": "a.bin", "op": "put"}, id="unknown-member"),
        pytest.param({"key": "a.bin", "download_name": "a\nb"}, id="control-in-name"),
        pytest.param({"key": "a.bin", "expires_in": "60"}, id="expires-in-a-string"),
        pytest.param({"key": "a.bin", "expires_in": True}, id="expires-in-a-boolean"),
    ],
)
def test_bad_download_requests_are_400(client: Client, document: dict) -> None:
    reply = post_json(client, "/api/v1/downloads", document)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body


@pytest.mark.parametrize("key", ["a/../b", "a//b", "api/x", ""])
def test_download_link_for_an_invalid_key_is_400(client: Client, key: str) -> None:
    reply = post_json(client, "/api/v1/downloads", {"key": key})
    assert reply.status == 400
    assert reply.error_code in {"invalid_key", "invalid_request"}

"""GET/HEAD/PUT/DELETE of objects over HTTP, and every error case of the foundation."""

from __future__ import annotations

import re

import pytest

from tests.support.client import Client
from tests.support.data import random_bytes
from tests.support.server import RunningServer
from tests.support.short_body import put_short_body

HTTP_DATE = re.compile(r"^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT$")


def test_20mb_put_then_get_is_byte_identical_with_headers(client: Client, prefix: str) -> None:
    data = random_bytes(20 * 1024 * 1024)
    put = client.put(f"/{prefix}video.mp4", data)
    assert put.status == 201, put.body
    stored = put.json()
    assert stored["key"] == f"{prefix}video.mp4"
    assert stored["size"] == len(data)
    assert stored["content_type"] == "video/mp4"
    assert re.fullmatch(r"[0-9a-f]{32}", stored["etag"])

    got = client.get(f"/{prefix}video.mp4")
    assert got.status == 200
    assert got.body == data
    assert got.headers["etag"] == f'"{stored["etag"]}"'
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["content-type"] == "video/mp4"
    assert got.headers["accept-ranges"] == "bytes"
    assert "max-age" in got.headers["cache-control"]
    assert HTTP_DATE.match(got.headers["last-modified"])
    assert got.headers["x-content-type-options"] == "nosniff"


def test_head_carries_the_headers_get_would_and_no_body(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}a.glb", b"glTF" + bytes(100))
    get = client.get(f"/{prefix}a.glb")
    head = client.head(f"/{prefix}a.glb")
    assert head.status == 200
    assert head.body == b""
    for name in ("etag", "last-modified", "content-length", "content-type", "cache-control"):
        assert head.headers[name] == get.headers[name], name


def test_put_overwrite_is_200_and_replaces_bytes(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}f.bin", b"one").status == 201
    second = client.put(f"/{prefix}f.bin", b"second")
    assert second.status == 200
    assert second.json()["size"] == 6
    assert client.get(f"/{prefix}f.bin").body == b"second"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("m.glb", "model/gltf-binary"),
        ("m.gltf", "model/gltf+json"),
        ("m.usdz", "model/vnd.usdz+zip"),
        ("s.splat", "application/octet-stream"),
        ("s.ply", "application/octet-stream"),
        ("p.webp", "image/webp"),
        ("v.MOV", "video/quicktime"),
    ],
)
def test_content_type_inferred_from_extension(
    client: Client, prefix: str, name: str, expected: str
) -> None:
    client.put(f"/{prefix}{name}", b"x")
    assert client.get(f"/{prefix}{name}").headers["content-type"] == expected


def test_stored_content_type_wins_over_extension(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}data.glb", b"{}", headers={"Content-Type": "application/json"})
    assert client.get(f"/{prefix}data.glb").headers["content-type"] == "application/json"


def test_same_bytes_rewritten_with_other_headers_are_read_with_the_new_ones(
    client: Client, prefix: str
) -> None:
    """Same bytes, so the same etag: what a read sends comes from the new version."""
    path = f"/{prefix}same.bin"
    first = client.put(path, b"same", headers={"Content-Type": "text/plain"})
    read = client.get(path, headers={"Cache-Control": "no-cache"})
    assert read.headers["content-type"] == "text/plain"
    second = client.put(
        path, b"same", headers={"Content-Type": "image/png", "Cache-Control": "no-store"}
    )
    assert second.json()["etag"] == first.json()["etag"]
    for method in ("GET", "HEAD"):
        again = client.request(method, path, headers={"Cache-Control": "no-cache"})
        assert again.headers["content-type"] == "image/png"
        assert again.headers["cache-control"] == "no-store"


def test_empty_body_put_stores_an_empty_object(client: Client, prefix: str) -> None:
    put = client.put(f"/{prefix}empty.txt", b"")
    assert put.status == 201
    got = client.get(f"/{prefix}empty.txt")
    assert (got.status, got.body, got.headers["content-length"]) == (200, b"", "0")


def test_delete_removes_the_object(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}gone.txt", b"bye")
    assert client.delete(f"/{prefix}gone.txt").status == 204
    assert client.get(f"/{prefix}gone.txt").status == 404
    assert client.delete(f"/{prefix}gone.txt").status == 204  # idempotent


def test_unicode_key_round_trips(client: Client, prefix: str) -> None:
    path = f"/{prefix}caf%C3%A9%20menu.json"
    put = client.put(path, b"{}")
    assert put.status == 201
    assert put.json()["key"] == f"{prefix}café menu.json"
    assert client.get(path).body == b"{}"


# --- errors -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/", id="empty"),
        pytest.param("/a/..%2Fsecret", id="dotdot-segment"),
        pytest.param("/a//b", id="double-slash"),
        pytest.param("/a/%01b", id="control-character"),
        pytest.param("/a/%7Fb", id="delete-character"),
        pytest.param("/" + "k" * 1025, id="over-1024-bytes"),
        pytest.param("/" + "%C3%A9" * 513, id="over-1024-bytes-utf8"),
        pytest.param("/api%2Fx", id="reserved-api-prefix"),
        pytest.param("/%FF%FE", id="not-utf8"),
        pytest.param("/dir/", id="trailing-slash"),
    ],
)
def test_invalid_keys_are_400_and_nothing_is_stored(client: Client, path: str) -> None:
    reply = client.put(path, b"data")
    assert reply.status == 400, reply.body
    assert reply.error_code == "invalid_key"
    assert reply.headers["content-type"].startswith("application/json")


def test_key_of_exactly_1024_bytes_is_accepted(client: Client, prefix: str) -> None:
    key = prefix + "k" * (1024 - len(prefix))
    assert client.put(f"/{key}", b"x").status == 201


def test_missing_api_key_is_401(client: Client, prefix: str) -> None:
    reply = client.put(f"/{prefix}x", b"x", auth=False)
    assert reply.status == 401
    assert reply.error_code == "auth_required"
    assert reply.headers["www-authenticate"].startswith("Bearer")
    assert client.get(f"/{prefix}x").status == 404


@pytest.mark.parametrize(
    "authorization",
    ["Bearer wrong-key-0123456789abcdef", "Basic dXNlcjpwYXNz", "Bearer", "bearer  "],
)
def test_wrong_api_key_is_401(client: Client, prefix: str, authorization: str) -> None:
    reply = client.put(f"/{prefix}x", b"x", auth=False, headers={"Authorization": authorization})
    assert reply.status == 401
    assert reply.error_code in {"auth_invalid", "auth_required"}
    assert client.api_key not in reply.body.decode()


@pytest.mark.needs("API_KEYS")
def test_api_key_that_looks_like_a_token_still_authenticates(client: Client, prefix: str) -> None:
    from tests.support.settings import TEST_SCOPED_KEYS

    secret = TEST_SCOPED_KEYS["dotted"][0]
    reply = client.put(
        f"/dotted/{prefix}x.txt", b"x", auth=False, headers={"Authorization": f"Bearer {secret}"}
    )
    assert reply.status == 201, reply.body


def test_delete_without_key_is_401_and_keeps_the_object(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}keep.txt", b"keep")
    assert client.delete(f"/{prefix}keep.txt", auth=False).status == 401
    assert client.get(f"/{prefix}keep.txt").body == b"keep"


def test_missing_object_is_404_json(client: Client, prefix: str) -> None:
    for method in ("GET", "HEAD"):
        reply = client.request(method, f"/{prefix}nothing-here")
        assert reply.status == 404
    assert client.get(f"/{prefix}nothing-here").error_code == "not_found"


@pytest.mark.parametrize("method", ["POST", "PATCH", "PROPFIND"])
def test_unsupported_method_is_405_with_allow(client: Client, prefix: str, method: str) -> None:
    reply = client.request(method, f"/{prefix}x", body=b"")
    assert reply.status == 405
    assert reply.error_code == "method_not_allowed"
    assert set(reply.headers["allow"].replace(" ", "").split(",")) >= {
        "GET",
        "HEAD",
        "PUT",
        "DELETE",
    }


def test_put_without_content_length_is_411(client: Client, prefix: str) -> None:
    auth = {"Authorization": f"Bearer {client.api_key}"}
    reply = client.put_chunked(f"/{prefix}chunked.bin", b"hello", auth)
    assert (reply.status, reply.error_code) == (411, "length_required")
    assert client.get(f"/{prefix}chunked.bin").status == 404


def test_unknown_api_route_is_404_json(client: Client) -> None:
    reply = client.get("/api/v0/nothing")
    assert reply.status == 404
    assert reply.error_code == "not_found"


def test_body_shorter_than_content_length_is_400_and_stores_nothing(
    server: RunningServer, client: Client, prefix: str
) -> None:
    auth = {"Authorization": f"Bearer {client.api_key}"}
    put_short_body(server, client, f"/{prefix}short.bin", auth)
    assert client.get(f"/{prefix}short.bin").status == 404

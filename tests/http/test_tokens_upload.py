"""Direct uploads: POST /api/v1/uploads signs a URL, PUT /<key>?token= stores the object."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from datetime import UTC, datetime

import jwt
import pytest

from tests.support.client import Client, Reply
from tests.support.data import random_bytes
from tests.support.server import RunningServer
from tests.support.settings import TEST_SIGNING_SECRETS
from tests.support.short_body import put_short_body
from tests.support.tokens import (
    decode,
    mint_upload,
    path_of,
    post_json,
    put_token,
    scoped,
    token,
)

GENERATED = r"\d{8}_\d{6}_[0-9a-f]{8}_"


def upload(client: Client, **document: object) -> tuple[dict, str]:
    """Mint, and return (the 201 body, the upload path with its ?token=)."""
    grant = mint_upload(client, **document)
    return grant, path_of(grant["upload_url"])


# --- minting ------------------------------------------------------------------------------------


def test_signed_url_works_like_curl_upload_file(client: Client, prefix: str) -> None:
    grant, path = upload(client, key=f"{prefix}chair.glb", content_type="model/gltf-binary")
    assert grant["method"] == "PUT"
    assert grant["key"] == f"{prefix}chair.glb"
    assert grant["headers"] == {"Content-Type": "model/gltf-binary"}
    assert grant["upload_url"].endswith(f"/{prefix}chair.glb?token={grant['token']}")
    assert grant["public_url"] == grant["upload_url"].split("?")[0]
    data = random_bytes(4096)
    put = client.request("PUT", path, body=data)  # curl -T: no Content-Type, no Authorization
    assert put.status == 201, put.body
    assert put.json()["key"] == f"{prefix}chair.glb"
    got = client.get(f"/{prefix}chair.glb")
    assert got.body == data
    assert got.headers["content-type"] == "model/gltf-binary"


def test_expires_at_and_max_bytes_reflect_the_request(client: Client, prefix: str) -> None:
    before = int(time.time())
    grant = mint_upload(
        client, key=f"{prefix}a.png", content_type="image/png", expires_in=120, max_bytes=10
    )
    expires = datetime.strptime(grant["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + 120 <= expires.timestamp() <= int(time.time()) + 120
    assert grant["max_bytes"] == 10
    default = mint_upload(client, key=f"{prefix}b.png", content_type="image/png")
    assert default["max_bytes"] == 100_000_000  # the single-PUT limit


@pytest.mark.needs("SIGNING_KEYS")
def test_pyjwt_verifies_the_minted_token_with_the_newest_key(client: Client, prefix: str) -> None:
    before = int(time.time())
    grant = mint_upload(
        client, key=f"{prefix}a.png", content_type="image/png", max_bytes=10, multipart=True
    )
    for tok, op, limit in ((grant["token"], "put", 10), (grant["multipart"]["token"], "mpu", 10)):
        assert jwt.get_unverified_header(tok)["kid"] == "new"
        claims = decode(tok, TEST_SIGNING_SECRETS["new"])
        assert {k: claims[k] for k in ("op", "key", "ct", "max")} == {
            "op": op,
            "key": f"{prefix}a.png",
            "ct": ["image/png"],
            "max": limit,
        }
        assert before <= claims["iat"] and claims["exp"] == claims["iat"] + 900
        with pytest.raises(jwt.InvalidSignatureError):
            decode(tok, TEST_SIGNING_SECRETS["old"])


def test_the_token_is_also_accepted_as_bearer(client: Client, prefix: str) -> None:
    grant = mint_upload(client, key=f"{prefix}b.bin", content_type="application/octet-stream")
    put = put_token(client, f"/{prefix}b.bin", grant["token"], b"bearer", bearer=True)
    assert put.status == 201, put.body
    assert client.get(f"/{prefix}b.bin").body == b"bearer"


@pytest.mark.parametrize(
    ("content_type", "filename", "folder"),
    [
        ("model/gltf-binary", "Chair Model (v2).glb", "models/"),
        ("application/octet-stream", "scan.splat", "models/"),
        ("video/mp4", "clip.mp4", "videos/"),
        ("image/webp", "photo.webp", "images/"),
        ("audio/mpeg", "song.mp3", "audio/"),
        ("application/pdf", "manual.pdf", "documents/"),
        ("application/zip", "bundle.zip", "other/"),
    ],
)
def test_filename_gets_a_generated_key_in_a_folder_by_type(
    client: Client, content_type: str, filename: str, folder: str
) -> None:
    grant = mint_upload(client, filename=filename, content_type=content_type)
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)
    assert re.fullmatch(f"{folder}{GENERATED}{re.escape(safe)}", grant["key"]), grant["key"]


def test_generated_keys_are_unique(client: Client) -> None:
    keys = {
        mint_upload(client, filename="a.png", content_type="image/png")["key"] for _ in range(5)
    }
    assert len(keys) == 5


def test_filename_with_request_prefix(client: Client, prefix: str) -> None:
    grant, path = upload(
        client, filename="../../etc/passwd", prefix=prefix, content_type="text/plain"
    )
    assert re.fullmatch(f"{re.escape(prefix)}{GENERATED}passwd", grant["key"]), grant["key"]
    assert client.request("PUT", path, body=b"x").status == 201


def test_scoped_key_with_one_prefix_generates_keys_under_it(client: Client) -> None:
    tenant = scoped(client, "tenant42")
    grant, path = upload(tenant, filename="chair.glb", content_type="model/gltf-binary")
    assert re.fullmatch(f"tenant-42/{GENERATED}chair.glb", grant["key"]), grant["key"]
    assert client.request("PUT", path, body=b"glTF").status == 201


def test_scoped_key_with_several_prefixes_must_name_one(client: Client) -> None:
    two = scoped(client, "twofolders")
    reply = post_json(two, "/api/v1/uploads", {"filename": "x.png", "content_type": "image/png"})
    assert (reply.status, reply.error_code) == (400, "prefix_required")
    grant = mint_upload(two, filename="x.png", prefix="b/", content_type="image/png")
    assert grant["key"].startswith("b/")


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"key": "u/420/x.png"}, id="key-past-the-segment-boundary"),
        pytest.param({"key": "u/42"}, id="the-folder-name-itself"),
        pytest.param({"filename": "x.png", "prefix": "u/420/"}, id="prefix-past-the-boundary"),
        pytest.param({"filename": "x.png", "prefix": ""}, id="root-prefix"),
    ],
)
def test_tokens_never_exceed_the_api_keys_prefixes(client: Client, document: dict) -> None:
    reply = post_json(
        scoped(client, "u42"), "/api/v1/uploads", {**document, "content_type": "image/png"}
    )
    assert (reply.status, reply.error_code) == (403, "key_scope"), reply.body


def test_scoped_key_inside_its_prefix_can_sign(client: Client, prefix: str) -> None:
    grant, path = upload(scoped(client, "u42"), key=f"u/42/{prefix}x.png", content_type="image/png")
    assert client.request("PUT", path, body=b"png").status == 201


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("nosign", id="no-sign-op"),
        pytest.param("private-reader", id="sign-without-write"),
    ],
)
def test_api_key_needs_sign_and_write(client: Client, prefix: str, name: str) -> None:
    document = {"key": f"private/{prefix}x.png", "content_type": "image/png"}
    reply = post_json(scoped(client, name), "/api/v1/uploads", document)
    assert (reply.status, reply.error_code) == (403, "key_scope")


def test_private_prefix_has_no_public_url(client: Client, prefix: str) -> None:
    grant = mint_upload(client, key=f"private/{prefix}doc.pdf", content_type="application/pdf")
    assert grant["public_url"] is None


# --- PUT with a token: every check, in order ----------------------------------------------------


def test_invalid_token_is_401_and_nothing_is_stored(client: Client, prefix: str) -> None:
    reply = put_token(client, f"/{prefix}x.bin", "not.a.token", b"data")
    assert reply.status == 401
    assert reply.error_code == "token_malformed"
    assert client.get(f"/{prefix}x.bin").status == 404


def test_token_for_another_key_is_403(client: Client, prefix: str) -> None:
    grant = mint_upload(client, key=f"{prefix}mine.bin", content_type="application/octet-stream")
    reply = put_token(client, f"/{prefix}other.bin", grant["token"], b"data")
    assert (reply.status, reply.error_code) == (403, "token_scope")
    assert client.get(f"/{prefix}other.bin").status == 404


def test_prefix_token_stops_at_the_segment_boundary(client: Client, prefix: str) -> None:
    tok = token({"op": "put", "prefix": f"{prefix}u/42/"})
    outside = put_token(client, f"/{prefix}u/420/x", tok, b"no")
    assert (outside.status, outside.error_code) == (403, "token_scope")
    assert client.get(f"/{prefix}u/420/x").status == 404
    assert put_token(client, f"/{prefix}u/42/x", tok, b"yes").status == 201


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        pytest.param("u/42/..%2Fx", 400, "invalid_key", id="encoded-slash-dotdot"),
        pytest.param("u/42/..%2F..%2Fx", 400, "invalid_key", id="encoded-climb"),
        pytest.param("u/42//x", 400, "invalid_key", id="double-slash"),
        pytest.param("u/42/x/", 400, "invalid_key", id="trailing-slash"),
        # the URL parser resolves literal (and %2E) dot segments first: the key is then outside
        pytest.param("u/42/../../x", 403, "token_scope", id="dotdot-resolved-outside"),
        pytest.param("u/42/%2E%2E/%2e%2e/x", 403, "token_scope", id="encoded-dots-resolved"),
    ],
)
def test_traversal_keys_with_a_prefix_token_store_nothing(
    client: Client, prefix: str, path: str, status: int, code: str
) -> None:
    tok = token({"op": "put", "prefix": f"{prefix}u/42/"})
    reply = put_token(client, f"/{prefix}{path}", tok, b"data")
    assert (reply.status, reply.error_code) == (status, code)
    listing = client.get(f"/api/v1/objects?prefix={prefix}", auth=True)
    assert listing.json()["objects"] == []


def test_put_without_content_length_is_411(client: Client, prefix: str) -> None:
    grant = mint_upload(client, key=f"{prefix}c.bin", content_type="application/octet-stream")
    reply = client.put_chunked(path_of(grant["upload_url"]), b"hello")
    assert (reply.status, reply.error_code) == (411, "length_required")
    assert client.get(f"/{prefix}c.bin").status == 404


def test_non_numeric_content_length_is_400(client: Client, prefix: str) -> None:
    grant, path = upload(client, key=f"{prefix}n.bin", content_type="application/octet-stream")
    reply = client.request("PUT", path, body=b"abc", headers={"Content-Length": "3x"})
    assert reply.status == 400


def test_body_over_max_bytes_is_413(client: Client, prefix: str) -> None:
    grant, path = upload(
        client, key=f"{prefix}big.bin", content_type="application/octet-stream", max_bytes=10
    )
    reply = client.request("PUT", path, body=b"x" * 11)
    assert (reply.status, reply.error_code) == (413, "too_large")
    assert client.get(f"/{prefix}big.bin").status == 404
    assert client.request("PUT", path, body=b"x" * 10).status == 201


def test_body_not_equal_to_len_is_400(client: Client, prefix: str) -> None:
    tok = token({"op": "put", "key": f"{prefix}len.bin", "len": 5})
    for body in (b"1234", b"123456"):
        reply = put_token(client, f"/{prefix}len.bin", tok, body)
        assert (reply.status, reply.error_code) == (400, "length_mismatch")
    assert client.get(f"/{prefix}len.bin").status == 404
    assert put_token(client, f"/{prefix}len.bin", tok, b"12345").status == 201


@pytest.mark.parametrize("sent", ["text/html", "image/svg+xml", "image/pngx"])
def test_content_type_outside_the_token_is_415(client: Client, prefix: str, sent: str) -> None:
    grant, path = upload(client, key=f"{prefix}p.png", content_type="image/png")
    reply = client.request("PUT", path, body=b"<html>", headers={"Content-Type": sent})
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")
    assert client.get(f"/{prefix}p.png").status == 404


def test_allowed_content_type_with_parameters_is_stored_as_sent(
    client: Client, prefix: str
) -> None:
    grant, path = upload(client, key=f"{prefix}t.txt", content_type="text/plain")
    sent = "text/plain; charset=utf-8"
    assert client.request("PUT", path, body=b"hi", headers={"Content-Type": sent}).status == 201
    assert client.get(f"/{prefix}t.txt").headers["content-type"] == sent


def test_client_headers_are_not_stored_only_the_tokens(client: Client, prefix: str) -> None:
    grant, path = upload(
        client,
        key=f"{prefix}m.glb",
        content_type="model/gltf-binary",
        cache_control="public, max-age=60",
        metadata={"owner": "user-7"},
    )
    hostile = {
        "Content-Type": "model/gltf-binary",
        "Content-Disposition": 'attachment; filename="evil.html"',
        "Cache-Control": "public, max-age=99999999",
        "Content-Encoding": "gzip",
        "Content-Language": "xx",
    }
    assert client.request("PUT", path, body=b"glTF", headers=hostile).status == 201
    got = client.get(f"/{prefix}m.glb")
    assert got.body == b"glTF"
    assert got.headers["cache-control"] == "public, max-age=60"
    assert "content-disposition" not in got.headers
    assert "content-encoding" not in got.headers
    assert "content-language" not in got.headers


def test_create_only_replay_is_412_and_the_first_bytes_remain(client: Client, prefix: str) -> None:
    grant, path = upload(client, key=f"{prefix}once.bin", content_type="application/octet-stream")
    assert client.request("PUT", path, body=b"first").status == 201
    replay = client.request("PUT", path, body=b"second")
    assert (replay.status, replay.error_code) == (412, "already_exists")
    assert client.get(f"/{prefix}once.bin").body == b"first"


def test_create_only_token_cannot_replace_an_existing_object(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}keep.bin", b"original").status == 201
    grant, path = upload(client, key=f"{prefix}keep.bin", content_type="application/octet-stream")
    reply = client.request("PUT", path, body=b"replaced")
    assert (reply.status, reply.error_code) == (412, "already_exists")
    assert client.get(f"/{prefix}keep.bin").body == b"original"


def test_overwrite_token_replaces_with_200(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}ow.bin", b"original").status == 201
    grant, path = upload(
        client, key=f"{prefix}ow.bin", content_type="application/octet-stream", overwrite=True
    )
    time.sleep(1.05)  # R2 allows one write per second to the same key
    reply = client.request("PUT", path, body=b"replaced")
    assert reply.status == 200, reply.body
    assert client.get(f"/{prefix}ow.bin").body == b"replaced"


def test_sha256_is_verified_by_storage(client: Client, prefix: str) -> None:
    data = random_bytes(1000)
    digest = hashlib.sha256(data).hexdigest()
    grant, path = upload(
        client, key=f"{prefix}sum.bin", content_type="application/octet-stream", sha256=digest
    )
    wrong = client.request("PUT", path, body=data[:-1] + bytes([data[-1] ^ 1]))  # never the same
    assert (wrong.status, wrong.error_code) == (400, "checksum_mismatch")
    assert digest not in wrong.body.decode()
    assert client.get(f"/{prefix}sum.bin").status == 404
    assert client.request("PUT", path, body=data).status == 201
    assert client.get(f"/{prefix}sum.bin").body == data


def test_two_concurrent_uploads_with_one_create_only_token(client: Client, prefix: str) -> None:
    grant, path = upload(client, key=f"{prefix}race.bin", content_type="application/octet-stream")
    bodies = [random_bytes(256 * 1024), random_bytes(256 * 1024)]
    replies: list[Reply | None] = [None, None]
    start = threading.Barrier(2)

    def send(index: int) -> None:
        start.wait()
        replies[index] = client.request("PUT", path, body=bodies[index])

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = [reply.status for reply in replies if reply is not None]
    assert sorted(statuses)[0] == 201 and statuses.count(201) == 1, statuses
    loser = next(reply for reply in replies if reply is not None and reply.status != 201)
    assert (loser.status, loser.error_code) in {(412, "already_exists"), (429, "rate_limited")}
    winner = statuses.index(201)
    assert client.get(f"/{prefix}race.bin").body == bodies[winner]


def test_body_shorter_than_content_length_is_400_and_stores_nothing(
    server: RunningServer, client: Client, prefix: str
) -> None:
    grant, path = upload(client, key=f"{prefix}short.bin", content_type="application/octet-stream")
    put_short_body(server, client, path, {})
    assert client.get(f"/{prefix}short.bin").status == 404


def test_body_longer_than_content_length_stores_only_the_declared_bytes(
    client: Client, prefix: str
) -> None:
    grant, path = upload(
        client, key=f"{prefix}long.bin", content_type="application/octet-stream", max_bytes=10
    )
    conn = client.connection(timeout=30)
    try:
        conn.putrequest("PUT", path)
        conn.putheader("Content-Length", "10")
        conn.endheaders()
        conn.send(b"0123456789" + b"EXTRA" * 100)
        response = conn.getresponse()
        response.read()
    finally:
        conn.close()
    # The bytes past Content-Length are a malformed next request: the HTTP server may answer
    # that one (400) before the upload's 201 arrives. The object is the declared bytes only.
    assert response.status in (201, 400)
    got = client.get(f"/{prefix}long.bin")
    assert (got.status, got.body) == (200, b"0123456789")


# --- tokens for other operations ----------------------------------------------------------------


def test_get_token_used_for_put_is_403(client: Client, prefix: str) -> None:
    tok = token({"op": "get", "key": f"{prefix}g.bin"})
    reply = put_token(client, f"/{prefix}g.bin", tok, b"data")
    assert (reply.status, reply.error_code) == (403, "token_scope")
    assert client.get(f"/{prefix}g.bin").status == 404


def test_mpu_token_used_for_single_put_is_403(client: Client, prefix: str) -> None:
    tok = token({"op": "mpu", "key": f"{prefix}m.bin"})
    reply = put_token(client, f"/{prefix}m.bin", tok, b"data")
    assert (reply.status, reply.error_code) == (403, "token_scope")


def test_put_token_used_for_delete_is_403_and_keeps_the_object(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}d.bin", b"keep").status == 201
    tok = token({"op": "put", "key": f"{prefix}d.bin"})
    reply = client.request("DELETE", f"/{prefix}d.bin?token={tok}")
    assert (reply.status, reply.error_code) == (403, "token_scope")
    assert client.get(f"/{prefix}d.bin").body == b"keep"


def test_delete_token_deletes_exactly_its_key(client: Client, prefix: str) -> None:
    for name in ("a.bin", "b.bin"):
        assert client.put(f"/{prefix}{name}", b"x").status == 201
    tok = token({"op": "delete", "key": f"{prefix}a.bin"})
    other = client.request("DELETE", f"/{prefix}b.bin?token={tok}")
    assert (other.status, other.error_code) == (403, "token_scope")
    assert client.request("DELETE", f"/{prefix}a.bin?token={tok}").status == 204
    assert client.get(f"/{prefix}a.bin").status == 404
    assert client.get(f"/{prefix}b.bin").status == 200


def test_delete_token_for_a_prefix_with_bearer(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}in/x", b"x").status == 201
    assert client.put(f"/{prefix}inside/x", b"x").status == 201
    tok = token({"op": "delete", "prefix": f"{prefix}in/"})
    bearer = {"Authorization": f"Bearer {tok}"}
    assert client.request("DELETE", f"/{prefix}inside/x", headers=bearer).status == 403
    assert client.request("DELETE", f"/{prefix}in/x", headers=bearer).status == 204
    assert client.get(f"/{prefix}inside/x").status == 200


def test_delete_token_cannot_upload(client: Client, prefix: str) -> None:
    tok = token({"op": "delete", "key": f"{prefix}x.bin"})
    reply = put_token(client, f"/{prefix}x.bin", tok, b"data")
    assert (reply.status, reply.error_code) == (403, "token_scope")

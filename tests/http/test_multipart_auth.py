"""Who may use a multipart upload: API keys, mpu tokens, and everyone else (404)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.support.client import Client
from tests.support.multipart import PART, Mpu, mpu_path
from tests.support.tokens import scoped, token

# --- API keys ----------------------------------------------------------------------------------


def test_no_credentials_is_401(client: Client, prefix: str) -> None:
    upload_id = Mpu(client, f"{prefix}a.bin").start()
    for method, path in (
        ("POST", mpu_path(f"{prefix}a.bin")),
        ("GET", mpu_path(f"{prefix}a.bin", upload_id)),
        ("DELETE", mpu_path(f"{prefix}a.bin", upload_id)),
    ):
        reply = client.request(method, path)
        assert (reply.status, reply.error_code) == (401, "auth_required"), method


def test_a_scoped_key_needs_write_on_the_key(client: Client) -> None:
    u42 = scoped(client, "u42")  # write on u/42/
    upload_id = Mpu(u42, "u/42/model.glb").start()
    assert Mpu(u42, "u/42/model.glb").send(upload_id, 1, b"glb")
    for key in ("u/420/model.glb", "other/model.glb"):
        reply = Mpu(u42, key).create()
        assert (reply.status, reply.error_code) == (403, "key_scope"), key
    reader = scoped(client, "private-reader")  # read and sign only
    assert Mpu(reader, "private/x.bin").create().error_code == "key_scope"
    assert Mpu(u42, "u/42/model.glb").abort(upload_id).status == 204


def test_another_callers_upload_id_is_404(client: Client, prefix: str) -> None:
    mine = Mpu(client, f"{prefix}mine.bin")
    upload_id = mine.start()
    etag = mine.send(upload_id, 1, b"mine")
    theirs = Mpu(scoped(client, "writer"), f"{prefix}mine.bin")  # may write everywhere
    for reply in (
        theirs.status(upload_id),
        theirs.part(upload_id, 1, b"theirs"),
        theirs.complete(upload_id, [(1, etag)]),
        theirs.abort(upload_id),
    ):
        assert (reply.status, reply.error_code) == (404, "upload_not_found")
    assert mine.status(upload_id).json()["parts"][0]["etag"] == etag  # untouched
    assert mine.complete(upload_id, [(1, etag)]).status == 201
    assert client.get(f"/{prefix}mine.bin").body == b"mine"


def test_an_upload_id_used_on_another_key_is_404(client: Client, prefix: str) -> None:
    upload_id = Mpu(client, f"{prefix}a.bin").start()
    other = Mpu(client, f"{prefix}b.bin")
    for reply in (other.status(upload_id), other.part(upload_id, 1, b"x"), other.abort(upload_id)):
        assert (reply.status, reply.error_code) == (404, "upload_not_found")
    assert Mpu(client, f"{prefix}a.bin").status(upload_id).status == 200


@pytest.mark.parametrize("upload_id", ["0" * 32, "A" * 32, "abc", "../../api/uploads/x", "%00", ""])
def test_unknown_or_malformed_upload_ids_are_404(
    client: Client, prefix: str, upload_id: str
) -> None:
    reply = Mpu(client, f"{prefix}a.bin").status(upload_id)
    assert (reply.status, reply.error_code) == (404, "upload_not_found")


# --- tokens ------------------------------------------------------------------------------------


def mpu_token(key: str, **claims: object) -> str:
    return token({"op": "mpu", "key": key, **claims})


def test_an_mpu_token_uploads_with_the_tokens_grant(client: Client, prefix: str) -> None:
    key = f"{prefix}t.png"
    tok = mpu_token(key, ct=["image/png"], cache="public, max-age=5", meta={"user": "7"}, jti="a1")
    mpu = Mpu(client, key, tok)
    upload_id = mpu.start()  # no body: the token's single content type
    etag = mpu.send(upload_id, 1, b"\x89PNG")
    done = mpu.complete(upload_id, [(1, etag)])
    assert done.status == 201, done.body
    assert done.json()["content_type"] == "image/png"
    got = client.get(f"/{key}")
    assert (got.body, got.headers["content-type"]) == (b"\x89PNG", "image/png")
    assert got.headers["cache-control"] == "public, max-age=5"


def test_the_token_may_also_be_a_bearer_header(client: Client, prefix: str) -> None:
    key = f"{prefix}b.bin"
    headers = {"Authorization": f"Bearer {mpu_token(key)}"}
    reply = client.request("POST", mpu_path(key), headers=headers)
    assert reply.status == 201, reply.body


def test_metadata_and_cache_control_come_only_from_the_token(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}m.bin", mpu_token(f"{prefix}m.bin"))
    for document in ({"metadata": {"a": "b"}}, {"cache_control": "no-store"}):
        reply = mpu.create(document)
        assert (reply.status, reply.error_code) == (400, "invalid_request")


def test_a_content_type_outside_the_token_is_415(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}p.png", mpu_token(f"{prefix}p.png", ct=["image/*"]))
    reply = mpu.create({"content_type": "text/html"})
    assert (reply.status, reply.error_code) == (415, "unsupported_media_type")
    assert mpu.create({"content_type": "image/webp"}).status == 201


def test_a_token_for_another_key_or_operation_is_403(client: Client, prefix: str) -> None:
    key = f"{prefix}k.bin"
    for tok in (
        mpu_token(f"{prefix}other.bin"),
        token({"op": "mpu", "prefix": f"{prefix}sub/"}),
        token({"op": "put", "key": key}),
        token({"op": "get", "key": key}),
    ):
        reply = Mpu(client, key, tok).create()
        assert (reply.status, reply.error_code) == (403, "token_scope")
    # ... and for the parts of an upload another token created.
    upload_id = Mpu(client, key, mpu_token(key, jti="k")).start()
    reply = Mpu(client, key, mpu_token(f"{prefix}other.bin", jti="k")).part(upload_id, 1, b"x")
    assert (reply.status, reply.error_code) == (403, "token_scope")


def test_a_prefix_token_covers_its_keys(client: Client, prefix: str) -> None:
    tok = token({"op": "mpu", "prefix": f"{prefix}u/", "jti": "p"})
    mpu = Mpu(client, f"{prefix}u/deep/x.bin", tok)
    upload_id = mpu.start()
    assert mpu.complete(upload_id, [(1, mpu.send(upload_id, 1, b"x"))]).status == 201


def test_token_max_bounds_the_sum_of_all_parts(client: Client, prefix: str) -> None:
    key = f"{prefix}max.bin"
    mpu = Mpu(client, key, mpu_token(key, max=PART + 100, jti="m"))
    upload_id = mpu.start({"part_size": PART})
    one = mpu.send(upload_id, 1, bytes(PART))
    crossing = mpu.part(upload_id, 2, bytes(101))
    assert (crossing.status, crossing.error_code) == (413, "too_large")
    assert client.get(f"/{key}").status == 404  # nothing was completed
    assert [p["part_number"] for p in mpu.status(upload_id).json()["parts"]] == [1]
    # Re-sending a part counts its new size, not both.
    one = mpu.send(upload_id, 1, bytes(PART))
    two = mpu.send(upload_id, 2, bytes(100))
    done = mpu.complete(upload_id, [(1, one), (2, two)])
    assert done.status == 201, done.body
    assert done.json()["size"] == PART + 100


def test_token_len_is_the_exact_sum(client: Client, prefix: str) -> None:
    key = f"{prefix}len.bin"
    mpu = Mpu(client, key, mpu_token(key, len=300, jti="l"))
    upload_id = mpu.start()
    short = mpu.send(upload_id, 1, bytes(200))
    reply = mpu.complete(upload_id, [(1, short)])
    assert (reply.status, reply.error_code) == (400, "length_mismatch")
    assert mpu.part(upload_id, 1, bytes(301)).error_code == "too_large"
    exact = mpu.send(upload_id, 1, bytes(300))
    assert mpu.complete(upload_id, [(1, exact)]).status == 201


def test_a_refreshed_token_with_the_same_jti_continues(client: Client, prefix: str) -> None:
    key = f"{prefix}j.bin"
    now = int(time.time())
    first = Mpu(client, key, mpu_token(key, jti="upload-7"))
    upload_id = first.start()
    one = first.send(upload_id, 1, b"x" * 10)
    later = Mpu(client, key, token({"op": "mpu", "key": key, "jti": "upload-7"}, iat=now + 1))
    assert later.status(upload_id).json()["parts"][0]["etag"] == one
    stranger = Mpu(client, key, mpu_token(key, jti="upload-8"))
    assert stranger.status(upload_id).error_code == "upload_not_found"
    assert Mpu(client, key).status(upload_id).error_code == "upload_not_found"  # an API key
    assert later.complete(upload_id, [(1, one)]).status == 201


def test_a_token_without_jti_owns_its_upload_alone(client: Client, prefix: str) -> None:
    key = f"{prefix}nojti.bin"
    now = int(time.time())
    tok = token({"op": "mpu", "key": key}, iat=now)
    mpu = Mpu(client, key, tok)
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"x")
    other = Mpu(client, key, token({"op": "mpu", "key": key}, iat=now - 1))
    assert other.status(upload_id).error_code == "upload_not_found"
    assert mpu.complete(upload_id, [(1, etag)]).status == 201


def test_a_create_only_token_refuses_an_existing_key(client: Client, prefix: str) -> None:
    key = f"{prefix}exists.bin"
    assert client.put(f"/{key}", b"old").status == 201
    reply = Mpu(client, key, mpu_token(key)).create()
    assert (reply.status, reply.error_code) == (412, "already_exists")
    overwrite = Mpu(client, key, mpu_token(key, ow=True, jti="o"))
    upload_id = overwrite.start()
    assert overwrite.complete(upload_id, [(1, overwrite.send(upload_id, 1, b"new"))]).status == 201
    assert client.get(f"/{key}").body == b"new"


def test_a_create_only_token_refuses_a_key_created_during_the_upload(
    client: Client, prefix: str
) -> None:
    key = f"{prefix}race.bin"
    mpu = Mpu(client, key, mpu_token(key, jti="r"))
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"late")
    assert client.put(f"/{key}", b"first").status == 201
    reply = mpu.complete(upload_id, [(1, etag)])
    assert (reply.status, reply.error_code) == (412, "already_exists")
    assert client.get(f"/{key}").body == b"first"


def test_a_token_with_sha256_is_refused(client: Client, prefix: str) -> None:
    key = f"{prefix}sha.bin"
    reply = Mpu(client, key, mpu_token(key, sha256="0" * 64)).create()
    assert (reply.status, reply.error_code) == (400, "checksum_unsupported")


def test_an_expired_token_is_401(client: Client, prefix: str) -> None:
    key = f"{prefix}late.bin"
    now = int(time.time())
    tok = token({"op": "mpu", "key": key}, iat=now - 600, exp=now - 120)
    reply = Mpu(client, key, tok).create()
    assert (reply.status, reply.error_code) == (401, "token_expired")


def test_parallel_parts_cannot_overrun_the_tokens_max(client: Client, prefix: str) -> None:
    key = f"{prefix}race.bin"
    mib = 1024 * 1024
    mpu = Mpu(client, key, mpu_token(key, max=6 * mib, jti="race"))
    upload_id = mpu.start({"part_size": PART})
    mpu.send(upload_id, 1, bytes(PART))

    def send(number: int) -> int:
        return mpu.part(upload_id, number, bytes(mib)).status

    with ThreadPoolExecutor(max_workers=3) as pool:
        statuses = dict(zip((2, 3, 4), pool.map(send, (2, 3, 4)), strict=True))
    assert statuses == {2: 200, 3: 413, 4: 413}
    status = mpu.status(upload_id).json()
    assert status["bytes_received"] <= 6 * mib
    assert [p["part_number"] for p in status["parts"]] == [1, 2]

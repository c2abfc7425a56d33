"""Cache policy per prefix, the Workers Cache API path (X-Cache), eviction on writes."""

from __future__ import annotations

import time

import pytest

from tests.support.client import Client, Reply
from tests.support.data import random_bytes
from tests.support.s3 import s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET


def until_hit(client: Client, path: str, headers: dict[str, str] | None = None) -> Reply:
    """The edge cache is filled in the background (waitUntil): poll until a HIT."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        reply = client.get(path, headers=headers)
        if reply.headers.get("x-cache") == "HIT":
            return reply
        time.sleep(0.05)
    raise AssertionError(f"{path} was never served from the edge cache")


def test_default_cache_control_is_one_hour(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}a.png", b"png")
    assert client.get(f"/{prefix}a.png").headers["cache-control"] == "public, max-age=3600"


def test_models_prefix_is_immutable_for_a_year(client: Client, prefix: str) -> None:
    client.put(f"/models/{prefix}chair.glb", b"glTF")
    reply = client.get(f"/models/{prefix}chair.glb")
    assert reply.headers["cache-control"] == "public, max-age=31536000, immutable"


def test_stored_cache_control_wins_over_the_prefix_rule(client: Client, prefix: str) -> None:
    client.put(f"/models/{prefix}draft.glb", b"glTF", headers={"Cache-Control": "no-cache"})
    reply = client.get(f"/models/{prefix}draft.glb")
    assert reply.headers["cache-control"] == "no-cache"
    assert reply.headers["x-cache"] == "MISS"
    assert client.get(f"/models/{prefix}draft.glb").headers["x-cache"] == "MISS"  # not stored


def test_stored_representation_headers_are_served(client: Client, prefix: str) -> None:
    headers = {"Content-Disposition": 'inline; filename="scan.ply"', "Content-Language": "en"}
    client.put(f"/{prefix}scan.ply", b"ply", headers=headers)
    reply = client.get(f"/{prefix}scan.ply")
    assert reply.headers["content-disposition"] == 'inline; filename="scan.ply"'
    assert reply.headers["content-language"] == "en"


def test_private_prefix_needs_the_api_key_and_is_never_cached(client: Client, prefix: str) -> None:
    path = f"/private/{prefix}scan.ply"
    client.put(path, b"ply")
    assert client.get(path).status == 401
    assert client.head(path).status == 401
    for _ in range(3):
        reply = client.get(path, auth=True)
        assert reply.status == 200
        assert reply.body == b"ply"
        assert reply.headers["cache-control"] == "private, no-store"
        assert reply.headers["x-cache"] == "BYPASS"


def test_first_read_is_a_miss_then_hits_with_the_same_bytes(client: Client, prefix: str) -> None:
    data = random_bytes(300_000)
    client.put(f"/{prefix}v.mp4", data)
    first = client.get(f"/{prefix}v.mp4")
    assert first.headers["x-cache"] == "MISS"
    hit = until_hit(client, f"/{prefix}v.mp4")
    assert hit.body == data
    for name in ("etag", "last-modified", "content-length", "content-type", "cache-control"):
        assert hit.headers[name] == first.headers[name], name


def test_ranges_and_conditionals_are_answered_from_the_cache(client: Client, prefix: str) -> None:
    data = random_bytes(50_000)
    client.put(f"/{prefix}splat.splat", data)
    etag = until_hit(client, f"/{prefix}splat.splat").headers["etag"]

    ranged = client.get(f"/{prefix}splat.splat", headers={"Range": "bytes=100-199"})
    assert (ranged.status, ranged.headers["x-cache"]) == (206, "HIT")
    assert ranged.body == data[100:200]
    assert ranged.headers["content-range"] == "bytes 100-199/50000"

    suffix = client.get(f"/{prefix}splat.splat", headers={"Range": "bytes=-10"})
    assert (suffix.status, suffix.body) == (206, data[-10:])

    not_modified = client.get(f"/{prefix}splat.splat", headers={"If-None-Match": etag})
    assert (not_modified.status, not_modified.headers["x-cache"]) == (304, "HIT")
    assert not_modified.headers["etag"] == etag

    failed = client.get(f"/{prefix}splat.splat", headers={"If-Match": '"nope"'})
    assert failed.status == 412

    unsatisfiable = client.get(f"/{prefix}splat.splat", headers={"Range": "bytes=60000-"})
    assert unsatisfiable.status == 416
    assert unsatisfiable.headers["content-range"] == "bytes */50000"

    several = client.get(f"/{prefix}splat.splat", headers={"Range": "bytes=0-1,10-11"})
    assert several.status == 206
    assert several.headers["content-type"].startswith("multipart/byteranges")

    head = client.head(f"/{prefix}splat.splat")
    assert (head.status, head.headers["x-cache"], head.body) == (200, "HIT", b"")
    assert head.headers["content-length"] == "50000"


def test_put_evicts_so_the_next_read_has_the_new_bytes(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}m.glb", b"old bytes")
    until_hit(client, f"/{prefix}m.glb")
    assert client.put(f"/{prefix}m.glb", b"new bytes!").status == 200
    reply = client.get(f"/{prefix}m.glb")
    assert reply.body == b"new bytes!"
    assert reply.headers["x-cache"] == "MISS"


def test_delete_evicts_so_the_object_is_gone(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}gone.jpg", b"jpg")
    until_hit(client, f"/{prefix}gone.jpg")
    assert client.delete(f"/{prefix}gone.jpg").status == 204
    assert client.get(f"/{prefix}gone.jpg").status == 404


def test_s3_delete_objects_evicts_every_key(
    server: RunningServer, client: Client, prefix: str
) -> None:
    keys = [f"{prefix}many/{n}.jpg" for n in range(5)]
    for key in keys:
        client.put(f"/{key}", b"jpg")
        until_hit(client, f"/{key}")
    s3 = s3_client(server.url)
    deleted = s3.delete_objects(Bucket=S3_BUCKET, Delete={"Objects": [{"Key": k} for k in keys]})
    assert sorted(d["Key"] for d in deleted["Deleted"]) == keys
    assert [client.get(f"/{key}").status for key in keys] == [404] * 5


@pytest.mark.needs("CACHE_POLICY")
def test_no_store_prefix_is_never_stored(client: Client, prefix: str) -> None:
    client.put(f"/nostore/{prefix}live.json", b"{}")
    for _ in range(5):
        reply = client.get(f"/nostore/{prefix}live.json")
        assert reply.headers["x-cache"] == "MISS"
        time.sleep(0.05)


def test_request_no_cache_bypasses_the_edge_cache(client: Client, prefix: str) -> None:
    client.put(f"/{prefix}b.webp", b"webp")
    until_hit(client, f"/{prefix}b.webp")
    reply = client.get(f"/{prefix}b.webp", headers={"Cache-Control": "no-cache"})
    assert reply.headers["x-cache"] == "BYPASS"

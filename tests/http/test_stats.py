"""GET /api/v1/stats on the real server: after a mixed workload of 500 writes and deletes the
index (kept by the Queue consumer in Miniflare's D1) agrees with a full listing, a reindex
(which replays every object) changes nothing, and the figures stay within the key's scope."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import threading
import time
import uuid
from typing import Any
from urllib.parse import quote

import pytest

from tests.support.client import Client
from tests.support.s3 import s3_client
from tests.support.server import ROOT, RunningServer
from tests.support.settings import S3_BUCKET
from tests.support.tokens import mint_upload, post_json, scoped

TYPES = {"glb": "model/gltf-binary", "mp4": "video/mp4", "png": "image/png", "txt": "text/plain"}
OPERATIONS = 500
WORKERS = 4


def listing(client: Client, prefix: str) -> list[dict[str, Any]]:
    objects, cursor = [], None
    while True:
        query = f"prefix={quote(prefix)}&limit=1000" + (
            f"&cursor={quote(cursor)}" if cursor else ""
        )
        page = client.get(f"/api/v1/objects?{query}", auth=True).json()
        objects += page["objects"]
        cursor = page["cursor"]
        if not page["truncated"]:
            return objects


def expected_stats(objects: list[dict[str, Any]], prefix: str) -> dict[str, Any]:
    by_prefix: dict[str, dict[str, int]] = {}
    by_type: dict[str, dict[str, int]] = {}
    for obj in objects:
        rest = obj["key"][len(prefix) :]
        folder = prefix + rest.split("/", 1)[0] + "/" if "/" in rest else prefix
        top = obj["content_type"].split("/", 1)[0]
        for groups, name in ((by_prefix, folder), (by_type, top)):
            entry = groups.setdefault(name, {"objects": 0, "bytes": 0})
            entry["objects"] += 1
            entry["bytes"] += obj["size"]
    return {
        "objects": len(objects),
        "bytes": sum(o["size"] for o in objects),
        "by_prefix": by_prefix,
        "by_type": by_type,
    }


def stats(client: Client, prefix: str | None = None) -> dict[str, Any]:
    query = "" if prefix is None else f"?prefix={quote(prefix)}"
    reply = client.get(f"/api/v1/stats{query}", auth=True)
    assert reply.status == 200, reply.body
    return reply.json()


def settled(client: Client, prefix: str, timeout: float = 30.0) -> dict[str, Any]:
    """The stats once they agree with the listing (the index is seconds behind)."""
    want = expected_stats(listing(client, prefix), prefix)
    deadline = time.monotonic() + timeout
    while True:
        got = stats(client, prefix)
        if {k: got[k] for k in want} == want or time.monotonic() > deadline:
            return {"want": want, "got": got}
        time.sleep(0.5)


def workload(client: Client, server: RunningServer, prefix: str, seed: int) -> None:
    """OPERATIONS writes and deletes over 80 keys in three folders, through the native API and
    S3, from WORKERS threads (each on its own keys: R2 takes one write per second per key)."""
    rng = random.Random(seed)
    keys = [
        f"{prefix}{rng.choice(['m', 'v', 'i/x'])}/{n}.{rng.choice(list(TYPES))}" for n in range(80)
    ]
    s3 = s3_client(server.url)

    def worker(index: int) -> None:
        mine = keys[index::WORKERS]
        local = random.Random(seed + index)
        for _ in range(OPERATIONS // WORKERS):
            key = local.choice(mine)
            kind = TYPES[key.rsplit(".", 1)[1]]
            if local.random() < 0.3:
                if local.random() < 0.5:
                    assert client.delete(f"/{quote(key)}").status == 204
                else:
                    s3.delete_object(Bucket=S3_BUCKET, Key=key)
            elif local.random() < 0.8:
                body = b"x" * local.randint(0, 3000)
                reply = client.put(f"/{quote(key)}", body, headers={"Content-Type": kind})
                assert reply.status in (200, 201), reply.body
            else:
                s3.put_object(
                    Bucket=S3_BUCKET, Key=key, Body=b"s3" * local.randint(0, 500), ContentType=kind
                )

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def test_stats_agree_with_a_full_listing_after_500_writes_and_deletes(
    client: Client, server: RunningServer
) -> None:
    prefix = f"st-{uuid.uuid4().hex[:12]}/"
    workload(client, server, prefix, seed=22)
    result = settled(client, prefix)
    got, want = result["got"], result["want"]
    assert {k: got[k] for k in want} == want
    assert want["objects"] > 20 and set(want["by_type"]) >= {"model", "video", "image"}
    assert got["prefixes"] == [prefix] and got["source"] == "index"
    owners = got["by_owner"]
    assert set(owners) <= {"key:default", "s3:s3-default"} and "key:default" in owners
    assert sum(o["bytes"] for o in owners.values()) == want["bytes"]
    # `make reindex` rebuilds from the listing, replaying every object: nothing changes
    env = {**os.environ, "R2GATE_URL": server.url, "R2GATE_API_KEY": client.api_key or ""}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "reindex.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "reindex: done" in done.stdout, done.stdout + done.stderr
    again = stats(client, prefix)
    assert {k: again[k] for k in want} == want and again["by_owner"] == owners


def test_stats_stay_within_the_key_scope(client: Client) -> None:
    tenant = scoped(client, "tenant42")
    key = f"tenant-42/{uuid.uuid4().hex[:12]}/a.png"
    assert tenant.put(f"/{key}", b"png", headers={"Content-Type": "image/png"}).status == 201
    mine = stats(tenant)
    assert mine["prefixes"] == ["tenant-42/"]
    assert all(name.startswith("tenant-42/") for name in mine["by_prefix"])
    refused = tenant.get("/api/v1/stats?prefix=other/", auth=True)
    assert refused.status == 403 and refused.json()["error"]["code"] == "key_scope"
    for query in ("prefix=no-slash", "prefix=a/&prefix=b/", "other=1"):
        reply = client.get(f"/api/v1/stats?{query}", auth=True)
        assert reply.status == 400, query
    grant = mint_upload(client, key=f"tenant-42/{uuid.uuid4().hex}.png", content_type="image/png")
    assert client.get(f"/api/v1/stats?token={grant['token']}").status == 401
    assert scoped(client, "writer").get("/api/v1/stats", auth=True).status == 403
    reindex = post_json(tenant, "/api/v1/stats/reindex", {})
    assert reindex.status == 403


@pytest.mark.parametrize("body", [{"cursor": "c"}, {"started": 1}, {"extra": 1}])
def test_a_reindex_page_request_is_parsed_strictly(client: Client, body: dict[str, Any]) -> None:
    reply = post_json(client, "/api/v1/stats/reindex", body)
    assert reply.status == 400 and reply.json()["error"]["code"] == "invalid_request"

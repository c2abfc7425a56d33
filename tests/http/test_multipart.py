"""Multipart uploads over HTTP: create, parts, status, complete, abort (docs/multipart.md)."""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime

from tests.support.client import Client
from tests.support.data import random_bytes
from tests.support.multipart import MIB, PART, Mpu, mpu_path


def test_create_answers_the_upload_parameters(client: Client, prefix: str) -> None:
    before = int(time.time())
    reply = Mpu(client, f"{prefix}a.bin").create()
    assert reply.status == 201, reply.body
    body = reply.json()
    assert set(body) == {"upload_id", "key", "part_size", "max_parts", "expires_at"}
    assert re.fullmatch(r"[0-9a-f]{32}", body["upload_id"])
    assert body["key"] == f"{prefix}a.bin"
    assert body["part_size"] == 8 * MIB
    assert body["max_parts"] == 10_000
    assert body["expires_at"].endswith("Z")
    expires = datetime.strptime(body["expires_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before + 86400 <= expires.timestamp() <= int(time.time()) + 86400
    assert reply.headers["cache-control"] == "no-store"


def test_twelve_mib_object_from_five_mib_parts_reads_back_identical(
    client: Client, prefix: str
) -> None:
    data = random_bytes(12 * MIB)
    mpu = Mpu(client, f"{prefix}scan.splat")
    document = {
        "content_type": "application/octet-stream",
        "part_size": PART,
        "cache_control": "public, max-age=60",
    }
    upload_id = mpu.start(document)
    etags = []
    for number, offset in enumerate(range(0, len(data), PART), start=1):
        reply = mpu.part(upload_id, number, data[offset : offset + PART])
        assert reply.status == 200, reply.body
        chunk = len(data[offset : offset + PART])
        assert reply.json() == {"part_number": number, "etag": reply.json()["etag"], "size": chunk}
        etags.append((number, reply.json()["etag"]))
    assert [n for n, _ in etags] == [1, 2, 3]

    done = mpu.complete(upload_id, etags)
    assert done.status == 201, done.body
    stored = done.json()
    assert set(stored) == {"key", "size", "etag", "content_type", "uploaded"}
    assert (stored["key"], stored["size"]) == (f"{prefix}scan.splat", len(data))
    assert stored["content_type"] == "application/octet-stream"

    got = client.get(f"/{prefix}scan.splat")
    assert got.status == 200
    assert got.body == data
    assert got.headers["content-length"] == str(len(data))
    assert got.headers["etag"] == f'"{stored["etag"]}"'
    assert got.headers["cache-control"] == "public, max-age=60"
    # The upload is finished: its id no longer answers.
    assert mpu.status(upload_id).error_code == "upload_not_found"


def test_resume_after_a_dropped_connection(client: Client, prefix: str) -> None:
    data = random_bytes(PART + 1000)
    mpu = Mpu(client, f"{prefix}resume.glb")
    upload_id = mpu.start({"part_size": PART})
    mpu.send(upload_id, 1, data[:PART])
    # The client crashes and forgets everything but the upload id: it asks what arrived.
    status = mpu.status(upload_id)
    assert status.status == 200, status.body
    state = status.json()
    assert state["upload_id"] == upload_id
    assert state["key"] == f"{prefix}resume.glb"
    assert state["part_size"] == PART
    assert state["bytes_received"] == PART
    assert [(p["part_number"], p["size"]) for p in state["parts"]] == [(1, PART)]
    # It sends the rest and completes with what the status told it.
    last = mpu.send(upload_id, 2, data[PART:])
    parts = [(p["part_number"], p["etag"]) for p in state["parts"]] + [(2, last)]
    done = mpu.complete(upload_id, parts)
    assert done.status == 201, done.body
    assert done.json()["content_type"] == "model/gltf-binary"  # from the key, as for PUT
    assert client.get(f"/{prefix}resume.glb").body == data


def test_status_lists_parts_sorted_with_bytes_received(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}s.bin")
    upload_id = mpu.start()
    etags = {n: mpu.send(upload_id, n, bytes([n]) * (100 * n)) for n in (3, 1, 2)}
    state = mpu.status(upload_id).json()
    assert state["parts"] == [
        {"part_number": n, "size": 100 * n, "etag": etags[n]} for n in (1, 2, 3)
    ]
    assert state["bytes_received"] == 600


def test_resending_a_part_number_replaces_the_part(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}r.bin")
    upload_id = mpu.start()
    first = mpu.send(upload_id, 1, b"a" * 1000)
    second = mpu.send(upload_id, 1, b"b" * 500)
    assert first != second
    state = mpu.status(upload_id).json()
    assert state["parts"] == [{"part_number": 1, "size": 500, "etag": second}]
    assert mpu.complete(upload_id, [(1, first)]).error_code == "invalid_part"  # the old etag
    assert mpu.complete(upload_id, [(1, second)]).status == 201
    assert client.get(f"/{prefix}r.bin").body == b"b" * 500


def test_abort_removes_the_upload(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}ab.bin")
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"x" * 100)
    reply = mpu.abort(upload_id)
    assert (reply.status, reply.body) == (204, b"")
    for after in (
        mpu.status(upload_id),
        mpu.part(upload_id, 2, b"y"),
        mpu.complete(upload_id, [(1, etag)]),
        mpu.abort(upload_id),
    ):
        assert (after.status, after.error_code) == (404, "upload_not_found")
    assert client.get(f"/{prefix}ab.bin").status == 404


def test_completion_with_a_missing_part_is_400(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}gap.bin")
    upload_id = mpu.start()
    one = mpu.send(upload_id, 1, b"1" * 100)
    three = mpu.send(upload_id, 3, b"3" * 100)
    for parts in ([(1, one), (3, three)], [(1, one), (2, one), (3, three)], [(1, one)]):
        reply = mpu.complete(upload_id, parts)
        assert (reply.status, reply.error_code) == (400, "invalid_part"), parts
    assert client.get(f"/{prefix}gap.bin").status == 404
    # Once part 2 arrives the list passes the part checks (and fails on the small sizes).
    two = mpu.send(upload_id, 2, b"2" * 100)
    reply = mpu.complete(upload_id, [(1, one), (2, two), (3, three)])
    assert reply.error_code == "part_size_mismatch"


def test_completion_with_parts_out_of_order_is_400(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}order.bin")
    upload_id = mpu.start()
    one = mpu.send(upload_id, 1, b"1" * 10)
    two = mpu.send(upload_id, 2, b"2" * 10)
    for parts in ([(2, two), (1, one)], [(1, one), (1, one)]):
        reply = mpu.complete(upload_id, parts)
        assert (reply.status, reply.error_code) == (400, "invalid_part_order")
    assert client.get(f"/{prefix}order.bin").status == 404


def test_completion_with_a_wrong_etag_is_400(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}etag.bin")
    upload_id = mpu.start()
    mpu.send(upload_id, 1, b"1" * 10)
    reply = mpu.complete(upload_id, [(1, "0" * 32)])
    assert (reply.status, reply.error_code) == (400, "invalid_part")
    assert client.get(f"/{prefix}etag.bin").status == 404


def test_a_small_part_before_the_last_is_refused_at_completion(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}small.bin")
    upload_id = mpu.start({"part_size": PART})
    one = mpu.send(upload_id, 1, b"1" * MIB)  # accepted: it could have been the last part
    two = mpu.send(upload_id, 2, b"2" * 10)
    reply = mpu.complete(upload_id, [(1, one), (2, two)])
    assert (reply.status, reply.error_code) == (400, "part_size_mismatch")
    assert client.get(f"/{prefix}small.bin").status == 404
    # A single part smaller than the part size is a valid (last) part.
    assert mpu.complete(upload_id, [(1, one)]).error_code == "invalid_part"  # 2 is unlisted
    fresh = mpu.start({"part_size": PART})
    only = mpu.send(fresh, 1, b"1" * 10)
    assert mpu.complete(fresh, [(1, only)]).json()["size"] == 10


def test_a_part_larger_than_the_part_size_is_refused_before_r2(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}big.bin")
    upload_id = mpu.start({"part_size": PART})
    reply = client.request("PUT", mpu_path(mpu.key, upload_id, 1), bytes(PART + 1), auth=True)
    assert (reply.status, reply.error_code) == (400, "part_size_mismatch")
    assert mpu.status(upload_id).json()["parts"] == []


def test_completion_uses_the_content_type_and_metadata_given_at_creation(
    client: Client, prefix: str
) -> None:
    mpu = Mpu(client, f"{prefix}m.bin")
    upload_id = mpu.start({"content_type": "model/gltf-binary", "metadata": {"owner": "42"}})
    etag = mpu.send(upload_id, 1, b"glTF")
    assert mpu.complete(upload_id, [(1, etag)]).json()["content_type"] == "model/gltf-binary"
    got = client.get(f"/{prefix}m.bin")
    assert (got.body, got.headers["content-type"]) == (b"glTF", "model/gltf-binary")


def test_completion_replaces_an_existing_object_for_an_api_key(client: Client, prefix: str) -> None:
    assert client.put(f"/{prefix}o.bin", b"old").status == 201
    mpu = Mpu(client, f"{prefix}o.bin")
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"new")
    assert mpu.complete(upload_id, [(1, etag)]).status == 201
    assert client.get(f"/{prefix}o.bin").body == b"new"


def test_uploads_are_independent(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}same.bin")
    first, second = mpu.start(), mpu.start()
    assert first != second
    a = mpu.send(first, 1, b"first")
    b = mpu.send(second, 1, b"second")
    assert mpu.status(first).json()["parts"][0]["etag"] == a
    assert mpu.complete(second, [(1, b)]).status == 201
    assert mpu.status(first).status == 200  # untouched by the other's completion
    assert mpu.abort(first).status == 204
    assert client.get(f"/{prefix}same.bin").body == b"second"

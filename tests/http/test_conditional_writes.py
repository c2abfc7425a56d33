"""Conditional writes: If-Match, If-None-Match (incl. *) and If-Unmodified-Since on PUT, If-Match
and If-Unmodified-Since on DELETE, If-None-Match: * on multipart completion; 412 when they fail,
for API keys and tokens alike, decided by R2 in the write itself (racers: exactly one wins)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from email.utils import format_datetime, parsedate_to_datetime

import pytest

from tests.support.client import Client, Reply
from tests.support.multipart import PART, Mpu
from tests.support.tokens import put_token, token


def stored(client: Client, key: str, body: bytes = b"v1") -> Reply:
    reply = client.put(f"/{key}", body)
    assert reply.status in (200, 201), reply.body
    return client.head(f"/{key}")


def body_of(client: Client, key: str) -> bytes | None:
    reply = client.get(f"/{key}", headers={"Cache-Control": "no-cache"})
    return reply.body if reply.status == 200 else None


def refused(reply: Reply, code: str = "precondition_failed") -> None:
    assert (reply.status, reply.error_code) == (412, code), reply.body


# --- PUT ----------------------------------------------------------------------------------------


def test_if_none_match_star_creates_only(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    assert client.put(f"/{key}", b"v1", headers={"If-None-Match": "*"}).status == 201
    refused(client.put(f"/{key}", b"v2", headers={"If-None-Match": "*"}))
    assert body_of(client, key) == b"v1"


@pytest.mark.parametrize("if_match", ['"nope"', 'W/"{etag}"', "{etag}", '"nope", W/"{etag}"'])
def test_a_failing_if_match_writes_nothing(client: Client, prefix: str, if_match: str) -> None:
    key = f"{prefix}a.bin"
    etag = stored(client, key).headers["etag"].strip('"')
    refused(client.put(f"/{key}", b"v2", headers={"If-Match": if_match.format(etag=etag)}))
    assert body_of(client, key) == b"v1"


@pytest.mark.parametrize("if_match", ['"{etag}"', '"other", "{etag}"', "*"])
def test_a_holding_if_match_replaces(client: Client, prefix: str, if_match: str) -> None:
    key = f"{prefix}a.bin"
    etag = stored(client, key).headers["etag"].strip('"')
    reply = client.put(f"/{key}", b"v2", headers={"If-Match": if_match.format(etag=etag)})
    assert reply.status == 200, reply.body
    assert body_of(client, key) == b"v2"


@pytest.mark.parametrize("if_match", ['"abc"', "*"])
def test_if_match_on_a_missing_key_creates_nothing(
    client: Client, prefix: str, if_match: str
) -> None:
    refused(client.put(f"/{prefix}a.bin", b"v1", headers={"If-Match": if_match}))
    assert client.head(f"/{prefix}a.bin").status == 404


def test_if_none_match_with_the_current_etag_is_412(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    etag = stored(client, key).headers["etag"]
    refused(client.put(f"/{key}", b"v2", headers={"If-None-Match": etag}))
    assert client.put(f"/{key}", b"v3", headers={"If-None-Match": '"other"'}).status == 200


def test_if_unmodified_since(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    last_modified = stored(client, key).headers["last-modified"]
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(seconds=1), True)
    refused(client.put(f"/{key}", b"v2", headers={"If-Unmodified-Since": earlier}))
    assert body_of(client, key) == b"v1"
    reply = client.put(f"/{key}", b"v2", headers={"If-Unmodified-Since": last_modified})
    assert reply.status == 200, reply.body


def test_a_put_token_honours_the_same_preconditions(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    etag = stored(client, key).headers["etag"]
    tok = token({"op": "put", "key": key, "ow": True})
    refused(put_token(client, f"/{key}", tok, b"v2", headers={"If-Match": '"nope"'}))
    refused(put_token(client, f"/{key}", tok, b"v2", headers={"If-None-Match": "*"}))
    assert body_of(client, key) == b"v1"
    assert put_token(client, f"/{key}", tok, b"v2", headers={"If-Match": etag}).status == 200
    create_only = token({"op": "put", "key": f"{prefix}b.bin"})
    headers = {"If-None-Match": '"whatever"'}
    assert put_token(client, f"/{prefix}b.bin", create_only, b"x", headers=headers).status == 201
    refused(
        put_token(client, f"/{prefix}b.bin", create_only, b"y", headers=headers), "already_exists"
    )


@pytest.mark.parametrize("headers", [{"If-None-Match": "*"}, {"If-Match": '{etag}, "x"'}])
def test_racing_conditional_writers_exactly_one_wins(
    client: Client, prefix: str, headers: dict[str, str]
) -> None:
    key = f"{prefix}race.bin"
    etag = stored(client, key).headers["etag"] if "If-Match" in headers else ""
    if not etag:
        client.delete(f"/{key}")
    sent = {name: value.format(etag=etag) for name, value in headers.items()}

    def attempt(n: int) -> int:
        return client.put(f"/{key}", b"racer-%d" % n, headers=sent).status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(attempt, range(8)))
    winners = [s for s in statuses if s in (200, 201)]
    assert len(winners) == 1, statuses
    assert set(statuses) - {200, 201} <= {412, 429}, statuses


# --- DELETE -------------------------------------------------------------------------------------


def test_delete_with_a_failing_if_match_deletes_nothing(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    etag = stored(client, key).headers["etag"]
    refused(client.delete(f"/{key}", headers={"If-Match": '"nope"'}))
    assert body_of(client, key) == b"v1"
    assert client.delete(f"/{key}", headers={"If-Match": etag}).status == 204
    assert client.head(f"/{key}").status == 404
    refused(client.delete(f"/{key}", headers={"If-Match": "*"}))


def test_delete_with_if_unmodified_since(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    last_modified = stored(client, key).headers["last-modified"]
    earlier = format_datetime(parsedate_to_datetime(last_modified) - timedelta(days=1), True)
    refused(client.delete(f"/{key}", headers={"If-Unmodified-Since": earlier}))
    assert body_of(client, key) == b"v1"
    assert client.delete(f"/{key}", headers={"If-Unmodified-Since": last_modified}).status == 204


def test_a_delete_token_honours_if_match(client: Client, prefix: str) -> None:
    key = f"{prefix}a.bin"
    stored(client, key)
    tok = token({"op": "delete", "key": key})
    reply = client.request("DELETE", f"/{key}?token={tok}", headers={"If-Match": '"nope"'})
    refused(reply)
    assert body_of(client, key) == b"v1"


# --- multipart completion -----------------------------------------------------------------------


def test_completion_with_if_none_match_star(client: Client, prefix: str) -> None:
    key = f"{prefix}big.bin"
    mpu = Mpu(client, key)
    upload_id = mpu.start()
    etag = mpu.send(upload_id, 1, b"p" * 10)
    stored(client, key, b"meanwhile")
    parts = [(1, etag)]
    refused(mpu.complete(upload_id, parts, headers={"If-None-Match": "*"}))
    assert body_of(client, key) == b"meanwhile"
    assert mpu.status(upload_id).status == 200  # the upload is still there
    client.delete(f"/{key}")
    reply = mpu.complete(upload_id, parts, headers={"If-None-Match": "*"})
    assert reply.status == 201, reply.body
    assert body_of(client, key) == b"p" * 10


def test_completion_with_if_match(client: Client, prefix: str) -> None:
    key = f"{prefix}big.bin"
    old = stored(client, key, b"old").headers["etag"]
    mpu = Mpu(client, key)
    upload_id = mpu.start()
    parts = [(1, mpu.send(upload_id, 1, b"q" * PART))]
    refused(mpu.complete(upload_id, parts, headers={"If-Match": '"nope"'}))
    assert mpu.complete(upload_id, parts, headers={"If-Match": old}).status == 201

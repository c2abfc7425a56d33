"""A request refused before its body is read still gets r2gate's answer, not a dropped connection.

Every request here goes through the public port of `wrangler dev` (its dev proxy in front of
the Worker), as `make dev` serves it. Without a drain, a third of the small refusals, every
refused 16 MiB part and the 200 MiB PUT came back as the proxy's 500 "Network connection lost"
or a reset instead of r2gate's JSON error (r2gate.unread_bodies, docs/local-development.md).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.client import Client, Reply
from tests.support.multipart import MIB, PART, Mpu, declared_only, mpu_path
from tests.support.server import RunningServer, start_wrangler_dev
from tests.support.settings import TEST_API_KEY

EXTERNAL = os.environ.get("R2GATE_TEST_URL")
LOCAL_TARGET = not EXTERNAL or urlsplit(EXTERNAL).hostname in ("127.0.0.1", "localhost", "::1")
huge_bodies = pytest.mark.skipif(
    not LOCAL_TARGET, reason="bodies of hundreds of MB are sent only to a server on this machine"
)


def answers(send: Callable[[int], Reply], count: int, workers: int = 3) -> dict[object, int]:
    """Run `send(i)` `count` times, `workers` at a time; count the outcomes (status, code) or
    the exception's name when no answer came."""

    def outcome(i: int) -> object:
        try:
            reply = send(i)
        except OSError as error:
            return type(error).__name__
        return (reply.status, reply.error_code)

    tally: dict[object, int] = {}
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for result in pool.map(outcome, range(count)):
            tally[result] = tally.get(result, 0) + 1
    return tally


def refused_puts(client: Client, prefix: str) -> Callable[[int], Reply]:
    def send(i: int) -> Reply:
        size = MIB // (1 + i % 3)  # 1 MiB, 512 KiB, 341 KiB
        return client.request("PUT", f"/{prefix}{i}.bin", body=bytes(size))  # no credentials

    return send


def refused_json(client: Client) -> Callable[[int], Reply]:
    def send(i: int) -> Reply:
        body = b'{"key": "' + b"a" * (MIB - 20) + b'"}'
        return client.request(
            "POST", "/api/v1/uploads", body=body, headers={"Content-Type": "application/json"}
        )

    return send


def test_uploads_refused_on_their_headers_get_their_error(client: Client, prefix: str) -> None:
    assert answers(refused_puts(client, prefix), 45) == {(401, "auth_required"): 45}


def test_a_refused_json_request_gets_its_error(client: Client) -> None:
    assert answers(refused_json(client), 30) == {(401, "auth_required"): 30}


def test_forty_concurrent_refused_900_kb_puts_each_get_their_401(
    client: Client, prefix: str
) -> None:
    def send(i: int) -> Reply:
        return client.request("PUT", f"/{prefix}{i}.bin", body=bytes(900_000))

    assert answers(send, 40, workers=40) == {(401, "auth_required"): 40}


@huge_bodies
def test_twenty_refused_16_mib_parts_each_get_their_400(client: Client, prefix: str) -> None:
    mpu = Mpu(client, f"{prefix}big.bin")
    upload_id = mpu.start()  # the server's part size: 8 MiB
    part = bytes(16 * MIB)

    def send(i: int) -> Reply:
        return mpu.part(upload_id, 1 + i, part)

    assert answers(send, 20, workers=4) == {(400, "part_size_mismatch"): 20}
    assert mpu.abort(upload_id).status == 204


@huge_bodies
def test_a_200_mib_put_gets_r2gates_413(client: Client, prefix: str) -> None:
    reply = client.request("PUT", f"/{prefix}huge.bin", body=bytes(200 * MIB), auth=True)
    assert (reply.status, reply.error_code) == (413, "too_large"), reply.body[:200]
    assert client.head(f"/{prefix}huge.bin").status == 404


@pytest.fixture(scope="module")
def production_like(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """A server without the dev proxy var: the Worker drains as in production (small bodies
    only), still behind wrangler dev's proxy."""
    if EXTERNAL:
        pytest.skip("starts a wrangler dev of its own (R2GATE_TEST_URL names another server)")
    state: Path = tmp_path_factory.mktemp("production-like")
    running = start_wrangler_dev({"API_KEY": TEST_API_KEY}, state, dev_proxy=False)
    yield running
    running.stop()


def test_as_in_production_small_refused_bodies_are_drained(
    production_like: RunningServer, prefix: str
) -> None:
    client = Client(production_like.url, TEST_API_KEY)
    assert answers(refused_puts(client, prefix), 45) == {(401, "auth_required"): 45}
    assert answers(refused_json(client), 30) == {(401, "auth_required"): 30}


def test_as_in_production_a_part_too_large_is_refused_before_a_byte_is_sent(
    production_like: RunningServer, prefix: str
) -> None:
    """Only production refuses on the Content-Length alone: under wrangler dev the Worker waits
    for the body it is to drain (as wrangler's own middleware does for a JS Worker)."""
    client = Client(production_like.url, TEST_API_KEY)
    mpu = Mpu(client, f"{prefix}big.bin")
    upload_id = mpu.start({"part_size": PART})
    reply = declared_only(client, "PUT", mpu_path(mpu.key, upload_id, 1), PART + 1)
    assert (reply.status, reply.error_code) == (400, "part_size_mismatch")
    assert mpu.status(upload_id).json()["parts"] == []

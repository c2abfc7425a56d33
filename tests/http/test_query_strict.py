"""The query, parsed once: strict numbers, decoded names (``?%74oken=`` is a token), and a log
that never holds a token or key however the parameter is spelled."""

from __future__ import annotations

import pytest

from tests.support.client import Client
from tests.support.multipart import PART, Mpu, mpu_path
from tests.support.server import RunningServer
from tests.support.tokens import token


@pytest.mark.parametrize("number", ["01", "%2B1", "+1", "1e0", "1.0", "%201", "0x1", "%D9%A1"])
def test_part_numbers_are_canonical_decimals(client: Client, prefix: str, number: str) -> None:
    mpu = Mpu(client, f"{prefix}big.bin")
    upload_id = mpu.start()
    path = mpu_path(f"{prefix}big.bin", upload_id) + f"&partNumber={number}"
    reply = client.request("PUT", path, body=b"x" * 16, auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body
    assert "partNumber" in reply.json()["error"]["message"]
    assert mpu.status(upload_id).json()["parts"] == []


@pytest.mark.parametrize("limit", ["01", "+1", "1e1", "10.0", "%2010"])
def test_listing_limit_is_a_canonical_decimal(client: Client, limit: str) -> None:
    reply = client.get(f"/api/v1/objects?limit={limit}", auth=True)
    assert (reply.status, reply.error_code) == (400, "invalid_request"), reply.body


@pytest.mark.parametrize(
    "query", ["a=%FF", "&".join(f"f{i}=1" for i in range(65)), "x=" + "y" * 12300]
)
def test_malformed_or_oversized_queries_are_400_on_any_route(client: Client, query: str) -> None:
    for path in ("/a.bin", "/api/v1/objects"):
        reply = client.get(f"{path}?{query}", auth=True)
        assert (reply.status, reply.error_code) == (400, "invalid_request"), (path, reply.body)


def test_a_repeated_token_is_refused(client: Client, prefix: str) -> None:
    tok = token({"op": "put", "key": f"{prefix}a.bin"})
    reply = client.request("PUT", f"/{prefix}a.bin?token={tok}&token={tok}", body=b"x")
    assert (reply.status, reply.error_code) == (400, "invalid_request")
    assert client.head(f"/{prefix}a.bin").status == 404


@pytest.mark.parametrize("name", ["%74oken", "t%6Fken", "%74%6F%6B%65%6E"])
def test_an_encoded_token_name_is_a_token_and_never_logged(
    server: RunningServer, client: Client, prefix: str, name: str
) -> None:
    if server.process is None:
        pytest.skip("the log of an external server is not visible")
    key = f"{prefix}a.bin"
    put = token({"op": "put", "key": key, "ct": ["application/octet-stream"]})
    stored = client.request(
        "PUT",
        f"/{key}?{name}={put}",
        body=b"abc",
        headers={"Content-Type": "application/octet-stream"},
    )
    assert stored.status == 201, stored.body
    get = token({"op": "get", "key": key})
    assert client.get(f"/{key}?{name}={get}").body == b"abc"
    refused = token({"op": "get", "key": key}, secret="w" * 48)
    assert client.get(f"/{key}?{name}={refused}").status == 401
    bearer = client.get(f"/{key}?download", headers={"Authorization": f"Bearer {get}"})
    assert bearer.status == 200
    mpu = token({"op": "mpu", "key": f"{prefix}big.bin", "max": PART})
    client.request("POST", f"/{prefix}big.bin?uploads&{name}={mpu}")
    client.get("/")  # the log is written as requests finish: flush past the last one
    server.wait_for_log("GET / ")
    log = server.log()
    for secret in (put, get, refused, mpu, client.api_key or "-", put.split(".")[2]):
        assert secret not in log

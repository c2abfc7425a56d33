"""No input may crash the isolate: deeply nested or huge JSON, sent to every endpoint that reads
JSON (and as a token), is a 4xx, and the same server answers the next request.

On workerd a RecursionError escaping from json.loads aborts the whole isolate, so every
request in flight on it fails: the check after each hostile request is what matters."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import requests

from tests.support.client import Client, Reply
from tests.support.multipart import Mpu, mpu_path
from tests.support.s3 import s3_client
from tests.support.server import RunningServer
from tests.support.settings import S3_BUCKET
from tests.support.tokens import b64url, mint_upload, post_json, scoped, segment, token

DEEP = b"[" * 6000
DEEP_MEMBER = b'{"parts": ' + b"[" * 6000 + b"]" * 6000 + b"}"
MANY_VALUES = b'{"parts": [' + b"[]," * 200_000 + b"[]]}"  # 600 KB of tiny values
HOSTILE = {"deep": DEEP, "deep-member": DEEP_MEMBER, "many-values": MANY_VALUES}


def still_answers(client: Client) -> None:
    reply = client.get("/")
    assert reply.status == 200, reply.body
    assert reply.json()["service"] == "r2gate"


@contextmanager
def raised_recursion_limit(limit: int) -> Iterator[None]:
    """Let the test's own json.dumps (inside boto3) write a deep document."""
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)


def refused(reply: Reply) -> None:
    assert 400 <= reply.status < 500, (reply.status, reply.body[:300])
    assert reply.error_code in ("invalid_json", "body_too_large"), reply.body[:300]


@pytest.mark.parametrize("name", sorted(HOSTILE))
@pytest.mark.parametrize("path", ["/api/v1/uploads", "/api/v1/downloads"])
def test_signing_endpoints_refuse_hostile_json(client: Client, path: str, name: str) -> None:
    refused(post_json(client, path, HOSTILE[name]))
    still_answers(client)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_multipart_create_refuses_hostile_json_from_a_token(
    client: Client, prefix: str, name: str
) -> None:
    grant = mint_upload(
        client, key=f"{prefix}big.bin", content_type="application/octet-stream", multipart=True
    )
    path = mpu_path(f"{prefix}big.bin", tok=grant["multipart"]["token"])
    reply = client.request(
        "POST", path, body=HOSTILE[name], headers={"Content-Type": "application/json"}
    )
    refused(reply)
    still_answers(client)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_multipart_complete_refuses_hostile_json(client: Client, prefix: str, name: str) -> None:
    mpu = Mpu(client, f"{prefix}big.bin")
    upload_id = mpu.start()
    path = mpu_path(f"{prefix}big.bin", upload_id)
    reply = client.request(
        "POST",
        path,
        body=HOSTILE[name],
        headers={"Content-Type": "application/json"},
        auth=True,
    )
    refused(reply)
    still_answers(client)


def _header_token(header: bytes) -> str:
    return f"{b64url(header)}.{segment({'op': 'get', 'key': 'x'})}.{b64url(bytes(32))}"


TOKENS: dict[str, Callable[[], str]] = {
    "deep header": lambda: _header_token(b"[" * 2900),
    "deep header member": lambda: _header_token(b'{"kid":' + b"[" * 1400 + b"]" * 1400 + b"}"),
    "deep signed payload": lambda: token({"op": "get", "key": "x", "meta": [[[[[[[[[[[]]]]]]]]]]]}),
}


@pytest.mark.parametrize("name", sorted(TOKENS))
@pytest.mark.parametrize("method", ["GET", "PUT"])
def test_hostile_tokens_are_refused_unauthenticated(client: Client, name: str, method: str) -> None:
    body = b"x" if method == "PUT" else None
    reply = client.request(method, f"/x?token={TOKENS[name]()}", body=body)
    assert reply.status == 401, reply.body
    assert reply.error_code is not None and reply.error_code.startswith("token_")
    still_answers(client)


def test_a_deep_body_is_named_in_the_error(client: Client) -> None:
    reply = post_json(scoped(client, "writer"), "/api/v1/uploads", DEEP_MEMBER)
    assert reply.status == 400
    assert "deeper than" in reply.json()["error"]["message"]
    assert json.dumps(reply.json()).count("[") < 10  # the input is never echoed


def test_a_deep_s3_post_policy_signed_by_boto3_is_refused(server: RunningServer) -> None:
    # The policy is untrusted JSON too (json_bounds): boto3 signs whatever conditions it gets.
    deep: list = []
    for _ in range(4000):
        deep = [deep]
    with raised_recursion_limit(20_000):
        post = s3_client(server.url).generate_presigned_post(
            S3_BUCKET, "deep-policy.txt", Conditions=[deep], ExpiresIn=300
        )
    reply = requests.post(post["url"], data=post["fields"], files={"file": ("a.txt", b"x")})
    assert reply.status_code == 400, reply.text
    assert "<Code>InvalidPolicyDocument</Code>" in reply.text
    still_answers(Client(server.url))

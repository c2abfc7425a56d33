"""Hypothesis over HTTP: any body to the JSON endpoints and any values of the headers a PUT
reads give 2xx or 4xx, never 5xx, and the same server still answers afterwards. Bounded so
that `make test` stays fast (a few hundred requests in all); R2GATE_FUZZ_EXAMPLES=N explores
further."""

from __future__ import annotations

import json
import os
import uuid
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.client import Client, Reply
from tests.support.multipart import Mpu, mpu_path
from tests.support.server import RunningServer
from tests.support.tokens import token

# R2GATE_FUZZ_EXAMPLES=500 explores further, with fresh random inputs each run.
EXPLORE = int(os.environ.get("R2GATE_FUZZ_EXAMPLES", "0"))
FUZZ = settings(
    max_examples=EXPLORE or 40,
    deadline=None,
    derandomize=not EXPLORE,  # the same inputs every run: make test stays reproducible
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=20,
)
upload_like = st.fixed_dictionaries(
    {},
    optional={
        "key": st.text(max_size=20) | st.integers(),
        "filename": st.text(max_size=20),
        "prefix": st.text(max_size=10),
        "content_type": st.sampled_from(["image/png", "image/*", "*/*", "text/html", ""])
        | st.lists(st.text(max_size=12), max_size=3)
        | st.text(max_size=20),
        "max_bytes": st.integers(min_value=-5, max_value=2**60) | st.floats(),
        "expires_in": st.integers(min_value=-5, max_value=10**6) | st.floats(),
        "multipart": st.booleans() | st.none(),
        "sha256": st.text(alphabet="0123456789abcdefg", max_size=65),
        "metadata": st.dictionaries(st.text(max_size=8), json_values, max_size=3),
        "download_name": st.text(max_size=20),
        "part_size": st.integers(min_value=-1, max_value=2**40),
        "parts": st.lists(
            st.fixed_dictionaries({"part_number": json_values, "etag": json_values}), max_size=3
        ),
    },
)
bodies = st.one_of(
    upload_like.map(lambda document: json.dumps(document).encode()),
    json_values.map(lambda value: json.dumps(value).encode()),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b"[" * depth + b"]" * depth),
    st.integers(min_value=1, max_value=3000).map(lambda depth: b'{"a":' * depth),
    st.binary(max_size=200),
)
# Header values http.client can send: visible latin-1 and spaces, no CR/LF.
header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, exclude_characters="\x7f"),
    max_size=80,
)


def answered(reply: Reply) -> None:
    assert reply.status < 500, (reply.status, reply.body[:300])
    if reply.status >= 400:
        assert reply.error_code is not None, reply.body[:300]


@pytest.fixture(scope="module")
def upload_id(server: RunningServer, api_key: str) -> tuple[str, str]:
    key = f"fuzz-{uuid.uuid4().hex[:8]}/big.bin"
    return key, Mpu(Client(server.url, api_key), key).start()


@FUZZ
@given(body=bodies, content_type=st.sampled_from(["application/json", None, "text/plain"]))
@pytest.mark.parametrize("path", ["/api/v1/uploads", "/api/v1/downloads"])
def test_signing_endpoints_never_fail(
    client: Client, path: str, body: bytes, content_type: str | None
) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    answered(client.request("POST", path, body=body, headers=headers, auth=True))


@FUZZ
@given(body=bodies)
def test_multipart_create_and_complete_never_fail(
    client: Client, upload_id: tuple[str, str], body: bytes
) -> None:
    key, upload = upload_id
    headers = {"Content-Type": "application/json"}
    create = f"/fuzz-{uuid.uuid4().hex[:8]}/x.bin?uploads"
    answered(client.request("POST", create, body=body, headers=headers, auth=True))
    answered(client.request("POST", mpu_path(key, upload), body=body, headers=headers, auth=True))


PUT_HEADERS = [
    "Content-Type",
    "Cache-Control",
    "Content-Disposition",
    "Content-Encoding",
    "Content-Language",
    "If-Match",
    "If-None-Match",
    "If-Unmodified-Since",
]


@FUZZ
@given(
    headers=st.dictionaries(st.sampled_from(PUT_HEADERS), header_values, max_size=5),
    with_token=st.booleans(),
    name=st.text(min_size=1, max_size=12),
)
def test_put_headers_never_fail(
    client: Client, headers: dict[str, str], with_token: bool, name: str
) -> None:
    key = f"fuzz-{uuid.uuid4().hex[:8]}/{name}"
    path = "/" + quote(key, safe="/")
    if with_token:
        tok = token({"op": "put", "prefix": key.split("/")[0] + "/", "ct": ["*/*"], "ow": True})
        reply = client.request("PUT", f"{path}?token={tok}", body=b"data", headers=headers)
    else:
        reply = client.request("PUT", path, body=b"data", headers=headers, auth=True)
    answered(reply)
    if reply.status in (200, 201):
        answered(client.get(path))


def test_the_same_server_still_answers_after_the_fuzz(
    server: RunningServer, client: Client
) -> None:
    reply = client.get("/")
    assert reply.status == 200 and reply.json()["service"] == "r2gate"
    if server.process is not None:
        assert "Uncaught" not in server.log() and "abortIsolate" not in server.log()

"""The offline runtime reproduces workerd's calling contract (shared/notes, 'How workerd calls
a Python Worker'), proven with a fixture Worker that reports what it receives."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.client import Client
from tests.support.server import RunningServer, start_runtime

FIXTURE = Path(__file__).parent / "fixture" / "wrangler.toml"


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    server = start_runtime(
        FIXTURE,
        tmp_path_factory.mktemp("contract-state"),
        {"FIXTURE_SECRET": "from --var"},
        extra_args=("--test-scheduled",),
    )
    yield server
    server.stop()


@pytest.fixture()
def client(runtime: RunningServer) -> Client:
    return Client(runtime.url)


def poll(client: Client, path: str, seconds: float = 10.0) -> bytes:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        reply = client.get(path)
        if reply.status == 200:
            return reply.body
        time.sleep(0.1)
    raise AssertionError(f"{path} never appeared")


def test_module_imported_once_and_new_instance_per_request(client: Client) -> None:
    first = client.get("/instance").json()
    second = client.get("/instance").json()
    assert second["serial"] > first["serial"]
    assert first["imports"] == second["imports"] == 1


def test_request_arrives_as_sdk_request(client: Client) -> None:
    seen = client.get("/request", headers={"X-Probe": "yes"}).json()
    assert seen == {
        "type": "workers.request.Request",
        "is_sdk_request": True,
        "method": "GET",
        "header": "yes",
    }


def test_missing_object_is_none(client: Client) -> None:
    assert client.get("/missing").json() == {"get_is_none": True, "head_is_none": True}


def test_r2_objects_carry_workerd_constructor_names(client: Client) -> None:
    names = client.get("/names").json()
    assert names == {
        "binding": "R2Bucket",
        "binding_wrapper": "_BindingWrapper",
        "put": "HeadResult",
        "get": "GetResult",
        "head": "HeadResult",
        "multipart": "R2MultipartUpload",
        "list_type": "JsDict",
        "list_object": "HeadResult",
        "uploaded_type": "datetime",
        "http_metadata_type": "JsDict",
        "body": "ReadableStream",
    }


def test_known_length_bodies_get_content_length(client: Client) -> None:
    streamed = client.get("/stream")
    assert streamed.headers.get("content-length") == "10000"
    assert "transfer-encoding" not in streamed.headers
    assert streamed.body == b"0123456789" * 1000
    small = client.get("/bytes")
    assert (small.body, small.headers.get("content-length")) == (b"hello", "5")


def test_request_body_with_content_length_can_be_put(client: Client) -> None:
    reply = client.request("POST", "/echo-put", body=b"z" * 4096)
    assert reply.json() == {"size": 4096}


def test_request_body_without_length_is_refused_like_workerd(runtime: RunningServer) -> None:
    conn = Client(runtime.url).connection()
    conn.putrequest("POST", "/echo-put")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    conn.send(b"3\r\nabc\r\n0\r\n\r\n")
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 500
    runtime.wait_for_log("must have a known length")


def test_vars_from_toml_and_secrets_from_cli(client: Client) -> None:
    assert client.get("/vars").json() == {
        "greeting": "hello from wrangler.toml",
        "secret": "from --var",
    }


def test_pyodide_and_compat_flags_follow_the_compatibility_date(client: Client) -> None:
    assert client.get("/compat").json() == {
        "python": "3.13",
        "no_global_handlers": True,
        "preserve_commas": True,
        "implicit_deps": False,
    }


def test_wait_until_runs_after_the_response(client: Client) -> None:
    reply = client.get("/wait")
    assert reply.body == b"scheduled background work"
    assert client.get("/read?key=wait/done.txt").status == 404  # not yet: it sleeps 0.3 s
    assert poll(client, "/read?key=wait/done.txt") == b"finished after the response"


def test_scheduled_gets_controller_and_undefined_env_ctx(client: Client) -> None:
    reply = client.get("/__scheduled?cron=*/5+*+*+*+*")
    assert reply.status == 200
    report = json.loads(poll(client, "/read?key=scheduled/report.json"))
    assert report == {
        "cron": "*/5 * * * *",
        "env_is_none": True,
        "ctx_is_none": True,
        "self_env_has_bucket": True,
    }


def test_python_exception_is_500_with_traceback_logged(runtime: RunningServer) -> None:
    reply = Client(runtime.url).get("/crash")
    assert reply.status == 500
    log = runtime.wait_for_log("ValueError: fixture crash for the traceback test")
    assert "Traceback" in log


def test_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    server = start_runtime(FIXTURE, tmp_path)
    assert Client(server.url).get("/bytes").status == 200
    assert server.stop() == 0

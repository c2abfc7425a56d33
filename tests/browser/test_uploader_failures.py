"""The uploader page when things go wrong: cancel, broken connections, bad or expired links."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Route

from tests.support.browser import Uploader, mint_grant, sign_token
from tests.support.client import Client
from tests.support.data import write_file
from tests.support.server import RunningServer

MIB = 1024 * 1024


def status_of(client: Client, key: str) -> int:
    return client.get(f"/{key}", auth=True).status


def listed(client: Client, prefix: str) -> list[str]:
    reply = client.get(f"/api/v1/objects?prefix={prefix}", auth=True)
    assert reply.status == 200, reply.body
    return [obj["key"] for obj in reply.json()["objects"]]


@pytest.mark.parametrize("multipart", [False, True], ids=["single-put", "multipart"])
def test_cancel_stops_the_upload_and_stores_nothing(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path, multipart: bool
) -> None:
    size = 20 * 1000 * 1000
    data = write_file(tmp_path / "movie.mp4", size)
    grant = mint_grant(
        client, filename="movie.mp4", prefix=prefix, content_type="video/mp4", multipart=multipart
    )
    uploader.throttle(4_000_000)  # 5 s for the whole file: time to cancel halfway
    uploader.open(grant["page_url"] + f"&threshold={8 * MIB}")
    uploader.choose(tmp_path / "movie.mp4")
    uploader.wait_for_progress(2_000_000)
    stats = uploader.text("li.upload .stats")
    assert "MB/s" in stats and "left" in stats, stats  # rate and time remaining are shown
    uploader.page.click("li.upload button.cancel")
    assert uploader.settle() == "cancelled"
    assert uploader.text("li.upload .stats") == "Cancelled: nothing was stored."
    assert uploader.events("cancel") and not uploader.events("done")
    sent = max(event["loaded"] for event in uploader.events("progress"))
    assert sent < size
    time.sleep(1)  # let the server see the broken-off request through
    assert status_of(client, grant["key"]) == 404
    assert listed(client, prefix) == []
    if multipart:
        (created,) = uploader.events("multipart")
        upload = (
            f"/{grant['key']}?uploadId={created['uploadId']}&token={grant['multipart']['token']}"
        )
        assert client.get(upload).status == 404  # aborted on the server, not left behind
    # the link is still good: nothing was stored, so its create-only upload can start again
    uploader.throttle(-1)
    uploader.page.click("li.upload button.retry")
    uploader.page.wait_for_selector("li.upload[data-state=done]", timeout=120_000)
    assert client.get(f"/{grant['key']}", auth=True).body == data
    assert uploader.console_errors == []


def test_a_failed_part_is_retried(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    size = 24 * MIB
    data = write_file(tmp_path / "splat.splat", size)
    grant = mint_grant(
        client,
        filename="splat.splat",
        prefix=prefix,
        content_type="application/octet-stream",
        multipart=True,
    )
    failures: list[str] = []

    def fail_once(route: Route) -> None:
        if not failures:
            failures.append(route.request.url)
            route.abort("connectionreset")
        else:
            route.continue_()

    uploader.page.route("**/*partNumber=2*", fail_once)
    uploader.open(grant["page_url"] + f"&threshold={8 * MIB}")
    uploader.choose(tmp_path / "splat.splat")
    assert uploader.settle() == "done", uploader.text("li.upload")
    assert len(failures) == 1
    (retry,) = uploader.events("retry")
    assert (retry["part"], retry["attempt"], retry["code"]) == (2, 1, "network_error")
    assert client.get(f"/{grant['key']}", auth=True).body == data


def test_retry_button_resumes_with_the_missing_parts(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    size = 40 * 1000 * 1000
    data = write_file(tmp_path / "scan.ply", size)
    grant = mint_grant(
        client,
        filename="scan.ply",
        prefix=prefix,
        content_type="application/octet-stream",
        multipart=True,
    )
    stored_parts: set[int] = set()
    requested: list[int] = []

    def part_number(url: str) -> int:
        return int(url.split("partNumber=")[1].split("&")[0])

    def response(reply: Any) -> None:
        if "partNumber=" in reply.url and reply.status == 200:
            stored_parts.add(part_number(reply.url))

    uploader.page.on("response", response)
    uploader.page.route("**/*partNumber=3*", lambda route: route.abort("connectionreset"))
    uploader.open(grant["page_url"] + f"&threshold={8 * MIB}&retries=1")
    uploader.choose(tmp_path / "scan.ply")
    assert uploader.settle() == "failed"
    assert "connection" in uploader.text("li.upload .error").lower()
    assert len(uploader.events("retry")) == 1  # retries=1, then the upload gives up
    assert status_of(client, grant["key"]) == 404
    before = set(stored_parts)
    assert 3 not in before
    uploader.page.unroute("**/*partNumber=3*")
    uploader.page.on(
        "request", lambda r: requested.append(part_number(r.url)) if "partNumber=" in r.url else 0
    )
    uploader.page.click("li.upload button.retry")
    uploader.page.wait_for_selector("li.upload[data-state=done]", timeout=120_000)
    (created,) = uploader.events("multipart")  # the same upload, resumed
    assert 3 in requested and before.isdisjoint(requested)
    assert before | set(requested) == set(range(1, created["parts"] + 1))
    assert client.get(f"/{grant['key']}", auth=True).body == data


@pytest.mark.parametrize("fragment", ["", "#token=not-a-token", "#token=a.b.c", "#mpu=x"])
def test_a_link_without_a_readable_token_shows_an_error(
    uploader: Uploader, server: RunningServer, fragment: str
) -> None:
    uploader.open(f"{server.url}/api/v1/uploader{fragment}")
    assert uploader.page.get_attribute("[data-r2gate-uploader]", "data-state") == "invalid"
    assert "not valid" in uploader.text("#message")
    assert uploader.page.is_disabled("#file")


def test_a_tampered_token_is_refused_by_the_server(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    write_file(tmp_path / "a.txt", 1000)
    grant = mint_grant(client, key=f"{prefix}a.txt", content_type="text/plain")
    head, payload, signature = grant["token"].split(".")
    forged = f"{head}.{payload}.{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    uploader.open(grant["page_url"].replace(grant["token"], forged))
    uploader.choose(tmp_path / "a.txt")
    assert uploader.settle() == "failed"
    assert "not valid" in uploader.text("li.upload .error")
    assert [event["code"] for event in uploader.events("error")] == ["token_signature"]
    assert status_of(client, f"{prefix}a.txt") == 404


def test_an_expired_link_says_so(
    uploader: Uploader, server: RunningServer, client: Client, prefix: str, tmp_path: Path
) -> None:
    write_file(tmp_path / "a.txt", 1000)
    now = int(time.time())
    key = f"{prefix}a.txt"
    token = sign_token({"op": "put", "key": key, "ct": ["text/plain"]}, iat=now - 800, exp=now - 61)
    uploader.open(f"{server.url}/api/v1/uploader#token={token}")
    uploader.choose(tmp_path / "a.txt")
    assert uploader.settle() == "failed"
    assert uploader.text("li.upload .error") == "This upload link has expired. Ask for a new one."
    assert status_of(client, key) == 404


def test_a_file_the_link_does_not_take_is_refused_before_sending(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    write_file(tmp_path / "notes.txt", 1000)
    write_file(tmp_path / "big.png", 2001)
    sent: list[str] = []
    uploader.page.on("request", lambda request: sent.append(request.method))
    grant = mint_grant(client, key=f"{prefix}a.png", content_type="image/png", max_bytes=2000)
    uploader.open(grant["page_url"])
    uploader.choose(tmp_path / "notes.txt")
    assert uploader.settle() == "failed"
    assert uploader.text("li.upload .error") == "This link does not take text/plain files."
    assert uploader.page.is_hidden("li.upload button.retry")
    uploader.choose(tmp_path / "big.png")  # a single-key link takes another file after a failure
    uploader.page.wait_for_selector("li.upload:nth-child(2)[data-state=failed]")
    assert "larger than this link allows" in uploader.text("li.upload:nth-child(2) .error")
    assert "PUT" not in sent and "POST" not in sent
    assert status_of(client, f"{prefix}a.png") == 404

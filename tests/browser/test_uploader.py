"""The uploader page in a real browser: files end up byte for byte in the bucket."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.browser import Uploader, mint_grant, sign_token
from tests.support.client import Client
from tests.support.data import write_file
from tests.support.server import RunningServer

MIB = 1024 * 1024
# Counts the part uploads the page has in flight at once (an init script runs before the page).
COUNT_PARALLEL_PARTS = """(() => {
  let inFlight = 0;
  window.mostPartsInFlight = 0;
  const { open, send } = XMLHttpRequest.prototype;
  XMLHttpRequest.prototype.open = function (method, url, ...rest) {
    this.isPart = String(url).includes("partNumber=");
    return open.call(this, method, url, ...rest);
  };
  XMLHttpRequest.prototype.send = function (body) {
    if (this.isPart) {
      inFlight += 1;
      window.mostPartsInFlight = Math.max(window.mostPartsInFlight, inFlight);
      // readystatechange to DONE comes before "load", whose handler may start the next part
      this.addEventListener("readystatechange", () => {
        if (this.readyState === XMLHttpRequest.DONE) inFlight -= 1;
      });
    }
    return send.call(this, body);
  };
})();"""


def stored(client: Client, key: str) -> tuple[int, bytes, str]:
    """Status, body and Content-Type of a key, read back through r2gate with the API key."""
    reply = client.get(f"/{key}", auth=True)
    return reply.status, reply.body, reply.headers.get("content-type", "")


def test_small_file_single_put(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "notes.bin", 300_000)
    grant = mint_grant(
        client, filename="notes.bin", prefix=prefix, content_type="application/octet-stream"
    )
    uploader.open(grant["page_url"])
    uploader.choose(tmp_path / "notes.bin")
    assert uploader.settle() == "done", uploader.text("li.upload")
    assert uploader.text(".result-link") == grant["public_url"]
    assert stored(client, grant["key"]) == (200, data, "application/octet-stream")
    assert [event["method"] for event in uploader.events("start")] == ["put"]
    percents = [event["percent"] for event in uploader.events("progress")]
    assert percents[0] == 0 and percents[-1] == 100
    assert percents == sorted(percents)
    assert uploader.text("li.upload .stats").startswith("100%")
    assert uploader.console_errors == []


def test_large_file_goes_in_parallel_parts(
    uploader: Uploader, client: Client, prefix: str, tmp_path: Path
) -> None:
    size = 40 * 1000 * 1000
    data = write_file(tmp_path / "scan.ply", size)
    grant = mint_grant(
        client,
        filename="scan.ply",
        prefix=prefix,
        content_type="application/octet-stream",
        max_bytes=size,
        multipart=True,
    )
    uploader.page.add_init_script(COUNT_PARALLEL_PARTS)
    uploader.open(grant["page_url"] + f"&threshold={16 * MIB}")
    uploader.choose(tmp_path / "scan.ply")
    assert uploader.settle() == "done", uploader.text("li.upload")
    assert stored(client, grant["key"]) == (200, data, "application/octet-stream")
    assert uploader.text(".result-link") == grant["public_url"]
    assert [event["method"] for event in uploader.events("start")] == ["multipart"]
    (created,) = uploader.events("multipart")
    assert created["parts"] == -(-size // created["partSize"]) > 1
    loaded = [event["loaded"] for event in uploader.events("progress")]
    assert loaded == sorted(loaded) and len(set(loaded)) >= 5
    assert loaded[0] == 0 and loaded[-1] == size
    assert uploader.events("progress")[-1]["percent"] == 100
    # 3 parts in flight at once (DEFAULTS.parallel), never more
    assert uploader.page.evaluate("window.mostPartsInFlight") == 3
    assert uploader.console_errors == []


def test_a_prefix_token_takes_several_files_picked_or_dropped(
    uploader: Uploader, server: RunningServer, client: Client, prefix: str, tmp_path: Path
) -> None:
    first = write_file(tmp_path / "one.txt", 2000)
    now = int(time.time())
    token = sign_token({"op": "put", "prefix": prefix, "ct": ["text/*"]}, iat=now, exp=now + 300)
    uploader.open(f"{server.url}/api/v1/uploader#token={token}")
    assert uploader.text("h1") == "Upload files"
    uploader.choose(tmp_path / "one.txt")
    uploader.page.dispatch_event(
        "#drop",
        "drop",
        {
            "dataTransfer": uploader.page.evaluate_handle(
                """() => {
                  const transfer = new DataTransfer();
                  transfer.items.add(new File(["dropped text"], "two.txt", { type: "text/plain" }));
                  return transfer;
                }"""
            )
        },
    )
    uploader.page.wait_for_function(
        "() => document.querySelectorAll('li.upload[data-state=done]').length === 2"
    )
    assert stored(client, f"{prefix}one.txt") == (200, first, "text/plain")
    assert stored(client, f"{prefix}two.txt") == (200, b"dropped text", "text/plain")
    assert [event["key"] for event in uploader.events("done")] == [
        f"{prefix}one.txt",
        f"{prefix}two.txt",
    ]
    assert uploader.console_errors == []

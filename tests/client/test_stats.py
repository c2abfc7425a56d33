"""`Client.stats()` / `reset_stats()` and `r2gate --stats`: the client's own uploads and
downloads (count, bytes, errors) after a mix of transfers and failures, against wrangler dev."""

from __future__ import annotations

import io
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from r2gate_client import Client, Conflict, Forbidden, NotFound, cli

from tests.support.data import write_file
from tests.support.pyclient import API_KEY, MAX_PUT_BYTES

ZERO = {"count": 0, "bytes": 0, "errors": 0}


def test_counts_after_uploads_downloads_and_failures(
    client: Client, make_client: Any, prefix: str, tmp_path: Path
) -> None:
    assert client.stats() == {"uploads": ZERO, "downloads": ZERO}
    write_file(tmp_path / "a.glb", 3000)
    write_file(tmp_path / "big.bin", MAX_PUT_BYTES + 1)
    client.upload(tmp_path / "a.glb", f"{prefix}a.glb")
    client.upload(io.BytesIO(b"x" * 500), f"{prefix}b.txt", content_type="text/plain")
    client.upload(tmp_path / "big.bin", f"{prefix}big.bin", multipart=True)
    client.download(f"{prefix}a.glb", tmp_path / "back" / "a.glb")
    with pytest.raises(NotFound):
        client.download(f"{prefix}missing.glb", tmp_path / "back" / "missing.glb")
    grant = client.mint_upload_url(f"{prefix}once.png", content_type="image/png", sub="user-9")
    with_token = make_client(api_key=None, token=grant.token)
    with_token.upload(io.BytesIO(b"png"), f"{prefix}once.png", content_type="image/png")
    with pytest.raises(Conflict):  # the token is create-only: refused
        with_token.upload(io.BytesIO(b"png2"), f"{prefix}once.png", content_type="image/png")
    with pytest.raises(Forbidden):  # another key than the token's
        with_token.upload(io.BytesIO(b"png"), f"{prefix}other.png", content_type="image/png")
    assert client.stats() == {
        "uploads": {"count": 3, "bytes": 3000 + 500 + MAX_PUT_BYTES + 1, "errors": 0},
        "downloads": {"count": 1, "bytes": 3000, "errors": 1},
    }
    assert with_token.stats() == {
        "uploads": {"count": 1, "bytes": 3, "errors": 2},
        "downloads": ZERO,
    }
    snapshot = client.stats()
    snapshot["uploads"]["count"] = 99  # a copy: the client's counts do not change
    assert client.stats()["uploads"]["count"] == 3
    client.reset_stats()
    assert client.stats() == {"uploads": ZERO, "downloads": ZERO}


def test_counts_are_exact_under_threads(client: Client, prefix: str) -> None:
    def upload(index: int) -> None:
        client.upload(io.BytesIO(b"t" * 100), f"{prefix}{index}.txt", content_type="text/plain")

    threads = [threading.Thread(target=upload, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert client.stats()["uploads"] == {"count": 8, "bytes": 800, "errors": 0}


def test_the_cli_prints_them_with_stats(server: Any, prefix: str, tmp_path: Path) -> None:
    write_file(tmp_path / "f.bin", 1234)
    env = {
        "R2GATE_URL": server.url,
        "R2GATE_API_KEY": API_KEY,
        "R2GATE_STATE_DIR": str(tmp_path / "state"),
    }
    for argv, code, expected in (
        (
            ["upload", str(tmp_path / "f.bin"), f"{prefix}f.bin"],
            0,
            {"uploads": {"count": 1, "bytes": 1234, "errors": 0}, "downloads": ZERO},
        ),
        (
            ["download", f"{prefix}nope.bin", str(tmp_path / "x")],
            2,
            {"uploads": ZERO, "downloads": {"count": 0, "bytes": 0, "errors": 1}},
        ),
    ):
        out, err = io.StringIO(), io.StringIO()
        assert cli.main(["--stats", *argv], environ=env, stdout=out, stderr=err) == code
        line = next(x for x in err.getvalue().splitlines() if x.startswith("r2gate stats: "))
        assert json.loads(line.removeprefix("r2gate stats: ")) == expected
    quiet = io.StringIO()
    cli.main(["stat", f"{prefix}f.bin"], environ=env, stdout=io.StringIO(), stderr=quiet)
    assert "stats" not in quiet.getvalue()

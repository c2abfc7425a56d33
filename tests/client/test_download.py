"""Downloads that resume with Range + If-Range, restart when the object changed, and verify
what they received (wrangler dev)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from r2gate_client import Client, IntegrityError
from r2gate_client.download import partial_paths

from tests.support.data import random_bytes
from tests.support.pyclient import RecordingTransport

SIZE = 3_000_000


class Stop(Exception):
    """Stands for a dropped connection or Ctrl-C in the middle of a download."""


def stop_after(limit: int):
    def progress(done: int, total: int) -> None:
        if done >= limit:
            raise Stop

    return progress


def interrupted_download(client: Client, key: str, target: Path, limit: int) -> int:
    """Start a download, stop it after `limit` bytes; return the bytes kept on disk."""
    with pytest.raises(Stop):
        client.download(key, target, progress=stop_after(limit))
    partial, meta = partial_paths(target)
    assert not target.exists() and meta.exists()
    return partial.stat().st_size


def test_an_interrupted_download_continues_where_it_stopped(
    client: Client, make_client, prefix: str, tmp_path: Path
) -> None:
    data = random_bytes(SIZE)
    key = f"{prefix}video.mp4"
    client.upload(io.BytesIO(data), key)
    target = tmp_path / "video.mp4"
    kept = interrupted_download(client, key, target, 1_000_000)
    assert 0 < kept < SIZE

    transport = RecordingTransport()
    progress: list[int] = []
    got = make_client(transport=transport).download(
        key, target, progress=lambda d, t: progress.append(d)
    )
    assert got.resumed and got.bytes_received == SIZE - kept
    assert target.read_bytes() == data
    assert progress[0] == kept and progress[-1] == SIZE
    assert not any(p.exists() for p in partial_paths(target))


def test_a_changed_object_is_downloaded_again_not_spliced(
    client: Client, prefix: str, tmp_path: Path
) -> None:
    key = f"private/{prefix}model.glb"  # private: no edge cache between the two versions
    client.upload(io.BytesIO(random_bytes(SIZE, seed=1)), key)
    target = tmp_path / "model.glb"
    interrupted_download(client, key, target, 1_000_000)

    new = random_bytes(SIZE + 10, seed=2)
    client.upload(io.BytesIO(new), key)
    got = client.download(key, target)
    assert not got.resumed and got.bytes_received == len(new)
    assert target.read_bytes() == new


def test_a_complete_partial_needs_no_body(client: Client, prefix: str, tmp_path: Path) -> None:
    data = random_bytes(200_000)
    key = f"{prefix}a.bin"
    client.upload(io.BytesIO(data), key)
    target = tmp_path / "a.bin"
    with pytest.raises(Stop):
        client.download(key, target, progress=stop_after(len(data)))  # stops at the last byte
    got = client.download(key, target)
    assert got.bytes_received == 0 and target.read_bytes() == data


def test_corrupt_bytes_on_disk_fail_the_md5_check(
    client: Client, prefix: str, tmp_path: Path
) -> None:
    data = random_bytes(SIZE)
    key = f"{prefix}a.bin"
    client.upload(io.BytesIO(data), key)
    target = tmp_path / "a.bin"
    kept = interrupted_download(client, key, target, 1_000_000)
    partial, _ = partial_paths(target)
    with partial.open("r+b") as handle:  # flip the first byte of what is already there
        handle.write(bytes([data[0] ^ 0xFF]))
    with pytest.raises(IntegrityError):
        client.download(key, target)
    assert kept and not target.exists() and not partial.exists()
    client.download(key, target)  # a fresh start then succeeds
    assert target.read_bytes() == data


def test_a_partial_of_another_key_is_not_reused(
    client: Client, prefix: str, tmp_path: Path
) -> None:
    client.upload(io.BytesIO(random_bytes(SIZE, seed=1)), f"{prefix}one")
    other = random_bytes(SIZE, seed=2)
    client.upload(io.BytesIO(other), f"{prefix}two")
    target = tmp_path / "file"
    interrupted_download(client, f"{prefix}one", target, 1_000_000)
    got = client.download(f"{prefix}two", target)
    assert not got.resumed and target.read_bytes() == other


def test_resume_false_starts_from_zero(client: Client, prefix: str, tmp_path: Path) -> None:
    data = random_bytes(SIZE)
    client.upload(io.BytesIO(data), f"{prefix}a")
    target = tmp_path / "a"
    interrupted_download(client, f"{prefix}a", target, 1_000_000)
    got = client.download(f"{prefix}a", target, resume=False)
    assert not got.resumed and got.bytes_received == SIZE and target.read_bytes() == data


def test_the_partial_metadata_holds_no_secret(client: Client, prefix: str, tmp_path: Path) -> None:
    client.upload(io.BytesIO(random_bytes(SIZE)), f"private/{prefix}a")
    interrupted_download(client, f"private/{prefix}a", tmp_path / "a", 1_000_000)
    meta = json.loads(partial_paths(tmp_path / "a")[1].read_text())
    assert set(meta) == {"base_url", "key", "etag", "size"}

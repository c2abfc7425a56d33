"""Multipart uploads against wrangler dev: parallel parts, resume from the state file
after a crash, starting over when the upload is gone or the file changed, bounded memory."""

from __future__ import annotations

import io
import json
import os
import threading
import tracemalloc
from collections.abc import Mapping
from pathlib import Path

import pytest
from r2gate_client import Client, UploadNotFound
from r2gate_client.transport import Body, Response

from tests.support.data import write_file
from tests.support.pyclient import API_KEY, PART_SIZE, RecordingTransport

SIZE = 12 * 1024 * 1024 + 12_345  # three parts of 5 MiB: 5, 5, 2 MiB + a bit


class Crash(Exception):
    """Stands for the process dying after some parts."""


def crash_after(parts: int):
    def hook(number: int, seen: list[int] = []) -> None:  # noqa: B006 - per-hook counter
        seen.append(number)
        if len(seen) >= parts:
            raise Crash(f"crashed after part {number}")

    return hook


@pytest.fixture()
def mp(make_client):
    """A client that goes multipart above 5 MiB, in 5 MiB parts."""

    def make(**options) -> Client:
        options.setdefault("multipart_threshold", PART_SIZE)
        options.setdefault("part_size", PART_SIZE)
        return make_client(**options)

    return make


def state_files(client: Client) -> list[Path]:
    return sorted(client.state_dir.glob("*.json")) if client.state_dir.exists() else []


def download_bytes(client: Client, key: str, tmp_path: Path) -> bytes:
    target = tmp_path / "downloaded.bin"
    client.download(key, target)
    return target.read_bytes()


def test_multipart_round_trip(mp, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "scene.splat", SIZE)
    progress: list[tuple[int, int]] = []
    client = mp()
    result = client.upload(
        tmp_path / "scene.splat",
        f"{prefix}scene.splat",
        progress=lambda d, t: progress.append((d, t)),
    )
    assert (result.multipart, result.parts, result.parts_sent, result.resumed) == (
        True,
        3,
        3,
        False,
    )
    assert result.size == SIZE and result.etag.endswith("-3")
    assert progress[-1] == (SIZE, SIZE) and max(d for d, _ in progress) == SIZE
    assert download_bytes(client, f"{prefix}scene.splat", tmp_path) == data
    assert state_files(client) == []  # removed on success


def test_parts_go_in_parallel_but_never_more_than_concurrency(
    mp, prefix: str, tmp_path: Path
) -> None:
    class Counting(RecordingTransport):
        def __init__(self) -> None:
            super().__init__()
            self.active = self.peak = 0
            self.lock = threading.Lock()

        def send(self, method: str, url: str, headers: Mapping[str, str], body: Body, t: float):
            with self.lock:
                self.active += 1
                self.peak = max(self.peak, self.active)
            try:
                response: Response = super().send(method, url, headers, body, t)
                return response
            finally:
                with self.lock:
                    self.active -= 1

    write_file(tmp_path / "f.bin", SIZE)
    transport = Counting()
    mp(concurrency=2, transport=transport).upload(tmp_path / "f.bin", f"{prefix}f.bin")
    assert transport.part_numbers() == [1, 2, 3]
    assert transport.peak == 2


def test_resume_after_a_crash_sends_only_the_missing_parts(mp, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "video.mp4", SIZE)
    key = f"{prefix}video.mp4"
    first = mp(concurrency=1)
    first.on_part = crash_after(1)
    with pytest.raises(Crash):
        first.upload(tmp_path / "video.mp4", key)

    (state_file,) = state_files(first)
    state = json.loads(state_file.read_text())
    assert list(state["parts"]) == ["1"] and state["key"] == key
    assert state["path"] == str(tmp_path / "video.mp4") and state["size"] == SIZE
    assert API_KEY not in state_file.read_text()  # never a secret in the state

    transport = RecordingTransport()
    second = mp(transport=transport)
    result = second.upload(tmp_path / "video.mp4", key)
    assert (result.resumed, result.parts, result.parts_sent) == (True, 3, 2)
    assert transport.part_numbers() == [2, 3]
    assert ("GET", "/" + key, {"uploadId": [state["upload_id"]]}) in transport.requests
    assert download_bytes(second, key, tmp_path) == data
    assert state_files(second) == []


def test_an_interrupt_while_parts_run_in_parallel_keeps_the_finished_parts(
    mp, prefix: str, tmp_path: Path
) -> None:
    data = write_file(tmp_path / "f.bin", SIZE)
    key = f"{prefix}f.bin"
    first = mp(concurrency=3)

    def interrupt(number: int) -> None:
        raise KeyboardInterrupt

    first.on_part = interrupt
    with pytest.raises(KeyboardInterrupt):
        first.upload(tmp_path / "f.bin", key)
    (state_file,) = state_files(first)
    saved = set(json.loads(state_file.read_text())["parts"])
    assert saved and saved <= {"1", "2", "3"}

    transport = RecordingTransport()
    result = mp(transport=transport).upload(tmp_path / "f.bin", key)
    assert result.resumed and not {str(n) for n in transport.part_numbers()} & saved
    assert download_bytes(first, key, tmp_path) == data


def test_an_upload_gone_from_the_server_starts_over(mp, prefix: str, tmp_path: Path) -> None:
    data = write_file(tmp_path / "f.bin", SIZE)
    key = f"{prefix}f.bin"
    first = mp(concurrency=1)
    first.on_part = crash_after(1)
    with pytest.raises(Crash):
        first.upload(tmp_path / "f.bin", key)
    upload_id = json.loads(state_files(first)[0].read_text())["upload_id"]
    first.abort_upload(key, upload_id)

    transport = RecordingTransport()
    result = mp(transport=transport).upload(tmp_path / "f.bin", key)
    assert (result.resumed, result.parts_sent) == (False, 3)
    assert transport.part_numbers() == [1, 2, 3]
    assert download_bytes(first, key, tmp_path) == data


def test_a_changed_file_starts_over_and_aborts_the_old_upload(
    mp, prefix: str, tmp_path: Path
) -> None:
    path = tmp_path / "f.bin"
    write_file(path, SIZE, seed=1)
    key = f"{prefix}f.bin"
    first = mp(concurrency=1)
    first.on_part = crash_after(1)
    with pytest.raises(Crash):
        first.upload(path, key)
    old_id = json.loads(state_files(first)[0].read_text())["upload_id"]

    changed = write_file(path, SIZE, seed=2)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    result = mp().upload(path, key)
    assert (result.resumed, result.parts_sent) == (False, 3)
    assert download_bytes(first, key, tmp_path) == changed
    with pytest.raises(UploadNotFound):
        first.abort_upload(key, old_id)


def test_resume_false_discards_the_saved_upload(mp, prefix: str, tmp_path: Path) -> None:
    write_file(tmp_path / "f.bin", SIZE)
    key = f"{prefix}f.bin"
    first = mp(concurrency=1)
    first.on_part = crash_after(2)
    with pytest.raises(Crash):
        first.upload(tmp_path / "f.bin", key)
    old_id = json.loads(state_files(first)[0].read_text())["upload_id"]

    result = mp().upload(tmp_path / "f.bin", key, resume=False)
    assert (result.resumed, result.parts_sent) == (False, 3)
    with pytest.raises(UploadNotFound):
        first.abort_upload(key, old_id)


def test_a_file_object_goes_multipart_without_a_state_file(mp, prefix: str) -> None:
    data = os.urandom(11 * 1024 * 1024)
    client = mp()
    result = client.upload(io.BytesIO(data), f"{prefix}stream.bin", multipart=True)
    assert (result.multipart, result.parts, result.size) == (True, 3, len(data))
    assert state_files(client) == []


def test_parts_stream_from_disk_instead_of_memory(mp, prefix: str, tmp_path: Path) -> None:
    write_file(tmp_path / "f.bin", SIZE)
    client = mp(concurrency=2)
    tracemalloc.start()
    try:
        client.upload(tmp_path / "f.bin", f"{prefix}f.bin")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 2 * 1024 * 1024  # far below one 5 MiB part, let alone the 12 MiB file


def test_a_part_size_below_5_mib_is_refused(make_client, tmp_path: Path) -> None:
    write_file(tmp_path / "f.bin", 100)
    client = make_client(part_size=1024 * 1024)
    with pytest.raises(ValueError):
        client.upload(tmp_path / "f.bin", "x/f.bin", multipart=True)

"""Multipart uploads: the five requests of the protocol and an uploader that sends parts in
parallel, records each finished part in a state file and resumes from it."""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Any

from .bodies import BodyFactory, PathSource, Source
from .errors import InvalidRequest, R2gateError, UploadNotFound
from .models import ObjectInfo, UploadResult
from .objects import head_object
from .progress import ProgressCallback, ProgressTracker
from .session import Session
from .state import StateFile, UploadState

MIB = 1024 * 1024
MIN_PART_SIZE = 5 * MIB
MAX_PART_SIZE = 5 * 1024 * MIB
MAX_PARTS = 10_000
DEFAULT_PART_SIZE = 8 * MIB

PartHook = Callable[[int], None]


def choose_part_size(size: int, wanted: int | None) -> int | None:
    """The part size to ask for: `wanted` (checked), or None for the server's default; either
    raised to whole MiB when `size` would otherwise need more than 10,000 parts."""
    if wanted is not None and not MIN_PART_SIZE <= wanted <= MAX_PART_SIZE:
        raise ValueError(f"part_size must be between {MIN_PART_SIZE} and {MAX_PART_SIZE} bytes")
    needed = math.ceil(math.ceil(size / MAX_PARTS) / MIB) * MIB
    if wanted is None:
        return needed if needed > DEFAULT_PART_SIZE else None
    return max(wanted, needed)


def part_count(size: int, part_size: int) -> int:
    return max(1, math.ceil(size / part_size))


def part_span(number: int, size: int, part_size: int) -> tuple[int, int]:
    """(offset, length) of part `number` (1-based)."""
    offset = (number - 1) * part_size
    return offset, max(0, min(part_size, size - offset))


@dataclass(frozen=True)
class ServerPart:
    part_number: int
    size: int
    etag: str


# --- the protocol -----------------------------------------------------------------------------


def create_upload(
    session: Session, key: str, content_type: str | None, part_size: int | None
) -> dict[str, Any]:
    """POST /<key>?uploads -> {upload_id, key, part_size, max_parts, expires_at}."""
    payload: dict[str, Any] = {}
    if part_size is not None:
        payload["part_size"] = part_size
    if content_type:
        payload["content_type"] = content_type
    url = session.object_url(key, [("uploads", None)])
    created: dict[str, Any] = session.json("POST", url, payload, ok=(200, 201))
    return created


def upload_part(
    session: Session,
    key: str,
    upload_id: str,
    number: int,
    body: BodyFactory,
    length: int,
    cancel: threading.Event | None = None,
) -> str:
    """PUT /<key>?uploadId=&partNumber= -> the part's etag (re-sending replaces the part)."""
    url = session.object_url(key, [("uploadId", upload_id), ("partNumber", str(number))])
    headers = {"Content-Length": str(length)}
    ok = False
    try:
        with session.request("PUT", url, headers, body, ok=(200, 201), cancel=cancel) as reply:
            data = reply.read()
        ok = True
    finally:
        body.close(ok)
    return str(json.loads(data)["etag"])


def list_parts(session: Session, key: str, upload_id: str) -> dict[int, ServerPart]:
    """GET /<key>?uploadId= -> the parts the server holds (404 upload_not_found when gone)."""
    data = session.json("GET", session.object_url(key, [("uploadId", upload_id)]))
    parts = (
        ServerPart(int(p["part_number"]), int(p["size"]), str(p["etag"])) for p in data["parts"]
    )
    return {part.part_number: part for part in parts}


def complete_upload(
    session: Session, key: str, upload_id: str, parts: dict[int, str], retry: bool = True
) -> ObjectInfo:
    """POST /<key>?uploadId= with the parts in ascending order -> the stored object."""
    payload = {"parts": [{"part_number": n, "etag": parts[n]} for n in sorted(parts)]}
    url = session.object_url(key, [("uploadId", upload_id)])
    return ObjectInfo.from_json(session.json("POST", url, payload, ok=(200, 201), retry=retry))


def abort_upload(session: Session, key: str, upload_id: str) -> None:
    """DELETE /<key>?uploadId= (204); the parts are discarded."""
    url = session.object_url(key, [("uploadId", upload_id)])
    session.request("DELETE", url, ok=(200, 204)).close()


# --- the uploader -----------------------------------------------------------------------------


class MultipartUploader:
    """Uploads `source` to `key` in parts. With a `state_file` (path sources only) every part
    done is saved, and a later run with the same state file resumes: it reconciles the saved
    parts with the server's list, starts over when the upload is gone or the file changed,
    and sends only the missing parts. `on_part(n)` runs in the calling thread after part n is
    saved (tests use it to simulate a crash)."""

    def __init__(
        self,
        session: Session,
        source: Source,
        key: str,
        content_type: str | None,
        part_size: int | None,
        concurrency: int,
        state_file: StateFile | None = None,
        progress: ProgressCallback | None = None,
        on_part: PartHook | None = None,
    ) -> None:
        self.session = session
        self.source = source
        self.key = key
        self.content_type = content_type
        self.part_size = choose_part_size(source.size, part_size)
        self.concurrency = max(1, concurrency) if source.parallel else 1
        self.state_file = state_file if isinstance(source, PathSource) else None
        self.progress = progress
        self.on_part = on_part

    def run(self) -> UploadResult:
        state, resumed = self._prepare()
        count = part_count(self.source.size, state.part_size)
        missing = [n for n in range(1, count + 1) if n not in state.parts]
        done = sum(part_span(n, self.source.size, state.part_size)[1] for n in state.parts)
        tracker = ProgressTracker(self.source.size, self.progress, done)
        tracker.start()
        self._send(state, missing, tracker)
        info = self._complete(state)
        if self.state_file is not None:
            self.state_file.remove()
        return UploadResult.from_object(
            info, multipart=True, parts=count, parts_sent=len(missing), resumed=resumed
        )

    # -- state --

    def _prepare(self) -> tuple[UploadState, bool]:
        """A resumable saved state reconciled with the server, else a new upload."""
        saved = self.state_file.load() if self.state_file is not None else None
        if saved is not None and isinstance(self.source, PathSource):
            source = self.source
            if saved.matches(
                self.session.base_url, self.key, source.path, source.size, source.mtime_ns
            ):
                try:
                    held = list_parts(self.session, self.key, saved.upload_id)
                except UploadNotFound:
                    pass  # completed, aborted or expired: start over
                else:
                    saved.parts = self._usable(held, saved.part_size)
                    self._save(saved)
                    return saved, True
            else:  # the file changed: its old parts are useless
                with contextlib.suppress(R2gateError):
                    abort_upload(self.session, saved.key, saved.upload_id)
        return self._create(), False

    def _usable(self, held: dict[int, ServerPart], part_size: int) -> dict[int, str]:
        """The server's parts that belong to this file layout (right number, right size)."""
        count = part_count(self.source.size, part_size)
        return {
            n: part.etag
            for n, part in held.items()
            if 1 <= n <= count and part.size == part_span(n, self.source.size, part_size)[1]
        }

    def _create(self) -> UploadState:
        created = create_upload(self.session, self.key, self.content_type, self.part_size)
        path = getattr(self.source, "path", "")
        state = UploadState(
            base_url=self.session.base_url,
            key=self.key,
            upload_id=str(created["upload_id"]),
            part_size=int(created["part_size"]),
            path=os.path.abspath(path) if path else "",
            size=self.source.size,
            mtime_ns=getattr(self.source, "mtime_ns", 0),
            content_type=self.content_type,
        )
        max_parts = int(created.get("max_parts", MAX_PARTS))
        if part_count(state.size, state.part_size) > max_parts:
            with contextlib.suppress(R2gateError):
                abort_upload(self.session, self.key, state.upload_id)
            raise InvalidRequest(
                400,
                "too_many_parts",
                f"{state.size} bytes in parts of {state.part_size} need over {max_parts} parts; "
                "give a larger part_size",
            )
        self._save(state)
        return state

    def _save(self, state: UploadState) -> None:
        if self.state_file is not None:
            self.state_file.save(state)

    def _record(self, state: UploadState, number: int, etag: str, hook: bool = True) -> None:
        state.parts[number] = etag
        self._save(state)
        if hook and self.on_part is not None:
            self.on_part(number)

    # -- parts --

    def _send_part(
        self, state: UploadState, number: int, tracker: ProgressTracker, cancel: threading.Event
    ) -> str:
        offset, length = part_span(number, self.source.size, state.part_size)
        body = BodyFactory(self.source, offset, length, tracker, cancel)
        return upload_part(self.session, self.key, state.upload_id, number, body, length, cancel)

    def _send(self, state: UploadState, missing: list[int], tracker: ProgressTracker) -> None:
        cancel = threading.Event()
        if self.concurrency == 1 or len(missing) <= 1:
            for number in missing:
                self._record(state, number, self._send_part(state, number, tracker, cancel))
            return
        workers = min(self.concurrency, len(missing))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="r2gate-part") as pool:
            futures = {pool.submit(self._send_part, state, n, tracker, cancel): n for n in missing}
            try:
                for future in as_completed(futures):
                    self._record(state, futures[future], future.result())
            except BaseException:
                cancel.set()  # parts in flight stop at their next read; queued ones never start
                for future in futures:
                    future.cancel()
                for future, number in futures.items():
                    if number in state.parts or future.cancelled():
                        continue
                    with contextlib.suppress(BaseException):
                        self._record(state, number, future.result(), hook=False)
                raise

    def _complete(self, state: UploadState) -> ObjectInfo:
        """Complete, with retries; if a retry finds the upload gone because an earlier try
        did complete it, the stored object (of the right size) is the result."""
        tries = 0

        def attempt() -> ObjectInfo:
            nonlocal tries
            tries += 1
            return complete_upload(self.session, self.key, state.upload_id, state.parts, False)

        try:
            return self.session.retrier.call(attempt)
        except UploadNotFound:
            if tries > 1:
                info = head_object(self.session, self.key)
                if info.size == self.source.size:
                    return info
            raise

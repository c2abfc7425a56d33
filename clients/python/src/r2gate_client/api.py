"""`Client`: the Python API of an r2gate server (stdlib only)."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import BinaryIO, cast

from .bodies import PathSource, Source, StreamSource
from .download import Downloader
from .errors import NotFound, R2gateError
from .models import DownloadResult, ListPage, ObjectInfo, UploadResult, UploadUrl
from .multipart import MultipartUploader, PartHook, abort_upload
from .objects import delete_object, head_object, iter_pages, list_objects, mint_upload_url
from .objects import put_object as _put_object
from .progress import ProgressCallback, ProgressTracker
from .retry import Retrier, RetryPolicy
from .session import Session
from .state import StateFile, default_state_dir, state_path
from .stats import TransferStats
from .transport import Transport, UrllibTransport

DEFAULT_MULTIPART_THRESHOLD = 64 * 1024 * 1024
# Pyodide has no threads: parts go one at a time there.
DEFAULT_CONCURRENCY = 1 if sys.platform == "emscripten" else 4


class Client:
    """An r2gate server at `base_url`, used with an API key or a token (or neither, for public
    reads). Every method raises an `R2gateError` subclass on failure.

    Files larger than `multipart_threshold` bytes are uploaded in parts of `part_size` bytes
    (default: the server's, 8 MiB unless configured), `concurrency` at a time, resumable
    through a state file in `state_dir`. Connection errors, 5xx and 429 are retried per
    `retry` (Retry-After is honoured).
    """

    def __init__(
        self,
        base_url: str,
        api_key: str | None = None,
        token: str | None = None,
        *,
        multipart_threshold: int = DEFAULT_MULTIPART_THRESHOLD,
        part_size: int | None = None,
        concurrency: int = DEFAULT_CONCURRENCY,
        timeout: float = 60.0,
        retry: RetryPolicy | Retrier | None = None,
        transport: Transport | None = None,
        state_dir: str | os.PathLike[str] | None = None,
    ) -> None:
        if api_key and token:
            raise ValueError("give api_key or token, not both")
        retrier = retry if isinstance(retry, Retrier) else Retrier(retry)
        self._session = Session(
            base_url, api_key or token, transport or UrllibTransport(), retrier, timeout
        )
        self.multipart_threshold = multipart_threshold
        self.part_size = part_size
        self.concurrency = concurrency
        self.state_dir = Path(state_dir) if state_dir is not None else default_state_dir()
        self.on_part: PartHook | None = None  # called after each stored part (tests, logging)
        self._stats = TransferStats()

    @property
    def base_url(self) -> str:
        return self._session.base_url

    def __repr__(self) -> str:  # never shows the credential
        return f"Client({self.base_url!r})"

    # -- this client's own transfers --

    def stats(self) -> dict[str, dict[str, int]]:
        """Uploads and downloads this client finished since it was made (or `reset_stats`):
        ``{"uploads": {"count", "bytes", "errors"}, "downloads": {...}}``. Its own traffic,
        not what the bucket holds (that is the server's GET /api/v1/stats)."""
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        """Zero the counts of `stats`."""
        self._stats.reset()

    # -- uploads --

    def upload(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        key: str,
        content_type: str | None = None,
        *,
        progress: ProgressCallback | None = None,
        multipart: bool | None = None,
        resume: bool = True,
    ) -> UploadResult:
        """Upload a file (a path, or a seekable binary file object from its position) to `key`.

        A single PUT up to `multipart_threshold` bytes, a multipart upload above it (or as
        `multipart` forces). For a path, a multipart upload saves its progress and `resume`s
        an interrupted upload of the same unchanged file to the same key. `content_type`
        defaults to what the server infers from the key.
        """
        try:
            result = self._upload(source, key, content_type, progress, multipart, resume)
        except BaseException:
            self._stats.failed("uploads")
            raise
        self._stats.done("uploads", result.size)
        return result

    def _upload(
        self,
        source: str | os.PathLike[str] | BinaryIO,
        key: str,
        content_type: str | None,
        progress: ProgressCallback | None,
        multipart: bool | None,
        resume: bool,
    ) -> UploadResult:
        src: Source = (
            StreamSource(cast(BinaryIO, source)) if hasattr(source, "read") else PathSource(source)
        )
        use_multipart = src.size > self.multipart_threshold if multipart is None else multipart
        if not use_multipart or src.size == 0:
            tracker = ProgressTracker(src.size, progress)
            tracker.start()
            info = _put_object(self._session, key, src, content_type, tracker)
            return UploadResult.from_object(info)
        state_file = None
        if isinstance(src, PathSource):
            state_file = StateFile(state_path(self.state_dir, self.base_url, key, src.path))
            if not resume:
                self.discard_upload_state(key, src.path)
        uploader = MultipartUploader(
            self._session,
            src,
            key,
            content_type,
            self.part_size,
            self.concurrency,
            state_file,
            progress,
            self.on_part,
        )
        return uploader.run()

    def upload_state_path(self, key: str, path: str | os.PathLike[str]) -> Path:
        """Where a multipart upload of `path` to `key` keeps its resume state."""
        return state_path(self.state_dir, self.base_url, key, os.fspath(path))

    def discard_upload_state(self, key: str, path: str | os.PathLike[str]) -> bool:
        """Abort the saved, unfinished multipart upload of `path` to `key` (if any) and forget
        it; True when there was one."""
        state_file = StateFile(self.upload_state_path(key, path))
        saved = state_file.load()
        if saved is None:
            return False
        with contextlib.suppress(R2gateError):  # best effort: an expired upload is gone anyway
            abort_upload(self._session, saved.key, saved.upload_id)
        state_file.remove()
        return True

    def abort_upload(self, key: str, upload_id: str) -> None:
        """Abort a multipart upload by id (404 UploadNotFound when it is already gone)."""
        abort_upload(self._session, key, upload_id)

    def mint_upload_url(
        self,
        key: str | None = None,
        *,
        content_type: str,
        filename: str | None = None,
        prefix: str | None = None,
        max_bytes: int | None = None,
        expires_in: int | None = None,
        overwrite: bool | None = None,
        sha256: str | None = None,
        metadata: Mapping[str, str] | None = None,
        cache_control: str | None = None,
        sub: str | None = None,
    ) -> UploadUrl:
        """POST /api/v1/uploads: a short-lived URL that lets anyone PUT one object (give
        `key`, or `filename` with an optional `prefix` to let the server name it). `sub`
        names whom it is for in the upload's event (docs/events.md)."""
        return mint_upload_url(
            self._session,
            {
                "key": key,
                "filename": filename,
                "prefix": prefix,
                "content_type": content_type,
                "max_bytes": max_bytes,
                "expires_in": expires_in,
                "overwrite": overwrite,
                "sha256": sha256,
                "metadata": dict(metadata) if metadata is not None else None,
                "cache_control": cache_control,
                "sub": sub,
            },
        )

    # -- reads and the rest --

    def download(
        self,
        key: str,
        path: str | os.PathLike[str],
        *,
        progress: ProgressCallback | None = None,
        resume: bool = True,
        verify: bool = True,
    ) -> DownloadResult:
        """Stream `key` into `path` (replaced only once complete and verified); an interrupted
        download resumes where it stopped unless the object changed meanwhile."""
        try:
            result = Downloader(self._session, key, path, resume, progress, verify).run()
        except BaseException:
            self._stats.failed("downloads")
            raise
        self._stats.done("downloads", result.size)
        return result

    def stat(self, key: str) -> ObjectInfo:
        """HEAD the object: size, etag, content type, Last-Modified."""
        return head_object(self._session, key)

    def exists(self, key: str) -> bool:
        """True when `key` exists."""
        try:
            self.stat(key)
        except NotFound:
            return False
        return True

    def delete(self, key: str) -> None:
        """Delete the object (no error when it did not exist)."""
        delete_object(self._session, key)

    def list(
        self,
        prefix: str = "",
        *,
        delimiter: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> ListPage:
        """One page of the listing; follow `.cursor` while `.truncated` (or use iter_objects)."""
        return list_objects(self._session, prefix, delimiter, cursor, limit)

    def iter_objects(
        self, prefix: str = "", *, delimiter: str | None = None
    ) -> Iterator[ObjectInfo]:
        """Every object under `prefix`, across pages."""
        for page in iter_pages(self._session, prefix, delimiter):
            yield from page.objects

    def iter_pages(self, prefix: str = "", *, delimiter: str | None = None) -> Iterator[ListPage]:
        """Every page under `prefix` (objects and, with a delimiter, common prefixes)."""
        return iter_pages(self._session, prefix, delimiter)

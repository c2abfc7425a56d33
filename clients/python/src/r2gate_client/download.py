"""Streamed downloads that resume: bytes go to `<file>.r2gate-partial` (the object's ETag and
size beside it in `<file>.r2gate-partial.json`); a later try asks for the rest with `Range` +
`If-Range`, so a changed object comes back whole (200) instead of being spliced onto old bytes.
The finished file is checked (size, and the MD5 when the ETag is one) and renamed into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import asdict, dataclass
from pathlib import Path

from .errors import IntegrityError, TransportError
from .models import DownloadResult, unquote_etag
from .progress import ProgressCallback, ProgressTracker
from .session import Session
from .transport import Response

PARTIAL_SUFFIX = ".r2gate-partial"
CHUNK_SIZE = 1024 * 1024
_MD5_ETAG = re.compile(r"[0-9a-f]{32}")
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+)")


@dataclass
class PartialMeta:
    """Which version of which object a partial file holds (no secrets)."""

    base_url: str
    key: str
    etag: str  # the ETag header as sent (quoted)
    size: int


class _Restart(Exception):
    """The partial file cannot be continued: start from byte 0."""


def partial_paths(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """(partial data file, its metadata file) for a download target."""
    target = Path(path)
    data = target.with_name(target.name + PARTIAL_SUFFIX)
    return data, data.with_name(data.name + ".json")


class Downloader:
    """Downloads one key to one path; see the module docstring."""

    def __init__(
        self,
        session: Session,
        key: str,
        path: str | os.PathLike[str],
        resume: bool = True,
        progress: ProgressCallback | None = None,
        verify: bool = True,
    ) -> None:
        self.session = session
        self.key = key
        self.target = Path(path)
        self.partial, self.meta_path = partial_paths(path)
        self.resume = resume
        self.progress = progress
        self.verify = verify
        self.meta: PartialMeta | None = None
        self.received = 0
        self.resumed = False
        self.tracker: ProgressTracker | None = None

    def run(self) -> DownloadResult:
        url = self.session.object_url(self.key)
        self.meta = self._load_meta() if self.resume else None
        if self.meta is None:
            self._reset()
        for _ in range(3):  # a restart happens at most when the object changes under us
            try:
                self.session.retrier.call(lambda: self._attempt(url))
                break
            except _Restart:
                self._reset()
        else:
            raise IntegrityError("the object kept changing during the download")
        meta = self.meta
        assert meta is not None
        self._check(meta)
        os.replace(self.partial, self.target)
        self._remove(self.meta_path)
        return DownloadResult(
            key=self.key,
            path=str(self.target),
            size=meta.size,
            etag=unquote_etag(meta.etag),
            resumed=self.resumed,
            bytes_received=self.received,
        )

    # -- the partial file --

    def _load_meta(self) -> PartialMeta | None:
        try:
            meta = PartialMeta(**json.loads(self.meta_path.read_text(encoding="utf-8")))
            offset = self.partial.stat().st_size
        except (OSError, ValueError, TypeError):
            return None
        same = meta.base_url == self.session.base_url and meta.key == self.key
        return meta if same and offset <= meta.size else None

    def _save_meta(self, meta: PartialMeta) -> None:
        self.meta = meta
        self.meta_path.write_text(json.dumps(asdict(meta)), encoding="utf-8")

    def _reset(self) -> None:
        self.meta = None
        self._remove(self.partial)
        self._remove(self.meta_path)

    @staticmethod
    def _remove(path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()

    def _offset(self) -> int:
        if self.meta is None:
            return 0
        try:
            return self.partial.stat().st_size
        except FileNotFoundError:
            return 0

    # -- one request --

    def _attempt(self, url: str) -> None:
        offset = self._offset()
        headers = {}
        if self.meta is not None and offset > 0:
            headers = {"Range": f"bytes={offset}-", "If-Range": self.meta.etag}
        response = self.session.send_once("GET", url, headers, ok=(200, 206, 416))
        with response:
            if response.status == 416:
                if self.meta is None or offset != self.meta.size:
                    raise _Restart()
                self._progress(offset, offset)  # already complete
                return
            if response.status == 206:
                self._continue(response, offset)
            else:
                self._start_over(response)
            self._stream(response)

    def _continue(self, response: Response, offset: int) -> None:
        """A 206 must continue exactly our bytes of exactly our version."""
        meta = self.meta
        match = _CONTENT_RANGE.fullmatch(response.headers.get("content-range", "").strip())
        if (
            meta is None
            or match is None
            or int(match.group(1)) != offset
            or int(match.group(3)) != meta.size
            or response.headers.get("etag") != meta.etag
        ):
            raise _Restart()
        self.resumed = True
        self._progress(offset, meta.size)

    def _start_over(self, response: Response) -> None:
        etag = response.headers.get("etag", "")
        length = response.headers.get("content-length", "")
        if not length.isdigit():
            raise IntegrityError("the response has no Content-Length")
        self.partial.parent.mkdir(parents=True, exist_ok=True)
        self.partial.write_bytes(b"")
        self._save_meta(PartialMeta(self.session.base_url, self.key, etag, int(length)))
        self.resumed = False
        self._progress(0, int(length))

    def _progress(self, done: int, total: int) -> None:
        self.tracker = ProgressTracker(total, self.progress, done)
        self.tracker.start()

    def _stream(self, response: Response) -> None:
        assert self.meta is not None
        with open(self.partial, "ab") as out:
            while True:
                chunk = response.read(CHUNK_SIZE)
                if not chunk:
                    break
                out.write(chunk)
                self.received += len(chunk)
                if self.tracker is not None:
                    self.tracker.add(len(chunk))
        if self._offset() < self.meta.size:
            raise TransportError("the connection closed before the whole object arrived")

    # -- verification --

    def _check(self, meta: PartialMeta) -> None:
        size = self.partial.stat().st_size
        if size != meta.size:
            self._reset()
            raise IntegrityError(f"received {size} bytes, the object has {meta.size}")
        etag = unquote_etag(meta.etag)
        if self.verify and _MD5_ETAG.fullmatch(etag) and _md5(self.partial) != etag:
            self._reset()
            raise IntegrityError("the downloaded bytes do not match the object's ETag (MD5)")


def _md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_SIZE):
            digest.update(chunk)
    return digest.hexdigest()

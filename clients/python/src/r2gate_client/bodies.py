"""Request bodies streamed from a file: a byte range at a time, never the whole file."""

from __future__ import annotations

import os
import threading
from typing import BinaryIO, Protocol

from .errors import SourceChanged, UploadCancelled
from .progress import ProgressTracker


class SliceReader:
    """Reads `length` bytes of `fileobj` from its current position, reporting progress and
    stopping (UploadCancelled) once `cancel` is set."""

    def __init__(
        self,
        fileobj: BinaryIO,
        length: int,
        tracker: ProgressTracker | None = None,
        cancel: threading.Event | None = None,
        owned: bool = False,
    ) -> None:
        self._file = fileobj
        self.remaining = length
        self.sent = 0
        self._tracker = tracker
        self._cancel = cancel
        self._owned = owned

    def read(self, size: int = -1) -> bytes:
        if self._cancel is not None and self._cancel.is_set():
            raise UploadCancelled("the upload was cancelled")
        if self.remaining <= 0:
            return b""
        wanted = self.remaining if size is None or size < 0 else min(size, self.remaining)
        data = self._file.read(wanted)
        if not data:
            raise SourceChanged("the file is shorter than when the upload started")
        self.remaining -= len(data)
        self.sent += len(data)
        if self._tracker is not None:
            self._tracker.add(len(data))
        return data

    def close(self) -> None:
        if self._owned:
            self._file.close()


class Source(Protocol):
    """Where upload bytes come from: `slice(offset, length)` opens a fresh reader;
    `parallel` says whether several slices may be read at the same time."""

    size: int
    parallel: bool

    def slice(
        self,
        offset: int,
        length: int,
        tracker: ProgressTracker | None,
        cancel: threading.Event | None,
    ) -> SliceReader: ...


class PathSource:
    """A file on disk: every slice opens its own handle, so parts can be read in parallel."""

    parallel = True

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        stat = os.stat(self.path)
        self.size = stat.st_size
        self.mtime_ns = stat.st_mtime_ns

    def slice(
        self,
        offset: int,
        length: int,
        tracker: ProgressTracker | None,
        cancel: threading.Event | None,
    ) -> SliceReader:
        handle = open(self.path, "rb")  # noqa: SIM115 - closed by SliceReader.close
        handle.seek(offset)
        return SliceReader(handle, length, tracker, cancel, owned=True)


class StreamSource:
    """A seekable binary file object from its current position; slices share the handle, so
    they are read one at a time."""

    parallel = False

    def __init__(self, fileobj: BinaryIO) -> None:
        if not fileobj.seekable():
            raise ValueError("upload() needs a seekable binary file object (or a path)")
        self._file = fileobj
        self._start = fileobj.tell()
        self.size = fileobj.seek(0, os.SEEK_END) - self._start
        fileobj.seek(self._start)

    def slice(
        self,
        offset: int,
        length: int,
        tracker: ProgressTracker | None,
        cancel: threading.Event | None,
    ) -> SliceReader:
        self._file.seek(self._start + offset)
        return SliceReader(self._file, length, tracker, cancel)


class BodyFactory:
    """Opens the same slice afresh for every attempt of a request; the previous attempt's
    progress is taken back, so retries never count bytes twice."""

    def __init__(
        self,
        source: Source,
        offset: int,
        length: int,
        tracker: ProgressTracker | None = None,
        cancel: threading.Event | None = None,
    ) -> None:
        self._args = (source, offset, length, tracker, cancel)
        self._reader: SliceReader | None = None

    def __call__(self) -> SliceReader:
        self._discard()
        source, offset, length, tracker, cancel = self._args
        self._reader = source.slice(offset, length, tracker, cancel)
        return self._reader

    def _discard(self) -> None:
        if self._reader is not None:
            self._reader.close()
            tracker = self._args[3]
            if tracker is not None:
                tracker.add(-self._reader.sent)
            self._reader = None

    def close(self, succeeded: bool) -> None:
        """Close the last reader; a failed request also takes back its progress."""
        if self._reader is not None:
            if succeeded:
                self._reader.close()
                self._reader = None
            else:
                self._discard()

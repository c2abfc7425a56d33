"""Progress reporting: a thread-safe byte counter and a one-line text progress bar."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TextIO

ProgressCallback = Callable[[int, int], None]
"""Called as `callback(bytes_done, bytes_total)`, possibly from worker threads."""


class ProgressTracker:
    """Counts bytes from several threads and reports the running total to a callback."""

    def __init__(self, total: int, callback: ProgressCallback | None, done: int = 0) -> None:
        self.total = total
        self.done = done
        self._callback = callback
        self._lock = threading.Lock()

    def add(self, count: int) -> None:
        """Add (or, after a failed attempt, subtract) `count` bytes and report."""
        if not count:
            return
        with self._lock:
            self.done += count
            done = self.done
        if self._callback is not None:
            self._callback(done, self.total)

    def start(self) -> None:
        """Report the starting point (e.g. bytes already uploaded before a resume)."""
        if self._callback is not None:
            self._callback(self.done, self.total)


def format_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB", "GB"):
        if abs(count) < 1000 or unit == "GB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"  # pragma: no cover


def format_eta(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class ProgressBar:
    """Renders `label  42.0%  12.6 MB / 30.0 MB  8.4 MB/s  ETA 0:02` on one line of `stream`
    (a TTY: redrawn with \\r), at most every `interval` seconds. Use as a ProgressCallback."""

    def __init__(
        self,
        stream: TextIO,
        label: str = "",
        clock: Callable[[], float] = time.monotonic,
        interval: float = 0.1,
    ) -> None:
        self.stream = stream
        self.label = label
        self.clock = clock
        self.interval = interval
        self._lock = threading.Lock()
        self._start: tuple[float, int] | None = None
        self._last_draw = float("-inf")
        self._width = 0
        self.last_line = ""

    def line(self, done: int, total: int, now: float) -> str:
        """The text for `done` of `total` bytes at time `now`."""
        if self._start is None:
            self._start = (now, done)
        started, base = self._start
        elapsed = now - started
        rate = (done - base) / elapsed if elapsed > 0 else 0.0
        percent = 100.0 * done / total if total else 100.0
        if done >= total:
            eta = "done"
        elif rate > 0:
            eta = "ETA " + format_eta((total - done) / rate)
        else:
            eta = "ETA --:--"
        parts = [
            f"{percent:5.1f}%",
            f"{format_bytes(done)} / {format_bytes(total)}",
            f"{format_bytes(rate)}/s",
            eta,
        ]
        return "  ".join([self.label, *parts] if self.label else parts)

    def __call__(self, done: int, total: int) -> None:
        with self._lock:
            now = self.clock()
            text = self.line(done, total, now)
            if now - self._last_draw < self.interval and done < total:
                return
            self._last_draw = now
            self.last_line = text
            self.stream.write("\r" + text.ljust(self._width))
            self._width = len(text)
            self.stream.flush()

    def close(self) -> None:
        """End the line (call once the transfer ends, successfully or not)."""
        with self._lock:
            if self._width:
                self.stream.write("\n")
                self.stream.flush()
                self._width = 0

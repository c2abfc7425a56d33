"""What one `Client` has transferred: uploads and downloads (files, bytes, errors), the shape
backend code expects from an asset manager (``stats['uploads']['count']``, ``['bytes']``,
``['errors']``, the same for ``downloads``).

These are this client's own transfers since it was made or last reset, counted as they end: a
file that failed counts as an error, not as a transfer. The server's figures of what the
bucket holds are `GET /api/v1/stats` (the object index; docs/events.md).
"""

from __future__ import annotations

import threading
from typing import Literal

Direction = Literal["uploads", "downloads"]
Counts = dict[str, dict[str, int]]


class TransferStats:
    """Thread-safe counters of finished uploads and downloads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counts = self._zero()

    @staticmethod
    def _zero() -> Counts:
        return {d: {"count": 0, "bytes": 0, "errors": 0} for d in ("uploads", "downloads")}

    def done(self, direction: Direction, size: int) -> None:
        """A file of `size` bytes went through."""
        with self._lock:
            self._counts[direction]["count"] += 1
            self._counts[direction]["bytes"] += size

    def failed(self, direction: Direction) -> None:
        """A transfer failed (refused, missing, broken off)."""
        with self._lock:
            self._counts[direction]["errors"] += 1

    def snapshot(self) -> Counts:
        """A copy of the counts."""
        with self._lock:
            return {d: dict(c) for d, c in self._counts.items()}

    def reset(self) -> None:
        with self._lock:
            self._counts = self._zero()

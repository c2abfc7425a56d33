"""Test data: random bytes and files of a given size."""

from __future__ import annotations

import random
from pathlib import Path


def random_bytes(size: int, seed: int | None = None) -> bytes:
    """`size` random bytes; the same `seed` gives the same bytes."""
    return random.Random(seed).randbytes(size)


def write_file(path: Path, size: int, seed: int | None = None) -> bytes:
    """A file of `size` random bytes at `path`: its content."""
    data = random_bytes(size, seed)
    path.write_bytes(data)
    return data

"""A multipart object's full-object CRC from its parts' CRCs, without the bytes.

S3's full-object checksums (CRC32, CRC32C, CRC64NVME; ``x-amz-checksum-type: FULL_OBJECT``)
are the CRC of the whole object. r2gate never holds the object's bytes, but each part's CRC
was verified as it streamed by, and CRCs compose: for reflected CRCs with all-ones initial
value and final XOR (these three),

    crc(A || B) = crc(A) * x^(8 * len(B)) mod P  XOR  crc(B)

in GF(2), as zlib's ``crc32_combine`` computes it. `combine` folds a list of (crc, length)
this way; the work is O(log length) per part.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["CRCS", "Crc", "combine", "crc"]


@dataclass(frozen=True, eq=False)
class Crc:
    """A reflected CRC: its width in bits and its polynomial, bit-reversed."""

    width: int
    reversed_poly: int

    @property
    def top(self) -> int:
        return 1 << (self.width - 1)

    def multiply(self, a: int, b: int) -> int:
        """a * b mod P, both reflected (the top bit is x^0)."""
        product = 0
        bit = self.top
        while bit:
            if a & bit:
                product ^= b
            bit >>= 1
            b = (b >> 1) ^ self.reversed_poly if b & 1 else b >> 1
        return product

    @functools.cached_property
    def table(self) -> tuple[int, ...]:
        """The byte-at-a-time table (made on first use: 256 entries)."""
        entries = []
        for byte in range(256):
            value = byte
            for _ in range(8):
                value = (value >> 1) ^ self.reversed_poly if value & 1 else value >> 1
            entries.append(value)
        return tuple(entries)

    def of(self, data: bytes) -> int:
        """The CRC of `data` (small inputs: a completion's part digests)."""
        mask = (1 << self.width) - 1
        value = mask
        table = self.table
        for byte in data:
            value = table[(value ^ byte) & 0xFF] ^ (value >> 8)
        return value ^ mask

    def x_to_8n(self, length: int) -> int:
        """x^(8 * length) mod P, by squaring."""
        result = self.top  # x^0
        power = self.top >> 8  # x^8
        while length:
            if length & 1:
                result = self.multiply(result, power)
            power = self.multiply(power, power)
            length >>= 1
        return result


CRCS = {
    "crc32": Crc(32, 0xEDB88320),
    "crc32c": Crc(32, 0x82F63B78),
    "crc64nvme": Crc(64, 0x9A6C9329AC4BC9B5),
}


def crc(algorithm: str, data: bytes) -> int:
    """The CRC of `data` with `algorithm` (crc32, crc32c, crc64nvme)."""
    return CRCS[algorithm].of(data)


def combine(algorithm: str, parts: Iterable[tuple[int, int]]) -> int:
    """The CRC of the concatenation of parts given as (crc, length), in order."""
    crc = CRCS[algorithm]
    total = 0
    for part_crc, length in parts:
        total = crc.multiply(total, crc.x_to_8n(length)) ^ part_crc
    return total

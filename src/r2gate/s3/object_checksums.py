"""An object's checksum as S3 reports it (``x-amz-checksum-*`` with ChecksumMode=ENABLED,
GetObjectAttributes), and a multipart upload's: what CreateMultipartUpload asks for, each
part's, and the object's at completion.

* A single PutObject's checksum is the ``x-amz-checksum-<algorithm>`` it sent (verified as
  the bytes streamed by), of type FULL_OBJECT.
* A multipart upload names an algorithm and a type at creation (``x-amz-checksum-algorithm``,
  ``x-amz-checksum-type``; the type defaults to FULL_OBJECT for CRC64NVME, COMPOSITE for the
  others; FULL_OBJECT exists for the CRCs only). Every part then carries its checksum, which
  r2gate verifies and records. At completion the listed parts' checksums must be the recorded
  ones (InvalidPart otherwise), and the object's checksum is computed from them, without the
  bytes: COMPOSITE is the digest of the parts' concatenated raw digests, with ``-<parts>``;
  FULL_OBJECT is the CRC of the whole object, composed from the parts' CRCs and lengths
  (`crc_combine`). A checksum header sent with the completion is that object checksum: it must
  match (BadDigest), it is never a checksum of the XML body.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .checksums import ALGORITHMS, Checksum
from .crc_combine import CRCS, combine, crc
from .errors import BadDigest, InvalidPart, InvalidRequest

__all__ = [
    "ObjectChecksum",
    "completed_checksum",
    "part_checksum",
    "upload_checksum",
]

FULL_OBJECT = "FULL_OBJECT"
COMPOSITE = "COMPOSITE"
_NAMES = {
    "CRC32": "crc32",
    "CRC32C": "crc32c",
    "CRC64NVME": "crc64nvme",
    "SHA1": "sha1",
    "SHA256": "sha256",
}


@dataclass(frozen=True)
class ObjectChecksum:
    """An object's checksum: algorithm (crc32, ...), base64 value, FULL_OBJECT/COMPOSITE."""

    algorithm: str
    value: str
    type: str

    def headers(self) -> dict[str, str]:
        return {f"x-amz-checksum-{self.algorithm}": self.value, "x-amz-checksum-type": self.type}

    @classmethod
    def of(cls, checksum: Checksum) -> ObjectChecksum:
        """A single PutObject's checksum."""
        return cls(checksum.algorithm, checksum.base64, FULL_OBJECT)


def upload_checksum(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """CreateMultipartUpload's (algorithm, type), or None when it names none; InvalidRequest
    for an unknown algorithm or type, or FULL_OBJECT with a SHA."""
    raw = headers.get("x-amz-checksum-algorithm")
    kind = (headers.get("x-amz-checksum-type") or "").strip().upper() or None
    if raw is None:
        if kind is not None:
            raise InvalidRequest("x-amz-checksum-type needs x-amz-checksum-algorithm.")
        return None
    algorithm = _NAMES.get(raw.strip().upper())
    if algorithm is None:
        raise InvalidRequest("Checksum algorithm provided is unsupported.")
    if kind is None:
        kind = FULL_OBJECT if algorithm == "crc64nvme" else COMPOSITE
    if kind not in (FULL_OBJECT, COMPOSITE) or (kind == FULL_OBJECT and algorithm not in CRCS):
        raise InvalidRequest(f"The {kind} checksum type is not supported for {raw.strip()}.")
    if kind == COMPOSITE and algorithm == "crc64nvme":
        raise InvalidRequest("The COMPOSITE checksum type is not supported for CRC64NVME.")
    return algorithm, kind


def part_checksum(recorded: str | None) -> Checksum | None:
    """A part's recorded checksum (``algorithm:base64``)."""
    if not recorded:
        return None
    algorithm, _, value = recorded.partition(":")
    try:
        digest = base64.b64decode(value, validate=True)
    except (ValueError, binascii.Error):
        return None
    if algorithm not in ALGORITHMS or len(digest) != ALGORITHMS[algorithm][1]:
        return None
    return Checksum(algorithm, digest)


def _digest(algorithm: str, data: bytes) -> bytes:
    if algorithm in CRCS:
        return crc(algorithm, data).to_bytes(CRCS[algorithm].width // 8, "big")
    return hashlib.new(algorithm, data).digest()


def completed_checksum(
    upload: tuple[str, str] | None,
    parts: Sequence[tuple[int, Checksum | None, str | None]],
    claimed: Checksum | None,
) -> ObjectChecksum | None:
    """The object's checksum for a completion. `upload`: the (algorithm, type) the upload was
    created with; `parts`: per listed part (size, its recorded checksum, the checksum the
    completion lists for it, base64); `claimed`: the completion's x-amz-checksum-* header."""
    if upload is None:
        if claimed is not None:
            raise InvalidRequest(
                "The upload was created without a checksum algorithm; its object's checksum "
                "cannot be verified."
            )
        return None
    algorithm, kind = upload
    digests: list[tuple[int, bytes]] = []
    for number, (size, recorded, listed) in enumerate(parts, start=1):
        if recorded is None or recorded.algorithm != algorithm:
            raise InvalidRequest(
                f"The upload was created with a {algorithm.upper()} checksum; a part was sent "
                "without one."
            )
        if listed is not None and listed != recorded.base64:
            raise InvalidPart(f"The checksum listed for part {number} is not the part's.")
        digests.append((size, recorded.expected))
    if kind == FULL_OBJECT:
        width = CRCS[algorithm].width // 8
        total = combine(algorithm, ((int.from_bytes(d, "big"), n) for n, d in digests))
        value = base64.b64encode(total.to_bytes(width, "big")).decode("ascii")
    else:
        raw = _digest(algorithm, b"".join(d for _, d in digests))
        value = f"{base64.b64encode(raw).decode('ascii')}-{len(digests)}"
    if claimed is not None and (
        claimed.algorithm != algorithm or claimed.base64 != value.split("-", 1)[0]
    ):
        raise BadDigest("The object's checksum does not match its parts' checksums.")
    return ObjectChecksum(algorithm, value, kind)

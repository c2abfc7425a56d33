"""A sans-I/O decoder of ``Content-Encoding: aws-chunked`` framing (unsigned, with trailer).

boto3 >= 1.36 sends an upload over HTTPS as ``x-amz-content-sha256:
STREAMING-UNSIGNED-PAYLOAD-TRAILER`` with the body framed as::

    <hex size>\\r\\n<size bytes>\\r\\n ... 0\\r\\n<trailer name>:<value>\\r\\n\\r\\n

The decoder reads only the framing. Payload bytes never enter Python: it tells the
handler how many of the next stream bytes to pass straight through (`Pass`), or asks for a
few framing bytes (`Read`) and says how many of them it consumed. The handler's loop over
the JS chunks, with ``offset`` into the current chunk::

    step = decoder.next_step()
    Pass(n)  -> k = min(n, left in chunk); write chunk.subarray(offset, offset + k) to R2
                (and the DigestStream); decoder.passed(k); offset += k
    Read(m)  -> view = chunk.subarray(offset, offset + min(m, left)); offset +=
                decoder.feed(bytes(view))
    Done     -> the body must end here: more bytes are an error (decoder.feed refuses them)

and at the end of the stream ``decoder.finish()`` returns the `Done` (or raises
IncompleteBody). Framing is checked strictly: size lines are 1-16 hex digits with no
chunk extensions (signed chunks are not supported), each chunk's data is followed by
CRLF, the chunk sizes add up to exactly ``x-amz-decoded-content-length`` (a size that
would exceed it is refused before any of its bytes pass), and the trailers are exactly
the names announced in ``x-amz-trailer``. Memory is bounded: at most `MAX_LINE` bytes of
a size line and `MAX_TRAILER_BYTES` of trailers are buffered.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from .checksums import ALGORITHMS, Checksum, parse_checksum
from .errors import (
    IncompleteBody,
    InvalidArgument,
    MalformedAwsChunked,
    MissingContentLength,
)

__all__ = [
    "MAX_LINE",
    "MAX_TRAILER_BYTES",
    "AwsChunkedDecoder",
    "ChunkedUpload",
    "Done",
    "Pass",
    "Read",
    "parse_chunked_upload",
]

MAX_LINE = 64
MAX_TRAILER_LINE = 1024
MAX_TRAILER_BYTES = 4096
MAX_DECODED_LENGTH = 5 * 1024**4  # S3's largest object
_HEX = re.compile(rb"[0-9a-fA-F]{1,16}")
_DECIMAL = re.compile(r"[0-9]{1,16}")
_TRAILER_NAME = re.compile(r"x-amz-checksum-(crc32|crc32c|crc64nvme|sha1|sha256)")
_TRAILER_LINE = re.compile(rb"([!#$%&'*+.^_`|~0-9A-Za-z-]+):[ \t]*([\x21-\x7e]+)[ \t]*")


@dataclass(frozen=True)
class ChunkedUpload:
    """What the request headers say about an aws-chunked body."""

    decoded_length: int
    trailer: str | None  # the one announced trailer, e.g. "x-amz-checksum-crc32"
    content_encoding: str | None  # Content-Encoding to store: the codings after aws-chunked

    @property
    def checksum_algorithm(self) -> str | None:
        return None if self.trailer is None else self.trailer.removeprefix("x-amz-checksum-")


def parse_chunked_upload(headers: Mapping[str, str]) -> ChunkedUpload:
    """Read Content-Encoding, x-amz-decoded-content-length and x-amz-trailer.

    InvalidArgument: no aws-chunked coding, or an unsupported trailer;
    MissingContentLength (411): no decoded length.
    """
    codings = [c.strip().lower() for c in headers.get("content-encoding", "").split(",")]
    if "aws-chunked" not in codings:
        raise InvalidArgument(
            "STREAMING-UNSIGNED-PAYLOAD-TRAILER requires Content-Encoding: aws-chunked.",
            ArgumentName="Content-Encoding",
        )
    rest = [c for c in codings if c and c != "aws-chunked"]
    raw_length = headers.get("x-amz-decoded-content-length")
    if raw_length is None:
        raise MissingContentLength("You must provide the x-amz-decoded-content-length header.")
    raw_length = raw_length.strip()
    if not _DECIMAL.fullmatch(raw_length) or int(raw_length) > MAX_DECODED_LENGTH:
        raise InvalidArgument(
            "x-amz-decoded-content-length must be a decimal number.",
            ArgumentName="x-amz-decoded-content-length",
        )
    raw_trailer = headers.get("x-amz-trailer")
    trailer = None
    if raw_trailer is not None and raw_trailer.strip():
        trailer = raw_trailer.strip().lower()
        if not _TRAILER_NAME.fullmatch(trailer):
            raise InvalidArgument(
                "x-amz-trailer must name one x-amz-checksum-<algorithm> "
                f"({', '.join(sorted(ALGORITHMS))}).",
                ArgumentName="x-amz-trailer",
            )
    return ChunkedUpload(int(raw_length), trailer, ", ".join(rest) or None)


@dataclass(frozen=True)
class Pass:
    """Pass the next `count` bytes of the stream through as payload."""

    count: int


@dataclass(frozen=True)
class Read:
    """Feed at most `limit` framing bytes to `AwsChunkedDecoder.feed`."""

    limit: int


@dataclass(frozen=True)
class Done:
    """The body is complete; `checksum` is the trailer's claim to verify, if any."""

    decoded_length: int
    checksum: Checksum | None = None
    trailers: dict[str, str] = field(default_factory=dict)


class _State(Enum):
    SIZE = 1
    DATA = 2
    DATA_END = 3
    TRAILER = 4
    DONE = 5


class AwsChunkedDecoder:
    """The framing state machine for one aws-chunked body (see the module docstring)."""

    def __init__(self, upload: ChunkedUpload) -> None:
        self._upload = upload
        self._state = _State.SIZE
        self._buffer = bytearray()
        self._pending = 0  # payload bytes left in the current chunk
        self._decoded = 0  # payload bytes announced so far
        self._trailers: dict[str, str] = {}
        self._trailer_bytes = 0
        self._done: Done | None = None

    @property
    def decoded(self) -> int:
        """Payload bytes announced by the chunk sizes so far."""
        return self._decoded

    def next_step(self) -> Pass | Read | Done:
        if self._state is _State.DATA:
            return Pass(self._pending)
        if self._state is _State.SIZE:
            return Read(MAX_LINE - len(self._buffer))
        if self._state is _State.DATA_END:
            return Read(2 - len(self._buffer))
        if self._state is _State.TRAILER:
            return Read(MAX_TRAILER_LINE - len(self._buffer))
        assert self._done is not None
        return self._done

    def passed(self, count: int) -> None:
        """The handler passed `count` payload bytes through."""
        if self._state is not _State.DATA or not 0 < count <= self._pending:
            raise ValueError("passed() does not match the decoder's Pass step")
        self._pending -= count
        if self._pending == 0:
            self._state = _State.DATA_END

    def feed(self, data: bytes) -> int:
        """Consume framing bytes from the start of `data`; returns how many were used."""
        used = 0
        while used < len(data):
            if self._state is _State.DATA:
                return used
            if self._state is _State.DONE:
                raise MalformedAwsChunked("The aws-chunked body continues after its trailer.")
            used += self._consume(memoryview(data)[used:])
        return used

    def finish(self) -> Done:
        """The stream ended: the `Done`, or IncompleteBody if the framing is unfinished."""
        if self._done is None:
            raise IncompleteBody(
                "The aws-chunked body ended early.",
                ExpectedBytes=str(self._upload.decoded_length),
            )
        return self._done

    # --- states ---------------------------------------------------------------------------

    def _line(self, data: memoryview, limit: int) -> tuple[bytes | None, int]:
        """Gather one CRLF-terminated line of at most `limit` bytes (CRLF included):
        (the line without CRLF, or None while incomplete; bytes consumed)."""
        chunk = bytes(data[: limit - len(self._buffer)])
        newline = chunk.find(b"\n")
        if newline == -1:
            if len(self._buffer) + len(chunk) >= limit:
                raise MalformedAwsChunked("An aws-chunked framing line is too long.")
            self._buffer += chunk
            return None, len(chunk)
        self._buffer += chunk[: newline + 1]
        line = bytes(self._buffer)
        self._buffer.clear()
        if not line.endswith(b"\r\n"):
            raise MalformedAwsChunked("An aws-chunked framing line does not end with CRLF.")
        return line[:-2], newline + 1

    def _consume(self, data: memoryview) -> int:
        if self._state is _State.SIZE:
            line, consumed = self._line(data, MAX_LINE)
            if line is not None:
                self._size(line)
            return consumed
        if self._state is _State.DATA_END:
            take = bytes(data[: 2 - len(self._buffer)])
            self._buffer += take
            if len(self._buffer) == 2:
                if self._buffer != b"\r\n":
                    raise MalformedAwsChunked("A chunk's data is not followed by CRLF.")
                self._buffer.clear()
                self._state = _State.SIZE
            return len(take)
        line, consumed = self._line(data, MAX_TRAILER_LINE)
        self._trailer_bytes += consumed
        if self._trailer_bytes > MAX_TRAILER_BYTES:
            raise MalformedAwsChunked("The aws-chunked trailers are too long.")
        if line is not None:
            self._trailer(line)
        return consumed

    def _size(self, line: bytes) -> None:
        if not _HEX.fullmatch(line):
            raise MalformedAwsChunked("A chunk size is not a hexadecimal number.")
        size = int(line, 16)
        remaining = self._upload.decoded_length - self._decoded
        if size > remaining:
            raise MalformedAwsChunked(
                "The chunks carry more bytes than x-amz-decoded-content-length."
            )
        if size == 0:
            if remaining:
                raise IncompleteBody(
                    "The chunks carry fewer bytes than x-amz-decoded-content-length.",
                    ExpectedBytes=str(self._upload.decoded_length),
                    ReceivedBytes=str(self._decoded),
                )
            self._state = _State.TRAILER
            return
        self._decoded += size
        self._pending = size
        self._state = _State.DATA

    def _trailer(self, line: bytes) -> None:
        if line == b"":
            self._finish_trailers()
            return
        match = _TRAILER_LINE.fullmatch(line)
        if match is None:
            raise MalformedAwsChunked("A trailer line is not 'name:value'.")
        name = match.group(1).decode("ascii").lower()
        if name != self._upload.trailer or name in self._trailers:
            raise MalformedAwsChunked(f"The trailer {name} was not announced in x-amz-trailer.")
        self._trailers[name] = match.group(2).decode("ascii")

    def _finish_trailers(self) -> None:
        checksum = None
        if self._upload.trailer is not None:
            value = self._trailers.get(self._upload.trailer)
            if value is None:
                raise IncompleteBody(f"The trailer {self._upload.trailer} is missing.")
            algorithm = self._upload.checksum_algorithm
            assert algorithm is not None
            checksum = parse_checksum(algorithm, value)
        self._done = Done(self._decoded, checksum, dict(self._trailers))
        self._state = _State.DONE

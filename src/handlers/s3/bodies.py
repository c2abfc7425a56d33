"""Request bodies that must be checked before they are stored: a checksum R2 cannot verify
(CRC32, CRC32C, CRC64NVME, anything on a part), or an aws-chunked body (decoded as it
streams, its trailing checksum verified). The bytes go from JS to R2 and to workerd's
DigestStreams; Python reads only the aws-chunked framing. R2 receives a known-length stream
(the decoded length) whose final byte is held back until every check passed, so a body that
fails one is never stored."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from r2gate.errors import ApiError
from r2gate.s3.aws_chunked import AwsChunkedDecoder, ChunkedUpload, Done, Pass
from r2gate.s3.checksums import Checksum
from r2gate.s3.errors import IncompleteBody, MalformedAwsChunked, S3Error

from ..streams import ChunkReader, Digests, HeldBackWriter, index_of_byte, view_bytes

Start = Callable[[Any], Awaitable[Any]]  # given the stream R2 reads, run the put/uploadPart
LF = 0x0A


async def decode_aws_chunked(
    reader: ChunkReader, upload: ChunkedUpload, emit: Callable[[Any], Awaitable[None]]
) -> Done:
    """Pass the payload of an aws-chunked body to `emit` as views; returns the `Done` with
    the trailer's checksum claim (MalformedAwsChunked, IncompleteBody)."""
    decoder = AwsChunkedDecoder(upload)
    while (chunk := await reader.read()) is not None:
        offset, size = 0, int(chunk.byteLength)
        while offset < size:
            step = decoder.next_step()
            if isinstance(step, Pass):
                count = min(step.count, size - offset)
                await emit(chunk.subarray(offset, offset + count))
                decoder.passed(count)
                offset += count
            elif isinstance(step, Done):
                raise MalformedAwsChunked("The aws-chunked body continues after its trailer.")
            else:  # framing: a size line, CRLF, a trailer line; never more than one line
                end = min(offset + step.limit, size)
                newline = index_of_byte(chunk, LF, offset, end)
                end = end if newline < 0 else newline + 1
                offset += decoder.feed(view_bytes(chunk, offset, end))
    return decoder.finish()


async def _copy(reader: ChunkReader, emit: Callable[[Any], Awaitable[None]]) -> None:
    while (chunk := await reader.read()) is not None:
        await emit(chunk)


async def store_checked(
    body: Any,
    length: int,
    start: Start,
    *,
    checksums: Sequence[Checksum] = (),
    chunked: ChunkedUpload | None = None,
) -> tuple[Any, Checksum | None]:
    """Stream `body` (its decoded `length` bytes) into `start(stream)` and return its result
    and the checksum an aws-chunked trailer claimed (verified), committing the last byte only
    once the body was complete and every checksum (the given ones, and the trailer's)
    matched: BadDigest, IncompleteBody, MalformedAwsChunked otherwise, with nothing
    stored."""
    algorithms = [c.digest_stream_algorithm for c in checksums]
    trailer = None
    if chunked is not None and chunked.trailer is not None:
        trailer = Checksum(chunked.checksum_algorithm or "", b"").digest_stream_algorithm
        algorithms.append(trailer)
    digests = Digests(algorithms)
    writer = HeldBackWriter(length) if length else None
    task = asyncio.ensure_future(start(writer.readable)) if writer is not None else None

    async def emit(view: Any) -> None:
        await digests.write(view)
        if writer is not None:
            await writer.write(view)
        elif int(view.byteLength):
            raise IncompleteBody("The body is longer than announced.")

    claimed: Checksum | None = None
    try:
        reader = ChunkReader(body) if body is not None else None
        claims = list(checksums)
        if chunked is not None:
            if reader is None:
                raise IncompleteBody("The aws-chunked body is missing.")
            done = await decode_aws_chunked(reader, chunked, emit)
            if done.checksum is not None:
                claims.append(done.checksum)
                claimed = done.checksum
        elif reader is not None:
            await _copy(reader, emit)
        if writer is not None and writer.written != length:
            raise IncompleteBody(ExpectedBytes=str(length), ReceivedBytes=str(writer.written))
        for claim, digest in zip(claims, await digests.finish(), strict=True):
            claim.verify(digest)
        if writer is None:
            return await start(b""), claimed
        await writer.commit()
    except BaseException as error:
        if writer is not None:
            await writer.abort("r2gate: the body was refused")
        failure = await settle(task) if task is not None else None
        if failure is not None and not isinstance(error, ApiError | S3Error):
            raise failure from None  # R2 failed first: its error, not the write's
        raise
    assert task is not None
    return await task, claimed


async def settle(task: asyncio.Future[Any]) -> BaseException | None:
    """Wait for an aborted put to end: its own error, if any."""
    try:
        await task
    except BaseException as failure:  # noqa: BLE001 - handed back to the caller
        return failure
    return None

"""Streams: reading a small request body, and stitching a known-length response body from
bytes and JS streams without any byte entering Python."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import js
from pyodide.ffi import JsException, to_js

from r2gate.errors import ApiError


async def read_small_body(stream: Any, limit: int) -> bytes:
    """A whole request body (a JS ReadableStream or None), for small API bodies only: 413
    body_too_large past `limit` bytes (reading stops there), 400 body_unreadable when the
    client breaks off."""
    if stream is None:
        return b""
    reader = stream.getReader()
    chunks: list[bytes] = []
    total = 0
    try:
        while True:
            step = await reader.read()
            if step.done:
                return b"".join(chunks)
            chunk = step.value.to_bytes()
            total += len(chunk)
            if total > limit:
                await reader.cancel()
                raise ApiError(413, "body_too_large", f"The body exceeds {limit} bytes.")
            chunks.append(chunk)
    except JsException:
        raise ApiError(400, "body_unreadable", "The request body could not be read.") from None


async def read_declared_body(request: Any) -> bytes:
    """The whole body of a request whose Content-Length was checked against its limit (the
    HTTP framing ends the body there): one read, so one await of a JS promise. 400
    body_unreadable when the client sends less and breaks off."""
    try:
        buffer = await request.arrayBuffer()
    except JsException:
        raise ApiError(400, "body_unreadable", "The request body could not be read.") from None
    data: bytes = buffer.to_bytes()
    return data


def concatenated_stream(
    parts: Sequence[bytes | tuple[int, int]],
    total_length: int,
    slice_of: Callable[[int, int], Awaitable[Any]],
    ctx: Any,
) -> Any:
    """A known-length JS stream of `parts`: bytes as given, (offset, length) pairs as the JS
    streams `slice_of` returns, piped in order in the background (no bytes enter Python).
    A failure aborts the stream, so the client sees a truncated body, never wrong bytes."""
    stream = js.FixedLengthStream.new(total_length)
    writable = stream.writable
    keep_open = to_js({"preventClose": True}, dict_converter=js.Object.fromEntries)

    async def pump() -> None:
        try:
            for part in parts:
                if isinstance(part, bytes):
                    writer = writable.getWriter()
                    await writer.write(to_js(part))
                    writer.releaseLock()
                else:
                    offset, length = part
                    await (await slice_of(offset, length)).pipeTo(writable, keep_open)
            await writable.close()
        except Exception as error:
            print(f"r2gate: stream of {len(parts)} parts aborted: {error}")
            await writable.abort(str(error))

    ctx.waitUntil(pump())
    return stream.readable

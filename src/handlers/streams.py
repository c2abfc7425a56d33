"""Streams: reading a small request body, stitching a known-length response body from bytes
and JS streams, and reading a large request body in pieces whose bytes stay in JS (handed to
R2, to digests and to a native search) while Python only decides."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
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


Part = Any  # bytes, or a JS ReadableStream (an R2 body)


def concatenated(
    first: Sequence[Part],
    later: AsyncIterator[Sequence[Part]] | None,
    total_length: int,
    ctx: Any,
) -> Any:
    """A known-length JS stream of the parts of `first`, then of each batch `later` yields
    (asked for only once the batch before it is sent). JS alone pipes a batch into a
    FixedLengthStream: a chain of promises made of JS functions (each part's pipeTo, bound),
    so no Python runs between its parts and no byte enters Python. A failure aborts the stream
    (pipeTo aborts its destination): the client sees a truncated body, never wrong bytes,
    and it is logged."""
    stream = js.FixedLengthStream.new(total_length)
    writable = stream.writable
    if later is None:
        log = js.console.error.bind(js.console, "r2gate: a multipart body was aborted:")
        ctx.waitUntil(_piped(first, writable, close=True).then(None, log))
    else:
        ctx.waitUntil(_pump(first, later, writable))
    return stream.readable


async def in_js_memory(parts: Sequence[bytes | Any]) -> list[Any]:
    """`parts` as JS values for a Blob: bytes copied into Uint8Arrays, and each R2 object's
    body read into an ArrayBuffer, all at once (one await): into JS memory, never Python's."""
    objects = [part for part in parts if not isinstance(part, bytes)]
    buffers = iter(await js.Promise.all(to_js([obj.arrayBuffer() for obj in objects])))
    return [to_js(part) if isinstance(part, bytes) else next(buffers) for part in parts]


def blob(pieces: Sequence[Any]) -> Any:
    """A JS Blob of JS byte values (a Response body of known length)."""
    return js.Blob.new(to_js(list(pieces)))


def _piped(parts: Sequence[Part], writable: Any, *, close: bool) -> Any:
    """The JS promise of `parts` piped into `writable` in order (closed after them with
    `close`)."""
    keep_open = to_js({"preventClose": True}, dict_converter=js.Object.fromEntries)
    chain = js.Promise.resolve()
    for part in parts:
        source = js.Response.new(to_js(part)).body if isinstance(part, bytes) else part
        chain = chain.then(source.pipeTo.bind(source, writable, keep_open))
    return chain.then(writable.close.bind(writable)) if close else chain


async def _pump(first: Sequence[Part], later: AsyncIterator[Sequence[Part]], writable: Any) -> None:
    """Send `first`, then each later batch, then close; abort the stream on a failure."""
    try:
        await _piped(first, writable, close=False)
        async for batch in later:
            await _piped(batch, writable, close=False)
        await writable.close()
    except Exception as error:  # a changed object, a broken R2 body, a client gone
        print(f"r2gate: a multipart body was aborted: {error}")
        with contextlib.suppress(JsException):
            await writable.abort(str(error))


# --- request bodies read in large pieces, verified before they are committed -----------------

READ_SIZE = 1024 * 1024  # bytes per BYOB read: one JS<->Python crossing per MiB


class ChunkReader:
    """A request body (a JS byte stream) read in pieces of `size` bytes (fewer only at the
    end) with workerd's ``readAtLeast``, each into a fresh buffer, so a view handed on stays
    valid. Python sees only the views (JS objects), never their bytes."""

    def __init__(self, stream: Any, size: int = READ_SIZE) -> None:
        byob = to_js({"mode": "byob"}, dict_converter=js.Object.fromEntries)
        self._reader = stream.getReader(byob)
        self._size = size
        self.received = 0

    async def read(self, size: int | None = None) -> Any | None:
        """The next piece (a Uint8Array), or None at the end; 400 body_unreadable when the
        client breaks off."""
        want = size or self._size
        while True:
            try:
                step = await self._reader.readAtLeast(want, js.Uint8Array.new(want))
            except JsException:
                raise ApiError(
                    400, "body_unreadable", "The request body could not be read."
                ) from None
            value = step.value
            if value is not None and value.byteLength:
                self.received += int(value.byteLength)
                return value
            if step.done:
                return None

    async def cancel(self) -> None:
        with contextlib.suppress(JsException):
            await self._reader.cancel()


class HeldBackWriter:
    """A known-length JS stream for R2 (``FixedLengthStream(length)``) whose final byte is
    held back until `commit`: R2 cannot store an object it has not received whole, so a body
    found wrong at its very end (a checksum, a closing boundary) is never stored."""

    def __init__(self, length: int) -> None:
        self.length = length
        self._stream = js.FixedLengthStream.new(length)
        self._writer = self._stream.writable.getWriter()
        self._written = 0
        self._held: Any = None

    @property
    def readable(self) -> Any:
        return self._stream.readable

    @property
    def written(self) -> int:
        """Bytes given to `write` so far (the held byte included)."""
        return self._written

    async def write(self, view: Any) -> None:
        count = int(view.byteLength)
        if count == 0:
            return
        if self._written + count > self.length:
            raise ApiError(400, "body_length_mismatch", "The body is longer than announced.")
        self._written += count
        if self._written == self.length:
            self._held = view.subarray(count - 1, count)
            view = view.subarray(0, count - 1)
            if int(view.byteLength) == 0:
                return
        await self._writer.write(view)

    async def commit(self) -> None:
        """Send the held byte and close: R2 may store the object now."""
        if self._written != self.length:
            raise ApiError(400, "body_length_mismatch", "The body is shorter than announced.")
        if self._held is not None:
            await self._writer.write(self._held)
        await self._writer.close()

    async def abort(self, reason: str) -> None:
        with contextlib.suppress(JsException):
            await self._writer.abort(reason)


class Digests:
    """workerd's ``crypto.DigestStream`` for each algorithm ("crc32", "SHA-256", ...), fed the
    same views as the R2 writer."""

    def __init__(self, algorithms: Sequence[str]) -> None:
        self._streams = [js.crypto.DigestStream.new(name) for name in algorithms]
        self._writers = [stream.getWriter() for stream in self._streams]

    def __bool__(self) -> bool:
        return bool(self._streams)

    async def write(self, view: Any) -> None:
        for writer in self._writers:
            await writer.write(view)

    async def finish(self) -> list[bytes]:
        """The digests (bytes), in the order of the algorithms."""
        results = []
        for writer, stream in zip(self._writers, self._streams, strict=True):
            await writer.close()
            results.append(js.Uint8Array.new(await stream.digest).to_bytes())
        return results


async def digest_of(data: bytes, algorithm: str) -> bytes:
    """The DigestStream digest of a small body already read (an XML request body)."""
    digests = Digests([algorithm])
    await digests.write(to_js(data))
    return (await digests.finish())[0]


def view_bytes(view: Any, start: int, end: int) -> bytes:
    """A few bytes of a view in Python (framing, a closing boundary): never payload."""
    return bytes(view.subarray(start, end).to_bytes())


def index_of_byte(view: Any, value: int, start: int, end: int) -> int:
    """The position of the first byte `value` in view[start:end], searched in JS, or -1."""
    found = int(view.subarray(start, end).indexOf(value))
    return -1 if found < 0 else start + found


class NeedleScan:
    """Finds a byte string (at least 7 bytes) in the views of a stream, natively: wherever the
    needle starts, one of its 4-byte words lies at a 4-aligned offset, so four
    ``Uint32Array.indexOf`` scans per view find every candidate (the needle's last aligned
    word for each of the four alignments: inside a multipart boundary, words that ordinary
    data does not contain). A candidate is confirmed by comparing the needle's bytes; a
    needle across two views is found in a small seam of their ends. No payload byte is copied
    into Python except a needle-long window around a candidate.
    """

    MAX_CANDIDATES = 10_000

    def __init__(self, needle: bytes) -> None:
        if len(needle) < 7:
            raise ValueError("NeedleScan needs a needle of at least 7 bytes")
        self.needle = needle
        # For a needle starting at p with p % 4 == r: the last offset o with (p + o) % 4 == 0
        # and o + 4 <= len(needle), and the word there (little-endian, as TypedArrays are).
        self._words: list[tuple[int, int]] = []
        for residue in range(4):
            offset = (4 - residue) % 4
            while offset + 8 <= len(needle):
                offset += 4
            word = int.from_bytes(needle[offset : offset + 4], "little")
            self._words.append((offset, word))
        self._tail: Any = None
        self._candidates = 0

    def found_in(self, view: Any) -> bool:
        """True when the needle occurs in `view`, or across the previous view and this one."""
        size = int(view.byteLength)
        if size == 0:
            return False
        keep = len(self.needle) - 1
        if self._tail is not None:
            head = view.subarray(0, min(keep, size))
            seam = js.Uint8Array.new(int(self._tail.byteLength) + int(head.byteLength))
            seam.set(self._tail)
            seam.set(head, int(self._tail.byteLength))
            if self._scan(seam):
                return True
        if self._scan(view):
            return True
        start = max(0, size - keep)
        self._tail = js.Uint8Array.new(view.subarray(start, size))  # a copy, in JS
        return False

    def _scan(self, view: Any) -> bool:
        size, base = int(view.byteLength), int(view.byteOffset)
        if size < len(self.needle):
            return False
        first = (base + 3) // 4 * 4
        count = (base + size - first) // 4
        if count <= 0:
            return False
        words = js.Uint32Array.new(view.buffer, first, count)
        for offset, word in self._words:
            index = int(words.indexOf(word))
            while index >= 0:
                self._candidates += 1
                if self._candidates > self.MAX_CANDIDATES:
                    return True  # only a body built to look like its own framing gets here
                start = first + 4 * index - offset - base
                inside = 0 <= start <= size - len(self.needle)
                if inside and view_bytes(view, start, start + len(self.needle)) == self.needle:
                    return True
                index = int(words.indexOf(word, index + 1))
        return False

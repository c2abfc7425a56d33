"""Presigned POST: a browser's multipart/form-data upload to the bucket URL.

The fields before the file are parsed in Python (at most 64 KiB, fed in 2 KiB slices, so
at most one slice of the file's bytes ever reaches Python, and only to be dropped); the
policy is checked; then the file's bytes stream from the request into R2 with their exact
length (Content-Length minus the fields and the closing delimiter). On the way, each piece is
searched natively for the delimiter that would start another part (a field after the file,
which would otherwise end up inside the object), and the last bytes must be the closing
delimiter. R2 gets the file's final byte only after both held, so nothing is stored from a
body that disagrees."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote, urlsplit

from r2gate.auth import S3Principal
from r2gate.cache_policy import decide
from r2gate.mediatype import MediaTypeError, multipart_boundary, parse_media_type
from r2gate.s3.acl import check_canned_acl
from r2gate.s3.errors import IncompleteBody, MalformedPOSTRequest, MissingContentLength
from r2gate.s3.form_prefix import FormPrefix, FormPrefixParser
from r2gate.s3.post_policy import check_post
from r2gate.s3.request import S3Request
from r2gate.write_policy import decide_write

from .. import storage
from ..call import Call
from ..http import BASE_HEADERS, Reply
from ..streams import ChunkReader, HeldBackWriter, NeedleScan, view_bytes
from .bodies import settle
from .context import REQUEST_ID

PREFIX_READ = 64 * 1024
PREFIX_SLICE = 2048


def _boundary(request: S3Request) -> str:
    try:
        return multipart_boundary(parse_media_type(request.headers.get("content-type", "")))
    except MediaTypeError:
        raise MalformedPOSTRequest(
            "The Content-Type must be multipart/form-data with a boundary."
        ) from None


def _content_length(request: S3Request) -> int:
    raw = (request.headers.get("content-length") or "").strip()
    if not raw:
        raise MissingContentLength()
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 16):
        raise MalformedPOSTRequest("Content-Length must be a decimal number.")
    return int(raw)


async def _read_prefix(reader: ChunkReader, parser: FormPrefixParser) -> tuple[FormPrefix, Any]:
    """Feed the fields to the parser: the prefix, and the view of the body's bytes that
    follow it in the piece read last."""
    while (chunk := await reader.read(PREFIX_READ)) is not None:
        offset, size = 0, int(chunk.byteLength)
        while offset < size:
            take = min(PREFIX_SLICE, size - offset, parser.room)
            prefix = parser.feed(view_bytes(chunk, offset, offset + take))
            if prefix is not None:
                return prefix, chunk.subarray(offset + prefix.data_offset_in_feed)
            offset += take
    raise MalformedPOSTRequest("The form ended before its file part.")


async def post_object(call: Call, request: S3Request, bucket_name: str, request_id: str) -> Any:
    """PostObject: check the form and its policy, store the file, answer as the form asks."""
    boundary = _boundary(request)
    content_length = _content_length(request)
    body = call.incoming.body
    if body is None:
        raise MalformedPOSTRequest("The POST has no body.")
    reader = ChunkReader(body)
    prefix, rest = await _read_prefix(reader, FormPrefixParser(boundary))
    length = prefix.file_length(content_length)
    settings = call.settings
    form = check_post(
        prefix, length, bucket=bucket_name, keyring=settings.s3.keyring, now=call.now()
    )
    if len(prefix.delimiter) < 7:
        raise MalformedPOSTRequest(
            "A multipart boundary of fewer than 3 characters is not supported."
        )
    check_canned_acl(form.acl, form.key, decide(form.key, None, settings.cache).private)
    plan = decide_write(S3Principal(form.signed), form.proposal, max_single=settings.max_put_bytes)
    prepared = await storage.prepare_put(call, plan)
    writer = HeldBackWriter(length) if length else None
    task = asyncio.ensure_future(prepared.put(writer.readable)) if writer is not None else None
    try:
        await _stream_file(reader, rest, prefix, length, writer)
        stored = await prepared.put(b"") if writer is None else None
        if writer is not None:
            await writer.commit()
    except BaseException:
        if writer is not None:
            await writer.abort("r2gate: the form was refused")
        if task is not None:
            await settle(task)
        raise
    if task is not None:
        stored = await task
    assert stored is not None  # prepared.put raises when R2 refused the put
    origin = urlsplit(call.incoming.url)
    location = f"{origin.scheme}://{origin.netloc}/{quote(plan.key, safe='/')}"
    reply = form.reply(bucket=bucket_name, etag=str(stored.httpEtag), location=location)
    headers = {**BASE_HEADERS, **reply.headers, REQUEST_ID: request_id}
    return Reply(reply.status, headers, reply.body or None)


async def _stream_file(
    reader: ChunkReader, first: Any, prefix: FormPrefix, length: int, writer: HeldBackWriter | None
) -> None:
    """The file's `length` bytes into `writer`, then exactly the closing delimiter."""
    scan = NeedleScan(prefix.delimiter)
    closing = len(prefix.closing)
    tail = bytearray()
    remaining = length

    async def take(view: Any) -> None:
        nonlocal remaining
        size = int(view.byteLength)
        count = min(size, remaining)
        if count:
            part = view.subarray(0, count)
            if scan.found_in(part):
                raise MalformedPOSTRequest(
                    "The file must be the last field of the form: another part follows it."
                )
            assert writer is not None
            await writer.write(part)
            remaining -= count
        if count < size:
            if len(tail) + size - count > closing:
                raise MalformedPOSTRequest("The body continues after its closing boundary.")
            tail.extend(view_bytes(view, count, size))

    await take(first)
    while (chunk := await reader.read()) is not None:
        await take(chunk)
    if remaining or len(tail) != closing:
        raise IncompleteBody("The form ended before its Content-Length.")
    prefix.check_closing(bytes(tail))

"""Multipart uploads on the object path, S3-style: one handler per route of the table
(handlers/routes.py): POST ?uploads, PUT ?uploadId=&partNumber=, GET, POST and DELETE
?uploadId=.

The decisions live in r2gate.multipart (rules) and r2gate.upload_records (r2gate's records in
R2, ownership); this module does the I/O. Part bodies stream from the request into R2's
uploadPart and are never read into Python. See docs/multipart.md.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from r2gate.api_requests import MAX_BODY_BYTES
from r2gate.auth import Operation, identify
from r2gate.conditional import write_conditions
from r2gate.content_types import guess_content_type
from r2gate.errors import ApiError
from r2gate.multipart import (
    MAX_COMPLETE_BODY_BYTES,
    MultipartQuery,
    bounds_for,
    check_part,
    choose_part_size,
    created_json,
    parse_complete_request,
    parse_create_request,
    parse_multipart_query,
    plan_completion,
    plan_creation,
    status_json,
)
from r2gate.objects import object_json
from r2gate.puts import already_exists, precondition_failed
from r2gate.upload_records import (
    Manifest,
    check_access,
    manifest_key,
    part_record_key,
    part_record_metadata,
    part_records,
    parts_prefix,
    valid_upload_id,
)
from r2gate.uploads import UploadBounds, parse_content_length

from . import edge_cache
from .call import Call
from .http import json_response, read_json_body, stream_response
from .r2 import Bucket, current, list_result, object_info

NO_STORE = {"Cache-Control": "no-store"}
MAX_LIST_PAGES = 100  # 10,000 part records fit in 10 full pages
DELETE_BATCH = 1000  # R2's bucket.delete takes at most 1000 keys


@dataclass(frozen=True)
class _Access:
    """A multipart request that passed its checks: the caller's bounds, owner and key."""

    upload: UploadBounds | None
    owner: str
    key: str
    query: MultipartQuery


def _access(call: Call, action: str) -> _Access:
    """Query (400), caller (401), key (400), scope (403)."""
    incoming = call.incoming
    query = parse_multipart_query(incoming.params, action)
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    key = call.key()
    principal.require(Operation.MULTIPART, key)
    return _Access(principal.upload, principal.owner, key, query)


async def _upload(call: Call, access: _Access) -> Manifest:
    """The caller's upload of this key named by ``uploadId`` (404 upload_not_found)."""
    assert access.query.upload_id is not None
    found = await load_manifest(call.bucket, access.query.upload_id)
    return check_access(found, access.key, access.owner, call.now())


async def create(call: Call) -> Any:
    """POST /<key>?uploads: 201 {upload_id, key, part_size, max_parts, expires_at}."""
    access = _access(call, "create")
    return await _create(call, access.upload, access.key, access.owner)


async def upload_part(call: Call) -> Any:
    """PUT /<key>?uploadId=&partNumber=: 200 {part_number, etag, size}."""
    access = _access(call, "upload_part")
    manifest = await _upload(call, access)
    assert access.query.part_number is not None
    return await _upload_part(call, access.upload, manifest, access.query.part_number)


async def status(call: Call) -> Any:
    """GET /<key>?uploadId=: 200 with the parts received so far."""
    manifest = await _upload(call, _access(call, "status"))
    objects = await list_part_objects(call.bucket, manifest.upload_id)
    body = status_json(manifest, part_records(manifest.upload_id, objects))
    return json_response(body, 200, NO_STORE)


async def complete(call: Call) -> Any:
    """POST /<key>?uploadId=: 201 with the stored object."""
    access = _access(call, "complete")
    return await _complete(call, access.upload, await _upload(call, access))


async def abort(call: Call) -> Any:
    """DELETE /<key>?uploadId=: 204, the parts and records are gone."""
    manifest = await _upload(call, _access(call, "abort"))
    bucket = call.bucket
    await abort_r2_upload(bucket, manifest)
    parts = await list_part_objects(bucket, manifest.upload_id)
    await forget_upload(bucket, manifest.upload_id, parts)
    return stream_response(None, 204, NO_STORE)


# --- actions -------------------------------------------------------------------------------


async def _create(call: Call, upload: UploadBounds | None, key: str, owner: str) -> Any:
    incoming, bucket, settings, now = call.incoming, call.bucket, call.settings, call.now()
    request = parse_create_request(
        await read_json_body(incoming, MAX_BODY_BYTES, optional=True), token=upload is not None
    )
    part_size = choose_part_size(
        request.part_size, settings.multipart_part_size, settings.max_put_bytes
    )
    stored, options = plan_creation(upload, request, key)
    if upload is not None and not upload.overwrite and await bucket.exists(key):
        raise already_exists()
    r2_upload = await bucket.create_multipart_upload(key, options)
    manifest = Manifest.new(
        upload_id=secrets.token_hex(16),
        key=key,
        r2_upload_id=str(r2_upload.uploadId),
        owner=owner,
        part_size=part_size,
        content_type=stored.content_type,
        now=now,
        max_age=settings.upload_max_age,
        bounds=upload,
    )
    metadata = {"customMetadata": manifest.to_metadata()}
    try:
        await bucket.put(manifest_key(manifest.upload_id), b"", metadata)
    except ApiError:
        await _abort_quietly(bucket, manifest)
        raise
    return json_response({**created_json(manifest), **stored.json_members()}, 201, NO_STORE)


async def _upload_part(
    call: Call, upload: UploadBounds | None, manifest: Manifest, part_number: int
) -> Any:
    incoming, bucket = call.incoming, call.bucket
    length = parse_content_length(incoming.headers)
    check_part(manifest, part_number, length, bounds_for(manifest, upload))
    r2_upload = bucket.upload(manifest.key, manifest.r2_upload_id)
    part = await r2_upload.upload_part(part_number, incoming.body)
    etag = str(part.etag)
    record = {"customMetadata": part_record_metadata(length, etag)}
    await bucket.put(part_record_key(manifest.upload_id, part_number), b"", record)
    body = {"part_number": part_number, "etag": etag, "size": length}
    return json_response(body, 200, NO_STORE)


async def _complete(call: Call, upload: UploadBounds | None, manifest: Manifest) -> Any:
    incoming, bucket = call.incoming, call.bucket
    requested = parse_complete_request(await read_json_body(incoming, MAX_COMPLETE_BODY_BYTES))
    objects = await list_part_objects(bucket, manifest.upload_id)
    parts = plan_completion(
        manifest,
        part_records(manifest.upload_id, objects),
        requested,
        bounds_for(manifest, upload),
    )
    await _check_preconditions(call, manifest)
    stored = await bucket.upload(manifest.key, manifest.r2_upload_id).complete(parts)
    try:
        await forget_upload(bucket, manifest.upload_id, objects)
    except ApiError as error:  # the object is complete; the cleanup cron removes the rest
        print(f"r2gate: records of upload {manifest.upload_id} not removed: {error.code}")
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, manifest.key))
    info = object_info(stored)
    body = object_json(info, info.content_type or guess_content_type(manifest.key))
    return json_response(body, 201, NO_STORE)


async def _check_preconditions(call: Call, manifest: Manifest) -> None:
    """Right before completing: the request's If-Match / If-None-Match (``*``: create only) /
    If-Unmodified-Since (412 precondition_failed) and a create-only grant (412
    already_exists), against the object now at the key. R2's complete() takes no condition:
    a write landing between this check and the completion is replaced (see the README)."""
    conditions = write_conditions(call.incoming.headers)
    if not conditions.present and manifest.overwrite:
        return
    found = current(await call.bucket.head(manifest.key))
    if conditions.present and not conditions.holds(found):
        raise precondition_failed()
    if not manifest.overwrite and found is not None:
        raise already_exists()


# --- R2 records (shared with the cleanup cron) ---------------------------------------------


async def load_manifest(bucket: Bucket, upload_id: str) -> Manifest | None:
    """The manifest of an upload id, or None (unknown, malformed or unreadable)."""
    if not valid_upload_id(upload_id):
        return None
    head = await bucket.head(manifest_key(upload_id))
    if head is None:
        return None
    try:
        return Manifest.from_metadata(upload_id, object_info(head).custom_metadata)
    except ValueError:
        print(f"r2gate: upload manifest {upload_id} is malformed")
        return None


async def list_objects(bucket: Bucket, prefix: str) -> list[tuple[str, Any, Mapping[str, str]]]:
    """(key, uploaded, custom metadata) of every object under `prefix`, page by page."""
    found: list[tuple[str, Any, Mapping[str, str]]] = []
    cursor: str | None = None
    for _ in range(MAX_LIST_PAGES):
        options: dict[str, Any] = {"prefix": prefix, "include": ["customMetadata"]}
        if cursor is not None:
            options["cursor"] = cursor
        objects, _, cursor, truncated = list_result(await bucket.list(options))
        found.extend((obj.key, obj.uploaded, obj.custom_metadata) for obj in objects)
        if not truncated or cursor is None:
            break
    return found


async def list_part_objects(bucket: Bucket, upload_id: str) -> list[tuple[str, Mapping[str, str]]]:
    """(key, custom metadata) of the part records of an upload."""
    return [(key, meta) for key, _, meta in await list_objects(bucket, parts_prefix(upload_id))]


async def forget_upload(
    bucket: Bucket, upload_id: str, part_objects: list[tuple[str, Mapping[str, str]]]
) -> None:
    """Delete an upload's part records, then its manifest (last, so that a failure leaves the
    manifest for the cleanup cron to find)."""
    keys = [key for key, _ in part_objects]
    for start in range(0, len(keys), DELETE_BATCH):
        await bucket.delete(keys[start : start + DELETE_BATCH])
    await bucket.delete(manifest_key(upload_id))


async def abort_r2_upload(bucket: Bucket, manifest: Manifest) -> None:
    """Abort R2's upload; one R2 no longer knows (completed, aborted, expired) is fine."""
    try:
        await bucket.upload(manifest.key, manifest.r2_upload_id).abort()
    except ApiError as failure:
        if failure.code != "upload_not_found":
            raise


async def _abort_quietly(bucket: Bucket, manifest: Manifest) -> None:
    try:
        await abort_r2_upload(bucket, manifest)
    except ApiError as error:
        print(f"r2gate: abort of an unrecorded upload failed: {error.code}")

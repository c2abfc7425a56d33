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
from r2gate.auth import Operation, Principal, identify
from r2gate.content_types import guess_content_type
from r2gate.errors import ApiError
from r2gate.multipart import (
    MAX_COMPLETE_BODY_BYTES,
    MultipartQuery,
    choose_part_size,
    created_json,
    parse_complete_request,
    parse_create_request,
    parse_multipart_query,
    status_json,
)
from r2gate.objects import object_json
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
from r2gate.uploads import UploadBounds
from r2gate.write_policy import (
    CompletionPlan,
    UploadPlan,
    check_part,
    decide_completion,
    decide_upload,
)

from . import storage
from .call import Call
from .http import json_response, read_json_body, stream_response
from .r2 import Bucket, current, list_result, object_info

NO_STORE = {"Cache-Control": "no-store"}
MAX_LIST_PAGES = 100  # 10,000 part records fit in 10 full pages
DELETE_BATCH = 1000  # R2's bucket.delete takes at most 1000 keys


@dataclass(frozen=True)
class _Access:
    """A multipart request that passed its checks: the caller's bounds, owner and key."""

    principal: Principal
    key: str
    query: MultipartQuery

    @property
    def upload(self) -> UploadBounds | None:
        return self.principal.upload

    @property
    def owner(self) -> str:
        return self.principal.owner


def _access(call: Call, action: str) -> _Access:
    """Query (400), caller (401), key (400), scope (403)."""
    incoming = call.incoming
    query = parse_multipart_query(incoming.params, action)
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    key = call.key()
    principal.require(Operation.MULTIPART, key)
    return _Access(principal, key, query)


async def _upload(call: Call, access: _Access) -> Manifest:
    """The caller's upload of this key named by ``uploadId`` (404 upload_not_found)."""
    assert access.query.upload_id is not None
    found = await load_manifest(call.bucket, access.query.upload_id)
    return check_access(found, access.key, access.owner, call.now())


async def create(call: Call) -> Any:
    """POST /<key>?uploads: 201 {upload_id, key, part_size, max_parts, expires_at}."""
    access = _access(call, "create")
    body = await read_json_body(call.incoming, MAX_BODY_BYTES, optional=True)
    request = parse_create_request(body, access.key)
    plan = decide_upload(access.principal, request.proposal)
    return await _create(call, plan, request.part_size, access.owner)


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


async def _create(call: Call, plan: UploadPlan, requested: int | None, owner: str) -> Any:
    settings = call.settings
    part_size = choose_part_size(requested, settings.multipart_part_size, settings.max_put_bytes)
    manifest = await start_upload(call, plan, owner, part_size)
    return json_response({**created_json(manifest), **plan.stored.json_members()}, 201, NO_STORE)


async def _upload_part(
    call: Call, upload: UploadBounds | None, manifest: Manifest, part_number: int
) -> Any:
    incoming, bucket = call.incoming, call.bucket
    length = check_part(manifest, upload, part_number, incoming.headers.get("content-length"))
    r2_upload = bucket.upload(manifest.key, manifest.r2_upload_id)
    part = await r2_upload.upload_part(part_number, incoming.body)
    etag = str(part.etag)
    await record_part(bucket, manifest, part_number, length, etag)
    body = {"part_number": part_number, "etag": etag, "size": length}
    return json_response(body, 200, NO_STORE)


async def _complete(call: Call, upload: UploadBounds | None, manifest: Manifest) -> Any:
    incoming, bucket = call.incoming, call.bucket
    requested = parse_complete_request(await read_json_body(incoming, MAX_COMPLETE_BODY_BYTES))
    objects = await list_part_objects(bucket, manifest.upload_id)
    records = part_records(manifest.upload_id, objects)
    plan = decide_completion(manifest, upload, records, requested, incoming.headers)
    stored = await finish_upload(call, manifest, plan, objects)
    info = object_info(stored)
    body = object_json(info, info.content_type or guess_content_type(manifest.key))
    return json_response(body, 201, NO_STORE)


# --- uploads and their R2 records (shared with the S3 surface and the cleanup cron) ----------


async def start_upload(
    call: Call, plan: UploadPlan, owner: str, part_size: int, *, client_sized: bool = False
) -> Manifest:
    """Create R2's multipart upload the plan allows (a create-only one once its key is checked)
    and r2gate's record of it, which keeps the plan's limits for every part and the
    completion."""
    bucket, settings = call.bucket, call.settings
    if plan.create_only:
        plan.check_creatable(current(await bucket.head(plan.key)))
    r2_upload = await bucket.create_multipart_upload(plan.key, plan.options)
    manifest = Manifest.new(
        upload_id=secrets.token_hex(16),
        key=plan.key,
        r2_upload_id=str(r2_upload.uploadId),
        owner=owner,
        part_size=part_size,
        content_type=plan.content_type,
        now=call.now(),
        max_age=settings.upload_max_age,
        bounds=plan.bounds,
        client_sized=client_sized,
    )
    try:
        await bucket.put(
            manifest_key(manifest.upload_id), b"", {"customMetadata": manifest.to_metadata()}
        )
    except ApiError:
        await _abort_quietly(bucket, manifest)
        raise
    return manifest


async def record_part(
    bucket: Bucket, manifest: Manifest, part_number: int, size: int, etag: str
) -> None:
    """Record a part R2 accepted (R2's binding cannot list an upload's parts)."""
    record = {"customMetadata": part_record_metadata(size, etag)}
    await bucket.put(part_record_key(manifest.upload_id, part_number), b"", record)


async def finish_upload(
    call: Call,
    manifest: Manifest,
    plan: CompletionPlan,
    part_objects: list[tuple[str, Mapping[str, str]]],
) -> Any:
    """Complete the upload as the plan decided (the storage layer) and forget its records:
    R2's object."""
    stored = await storage.complete_upload(call, manifest, plan)
    try:
        await forget_upload(call.bucket, manifest.upload_id, part_objects)
    except ApiError as error:  # the object is complete; the cleanup cron removes the rest
        print(f"r2gate: records of upload {manifest.upload_id} not removed: {error.code}")
    return stored


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

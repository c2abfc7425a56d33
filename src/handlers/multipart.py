"""Multipart uploads on the object path, S3-style: one handler per route of the table
(handlers/routes.py): POST ?uploads, PUT ?uploadId=&partNumber=, GET, POST and DELETE
?uploadId=; and the upload lifecycle the S3 surface shares (`start_upload`, `record_part`,
`finish_upload`, `abort_upload`).

The decisions live in r2gate.write_policy (what an upload, a part and a completion may be),
r2gate.multipart (the requests and answers) and r2gate.upload_records (r2gate's records,
ownership); this module does the I/O, with the records in D1 (handlers/upload_store.py). Part
bodies stream from the request into R2's uploadPart and are never read into Python. See
docs/multipart.md.
"""

from __future__ import annotations

import secrets
import time
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
from r2gate.upload_records import Manifest, PartRecord, check_access
from r2gate.uploads import UploadBounds
from r2gate.write_policy import (
    CompletionPlan,
    UploadPlan,
    check_part,
    decide_completion,
    decide_upload,
)

from . import storage, upload_store
from .call import Call
from .d1 import Database
from .http import json_response, read_json_body, stream_response
from .r2 import Bucket, current, object_info

NO_STORE = {"Cache-Control": "no-store"}


@dataclass(frozen=True)
class _Access:
    """A multipart request that passed its checks: the caller, the key and the query."""

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
    """The caller's open upload of this key named by ``uploadId`` (404 upload_not_found)."""
    assert access.query.upload_id is not None
    found = await upload_store.load(call.db, access.query.upload_id)
    return check_access(found, access.key, access.owner, call.now())


async def create(call: Call) -> Any:
    """POST /<key>?uploads: 201 {upload_id, key, part_size, max_parts, expires_at}."""
    access = _access(call, "create")
    body = await read_json_body(call.incoming, MAX_BODY_BYTES, optional=True)
    request = parse_create_request(body, access.key)
    plan = decide_upload(access.principal, request.proposal)
    settings = call.settings
    part_size = choose_part_size(
        request.part_size, settings.multipart_part_size, settings.max_put_bytes
    )
    manifest = await start_upload(call, plan, access.owner, part_size)
    return json_response({**created_json(manifest), **plan.stored.json_members()}, 201, NO_STORE)


async def upload_part(call: Call) -> Any:
    """PUT /<key>?uploadId=&partNumber=: 200 {part_number, etag, size}."""
    access = _access(call, "upload_part")
    manifest = await _upload(call, access)
    number = access.query.part_number
    assert number is not None
    incoming = call.incoming
    length = check_part(manifest, access.upload, number, incoming.headers.get("content-length"))
    r2_upload = call.bucket.upload(manifest.key, manifest.r2_upload_id)
    part = await r2_upload.upload_part(number, incoming.body)
    record = PartRecord(number, length, str(part.etag), uploaded=_milliseconds())
    await record_part(call, manifest, record)
    return json_response(record.to_json(), 200, NO_STORE)


async def status(call: Call) -> Any:
    """GET /<key>?uploadId=: 200 with the parts received so far."""
    manifest = await _upload(call, _access(call, "status"))
    records = await upload_store.parts(call.db, manifest.upload_id)
    return json_response(status_json(manifest, records), 200, NO_STORE)


async def complete(call: Call) -> Any:
    """POST /<key>?uploadId=: 201 with the stored object. Every received part must be listed
    (docs/multipart.md)."""
    access = _access(call, "complete")
    manifest = await _upload(call, access)
    incoming = call.incoming
    requested = parse_complete_request(await read_json_body(incoming, MAX_COMPLETE_BODY_BYTES))
    records = await upload_store.parts(call.db, manifest.upload_id)
    plan = decide_completion(manifest, access.upload, records, requested, incoming.headers)
    stored = await finish_upload(call, manifest, plan)
    info = object_info(stored)
    body = object_json(info, info.content_type or guess_content_type(manifest.key))
    return json_response(body, 201, NO_STORE)


async def abort(call: Call) -> Any:
    """DELETE /<key>?uploadId=: 204, the parts and records are gone."""
    manifest = await _upload(call, _access(call, "abort"))
    await abort_upload(call.bucket, call.db, manifest)
    return stream_response(None, 204, NO_STORE)


def _milliseconds() -> int:
    return int(time.time() * 1000)


# --- the upload lifecycle (shared with the S3 surface and the cleanup cron) -------------------


async def start_upload(
    call: Call,
    plan: UploadPlan,
    owner: str,
    part_size: int,
    *,
    client_sized: bool = False,
    checksum_algorithm: str | None = None,
    checksum_type: str | None = None,
) -> Manifest:
    """Create R2's multipart upload the plan allows (a create-only one once its key is checked)
    and r2gate's record of it, which keeps the plan's limits for every part and the
    completion."""
    bucket, settings = call.bucket, call.settings
    await storage.check_quota(call, plan.key, None)  # its size is not known yet
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
        checksum_algorithm=checksum_algorithm,
        checksum_type=checksum_type,
    )
    try:
        await upload_store.save(call.db, manifest)
    except ApiError:
        await _abort_quietly(bucket, manifest)
        raise
    return manifest


async def record_part(call: Call, manifest: Manifest, part: PartRecord) -> None:
    """Record a part R2 accepted (R2's binding cannot list an upload's parts)."""
    await upload_store.record_part(call.db, manifest.upload_id, part)


async def finish_upload(call: Call, manifest: Manifest, plan: CompletionPlan) -> Any:
    """Complete the upload as the plan decided (the storage layer) and mark its record with
    the object it became: R2's object."""
    stored = await storage.complete_upload(call, manifest, plan)
    try:
        numbers = [int(part["partNumber"]) for part in plan.parts]
        await upload_store.mark_completed(
            call.db, manifest.upload_id, str(stored.etag), int(stored.size), numbers
        )
    except ApiError as error:  # the object is complete; the cron removes the record
        print(f"r2gate: upload {manifest.upload_id} not marked completed: {error.code}")
    return stored


async def abort_upload(bucket: Bucket, db: Database, manifest: Manifest) -> None:
    """Abort R2's upload (unless it completed) and remove r2gate's records of it."""
    if not manifest.completed:
        await abort_r2_upload(bucket, manifest)
    await upload_store.forget(db, manifest.upload_id)


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

"""Multipart uploads on the object path, S3-style: ?uploads, ?uploadId=&partNumber=.

The decisions live in r2gate.multipart (rules) and r2gate.upload_records (r2gate's records in
R2, ownership); this module does the I/O. Part bodies stream from the request into R2's
uploadPart and are never read into Python. See docs/multipart.md.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl

from pyodide.ffi import JsException

from r2gate.api_requests import MAX_BODY_BYTES
from r2gate.content_types import guess_content_type
from r2gate.errors import ApiError
from r2gate.keys import key_from_path
from r2gate.multipart import (
    MAX_COMPLETE_BODY_BYTES,
    bounds_for,
    check_part,
    choose_part_size,
    created_json,
    key_upload_options,
    parse_complete_request,
    parse_create_request,
    parse_multipart_query,
    plan_completion,
    status_json,
    token_content_type,
    token_upload_options,
)
from r2gate.objects import object_json
from r2gate.settings import Settings
from r2gate.storage_errors import classify_storage_error
from r2gate.token_uploads import already_exists
from r2gate.upload_records import (
    Manifest,
    PartRecord,
    check_access,
    manifest_key,
    owner_for_api_key,
    owner_for_token,
    part_record_key,
    part_record_metadata,
    part_records,
    parts_prefix,
    valid_upload_id,
)
from r2gate.uploads import parse_content_length

from . import auth, edge_cache
from .web import (
    Incoming,
    js_error_message,
    json_response,
    list_result,
    object_info,
    read_json_body,
    stream_response,
)

NO_STORE = {"Cache-Control": "no-store"}
MAX_LIST_PAGES = 100  # 10,000 part records fit in 10 full pages
DELETE_BATCH = 1000  # R2's bucket.delete takes at most 1000 keys


def is_multipart_request(incoming: Incoming) -> bool:
    """True when the query names a multipart operation (`uploads` or `uploadId`)."""
    names = {name for name, _ in parse_qsl(incoming.query, keep_blank_values=True)}
    return bool(names & {"uploads", "uploadId"})


async def route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """Query (400/405), caller (401), key (400), scope (403), upload (404), then the action."""
    query = parse_multipart_query(incoming.query, incoming.method)
    caller = auth.identify(incoming, settings)
    key = key_from_path(incoming.path)
    if caller.token is not None:
        caller.token.check_operation("mpu", key)
        owner = owner_for_token(caller.token)
    else:
        assert caller.api_key is not None
        caller.api_key.require("write", key)
        owner = owner_for_api_key(caller.api_key.name)
    now = int(time.time())
    if query.action == "create":
        return await _create(incoming, env, settings, caller, key, owner, now)
    assert query.upload_id is not None
    manifest = check_access(await _manifest(env, query.upload_id), key, owner, now)
    if query.action == "upload_part":
        assert query.part_number is not None
        return await _upload_part(incoming, env, caller, manifest, query.part_number)
    if query.action == "status":
        objects = await list_part_objects(env, manifest.upload_id)
        body = status_json(manifest, part_records(manifest.upload_id, objects))
        return json_response(body, 200, NO_STORE)
    if query.action == "complete":
        return await _complete(incoming, env, ctx, caller, manifest)
    await abort_r2_upload(env, manifest)
    await forget_upload(env, manifest.upload_id, await list_part_objects(env, manifest.upload_id))
    return stream_response(None, 204, NO_STORE)


# --- actions -------------------------------------------------------------------------------


async def _create(
    incoming: Incoming,
    env: Any,
    settings: Settings,
    caller: auth.Caller,
    key: str,
    owner: str,
    now: int,
) -> Any:
    claims = caller.token
    request = parse_create_request(
        await read_json_body(incoming, MAX_BODY_BYTES, optional=True), token=claims is not None
    )
    part_size = choose_part_size(
        request.part_size, settings.multipart_part_size, settings.max_put_bytes
    )
    if claims is not None:
        content_type = token_content_type(claims, request.content_type, key)
        options = token_upload_options(claims, content_type)
        if not claims.overwrite and await _exists(env, key):
            raise already_exists()
    else:
        content_type = request.content_type or guess_content_type(key)
        options = key_upload_options(request, content_type)
    try:
        upload = await env.BUCKET.createMultipartUpload(key, options)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    manifest = Manifest.new(
        upload_id=secrets.token_hex(16),
        key=key,
        r2_upload_id=str(upload.uploadId),
        owner=owner,
        part_size=part_size,
        content_type=content_type,
        now=now,
        max_age=settings.upload_max_age,
        claims=claims,
    )
    try:
        await env.BUCKET.put(
            manifest_key(manifest.upload_id), b"", {"customMetadata": manifest.to_metadata()}
        )
    except JsException as error:
        await _abort_quietly(env, manifest)
        raise classify_storage_error(js_error_message(error)) from None
    return json_response(created_json(manifest), 201, NO_STORE)


async def _upload_part(
    incoming: Incoming, env: Any, caller: auth.Caller, manifest: Manifest, part_number: int
) -> Any:
    length = parse_content_length(incoming.headers)
    bounds = bounds_for(manifest, caller.token)
    records: dict[int, PartRecord] | None = None
    if bounds.bounded:  # only token uploads need the sizes of the other parts
        records = part_records(manifest.upload_id, await list_part_objects(env, manifest.upload_id))
    check_part(manifest, part_number, length, bounds, records)
    upload = env.BUCKET.resumeMultipartUpload(manifest.key, manifest.r2_upload_id)
    try:
        part = await upload.uploadPart(part_number, incoming.body)
    except JsException as error:
        message = js_error_message(error)
        raise classify_storage_error(message, reading_request_body=True) from None
    etag = str(part.etag)
    try:
        await env.BUCKET.put(
            part_record_key(manifest.upload_id, part_number),
            b"",
            {"customMetadata": part_record_metadata(length, etag)},
        )
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    body = {"part_number": part_number, "etag": etag, "size": length}
    return json_response(body, 200, NO_STORE)


async def _complete(
    incoming: Incoming, env: Any, ctx: Any, caller: auth.Caller, manifest: Manifest
) -> Any:
    requested = parse_complete_request(await read_json_body(incoming, MAX_COMPLETE_BODY_BYTES))
    objects = await list_part_objects(env, manifest.upload_id)
    parts = plan_completion(
        manifest,
        part_records(manifest.upload_id, objects),
        requested,
        bounds_for(manifest, caller.token),
    )
    if not manifest.overwrite and await _exists(env, manifest.key):
        raise already_exists()
    upload = env.BUCKET.resumeMultipartUpload(manifest.key, manifest.r2_upload_id)
    try:
        stored = await upload.complete(parts)
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    try:
        await forget_upload(env, manifest.upload_id, objects)
    except ApiError as error:  # the object is complete; the cleanup cron removes the rest
        print(f"r2gate: records of upload {manifest.upload_id} not removed: {error.code}")
    edge_cache.evict(ctx, edge_cache.cache_url(incoming.url, manifest.key))
    info = object_info(stored)
    body = object_json(info, info.content_type or guess_content_type(manifest.key))
    return json_response(body, 201, NO_STORE)


# --- R2 records (shared with the cleanup cron) ---------------------------------------------


async def _manifest(env: Any, upload_id: str) -> Manifest | None:
    """The manifest of an upload id, or None (unknown, malformed or unreadable)."""
    if not valid_upload_id(upload_id):
        return None
    try:
        head = await env.BUCKET.head(manifest_key(upload_id))
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None
    if head is None:
        return None
    try:
        return Manifest.from_metadata(upload_id, object_info(head).custom_metadata)
    except ValueError:
        print(f"r2gate: upload manifest {upload_id} is malformed")
        return None


async def list_objects(env: Any, prefix: str) -> list[tuple[str, Any, Mapping[str, str]]]:
    """(key, uploaded, custom metadata) of every object under `prefix`, page by page."""
    found: list[tuple[str, Any, Mapping[str, str]]] = []
    cursor: str | None = None
    for _ in range(MAX_LIST_PAGES):
        options: dict[str, Any] = {"prefix": prefix, "include": ["customMetadata"]}
        if cursor is not None:
            options["cursor"] = cursor
        try:
            result = await env.BUCKET.list(options)
        except JsException as error:
            raise classify_storage_error(js_error_message(error)) from None
        objects, _, cursor, truncated = list_result(result)
        found.extend((obj.key, obj.uploaded, obj.custom_metadata) for obj in objects)
        if not truncated or cursor is None:
            break
    return found


async def list_part_objects(env: Any, upload_id: str) -> list[tuple[str, Mapping[str, str]]]:
    """(key, custom metadata) of the part records of an upload."""
    return [(key, meta) for key, _, meta in await list_objects(env, parts_prefix(upload_id))]


async def forget_upload(
    env: Any, upload_id: str, part_objects: list[tuple[str, Mapping[str, str]]]
) -> None:
    """Delete an upload's part records, then its manifest (last, so that a failure leaves the
    manifest for the cleanup cron to find)."""
    keys = [key for key, _ in part_objects]
    try:
        for start in range(0, len(keys), DELETE_BATCH):
            await env.BUCKET.delete(keys[start : start + DELETE_BATCH])
        await env.BUCKET.delete(manifest_key(upload_id))
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None


async def abort_r2_upload(env: Any, manifest: Manifest) -> None:
    """Abort R2's upload; one R2 no longer knows (completed, aborted, expired) is fine."""
    upload = env.BUCKET.resumeMultipartUpload(manifest.key, manifest.r2_upload_id)
    try:
        await upload.abort()
    except JsException as error:
        failure = classify_storage_error(js_error_message(error))
        if failure.code != "upload_not_found":
            raise failure from None


async def _abort_quietly(env: Any, manifest: Manifest) -> None:
    try:
        await abort_r2_upload(env, manifest)
    except ApiError as error:
        print(f"r2gate: abort of an unrecorded upload failed: {error.code}")


async def _exists(env: Any, key: str) -> bool:
    try:
        return await env.BUCKET.head(key) is not None
    except JsException as error:
        raise classify_storage_error(js_error_message(error)) from None

"""tus 1.0.0 at /api/v1/tus (creation) and /api/v1/tus/<upload id> (HEAD, PATCH, DELETE, and
POST with ``X-HTTP-Method-Override``). docs/tus.md.

Creation needs r2gate's own credentials (an API key with ``write``, or an upload token such
as a grant's ``multipart.token``); the write policy (r2gate.write_policy) decides what the
upload may store, and its decisions travel with the upload. The upload's URL is the Durable
Object's id (``newUniqueId``: unguessable), so it is the capability for that one upload until
it expires; an id the namespace did not make is 404 before any object is reached.

Every request of an upload goes to its Durable Object (handlers/tus_object.py), which holds
the state and moves the bytes; this module parses and refuses what it can before that.
"""

from __future__ import annotations

import secrets
from typing import Any

import js
from pyodide.ffi import JsException, to_js

from r2gate.auth import TokenPrincipal, identify
from r2gate.errors import ApiError
from r2gate.tus import (
    OFFSET_TYPE,
    TUS_VERSION,
    UploadState,
    declared_length,
    options_headers,
    parse_checksum,
    parse_concat,
    parse_length,
    parse_metadata,
    parse_offset,
    part_size_for,
    require_resumable,
    target_key,
    valid_upload_id,
)
from r2gate.write_policy import Proposal, check_upload_length, decide_upload

from . import storage
from .call import Call
from .http import Reply
from .r2 import current
from .tus_object import INIT_HEADER, OP_HEADER

STAGING_PREFIX = "api/tus/"  # partial uploads' bytes: under api/, never listed or served
_INTERNAL = (OP_HEADER, INIT_HEADER)


def with_tus_headers(error: ApiError) -> ApiError:
    """Every tus answer carries ``Tus-Resumable``."""
    error.headers.setdefault("Tus-Resumable", TUS_VERSION)
    return error


async def create(call: Call) -> Reply:
    """POST /api/v1/tus: 201 with ``Location`` (and, with a body, ``Upload-Offset``)."""
    try:
        return await _create(call)
    except ApiError as error:
        raise with_tus_headers(error) from None


async def _create(call: Call) -> Reply:
    incoming, settings, now = call.incoming, call.settings, call.now()
    headers = incoming.headers
    require_resumable(headers)
    principal = identify(headers, incoming.params, settings, now)
    concat = parse_concat(headers.get("upload-concat"))
    if concat is not None and concat.final:  # its length is the partial uploads' (checked)
        if headers.get("content-length", "0").strip() != "0":
            raise ApiError(400, "invalid_request", "A final upload takes no body.")
        length = parse_length(headers.get("upload-length"), "Upload-Length")
    else:
        length = declared_length(headers)
    metadata = parse_metadata(headers.get("upload-metadata"))
    token_key = principal.claims.key if isinstance(principal, TokenPrincipal) else None
    key = target_key(
        metadata,
        token_key=token_key,
        prefixes=principal.prefixes,
        now=now,
        random_hex=secrets.token_hex,
    )
    filetype = metadata.get("filetype") or None
    plan = decide_upload(
        principal, Proposal(key, content_type=filetype, type_field="'filetype' metadata")
    )
    check_upload_length(plan, length)
    await storage.check_quota(call, key, length)  # 413 quota_exceeded before any state
    part_size = part_size_for(length)
    if plan.create_only and not (concat is not None and concat.partial):
        plan.check_creatable(current(await call.bucket.head(key)))
    namespace = call.env.TUS
    object_id = namespace.newUniqueId()
    upload_id = str(object_id.toString())
    partial = concat is not None and concat.partial
    bounds = plan.bounds
    state = UploadState(
        key=STAGING_PREFIX + upload_id if partial else key,
        target=key,
        owner=principal.owner,
        part_size=part_size,
        created=now,
        expires=now + settings.upload_max_age,
        content_type=plan.content_type,
        options={} if partial else plan.options,
        length=length,
        max_bytes=bounds.max_bytes if bounds is not None else None,
        exact_length=bounds.exact_length if bounds is not None else None,
        overwrite=partial or bounds is None or bounds.overwrite,
        partial=partial,
        final=concat.uploads if concat is not None else (),
        metadata_header=headers.get("upload-metadata", "").strip(),
    )
    init = state.to_json()[:-1] + f',"id":"{upload_id}"}}'
    return await _forward(call, namespace.get(object_id), "create", init)


def _stub(call: Call) -> Any:
    """The upload's Durable Object (404 for an id the namespace did not make)."""
    upload_id = call.params["id"]
    if not valid_upload_id(upload_id):
        raise ApiError(404, "upload_not_found", "No such tus upload.")
    namespace = call.env.TUS
    try:
        object_id = namespace.idFromString(upload_id)
    except JsException:
        raise ApiError(404, "upload_not_found", "No such tus upload.") from None
    return namespace.get(object_id)


async def head(call: Call) -> Reply:
    """HEAD /api/v1/tus/<id>: ``Upload-Offset``, ``Upload-Length`` and the key."""
    try:
        require_resumable(call.incoming.headers)
        return await _forward(call, _stub(call), "head")
    except ApiError as error:
        raise with_tus_headers(error) from None


async def patch(call: Call) -> Reply:
    """PATCH /api/v1/tus/<id>: 204 with the new ``Upload-Offset``."""
    try:
        headers = call.incoming.headers
        require_resumable(headers)
        media = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if media != OFFSET_TYPE:
            raise ApiError(
                415, "unsupported_media_type", f"A tus PATCH needs 'Content-Type: {OFFSET_TYPE}'."
            )
        parse_offset(headers)
        parse_checksum(headers.get("upload-checksum"))
        return await _forward(call, _stub(call), "patch")
    except ApiError as error:
        raise with_tus_headers(error) from None


async def delete(call: Call) -> Reply:
    """DELETE /api/v1/tus/<id>: 204, the upload and its bytes are gone (termination)."""
    try:
        require_resumable(call.incoming.headers)
        return await _forward(call, _stub(call), "delete")
    except ApiError as error:
        raise with_tus_headers(error) from None


async def override(call: Call) -> Reply:
    """POST /api/v1/tus/<id> with ``X-HTTP-Method-Override: PATCH|DELETE|HEAD``."""
    method = call.incoming.headers.get("x-http-method-override", "").strip().upper()
    handler = {"PATCH": patch, "DELETE": delete, "HEAD": head}.get(method)
    if handler is None:
        raise with_tus_headers(
            ApiError(
                405,
                "method_not_allowed",
                "POST here needs 'X-HTTP-Method-Override: PATCH', 'DELETE' or 'HEAD'.",
                {"Allow": "HEAD, PATCH, DELETE, POST, OPTIONS"},
            )
        )
    reply = await handler(call)
    if method == "HEAD":
        reply.body = None
    return reply


def options() -> dict[str, str]:
    """The tus headers of an OPTIONS answer at /api/v1/tus."""
    return options_headers()


async def _forward(call: Call, stub: Any, op: str, init: str | None = None) -> Reply:
    """The request, its body streamed, to the upload's Durable Object."""
    incoming = call.incoming
    headers = js.Headers.new(incoming.js_request.headers)
    for name in _INTERNAL:
        headers.delete(name)
    headers.set(OP_HEADER, op)
    if init is not None:
        headers.set(INIT_HEADER, init)
    options: dict[str, Any] = {"method": "POST", "headers": headers}
    if op in ("create", "patch") and incoming.has_body:
        options["body"] = incoming.body
    request_init = to_js(options, dict_converter=js.Object.fromEntries)
    response = await stub.fetch(incoming.url, request_init)
    return Reply.from_js(response)

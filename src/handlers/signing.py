"""POST /api/v1/uploads and POST /api/v1/downloads: read the request, let the core issue the
tokens (r2gate.grants), answer 201."""

from __future__ import annotations

from typing import Any

from r2gate.api_requests import MAX_BODY_BYTES, parse_download_request, parse_upload_request
from r2gate.auth import identify
from r2gate.grants import issue_download, issue_upload, origin, signing_config

from . import storage
from .call import Call
from .http import json_response, read_json_body

NO_STORE = {"Cache-Control": "no-store"}


async def create_upload(call: Call) -> Any:
    """201: a signed upload URL (and an mpu token with ``"multipart": true``)."""
    incoming, settings, now = call.incoming, call.settings, call.now()
    principal = identify(incoming.headers, incoming.params, settings, now)
    signing_config(principal, settings)
    request = parse_upload_request(await read_json_body(incoming, MAX_BODY_BYTES))
    body = issue_upload(principal, request, settings, origin(incoming.url), now)
    await storage.check_quota(call, body["key"], request.max_bytes)  # 413 before any token
    return json_response(body, 201, NO_STORE)


async def create_download(call: Call) -> Any:
    """201: a GET/HEAD link for one key."""
    incoming, settings, now = call.incoming, call.settings, call.now()
    principal = identify(incoming.headers, incoming.params, settings, now)
    signing_config(principal, settings)
    request = parse_download_request(await read_json_body(incoming, MAX_BODY_BYTES))
    body = issue_download(principal, request, settings, origin(incoming.url), now)
    return json_response(body, 201, NO_STORE)

"""PUT and DELETE of /<key>: the write policy decides (r2gate.write_policy), the storage layer
carries it out (handlers/storage.py): the request body streams into R2.

Callers: an API key (``Authorization: Bearer <key>``, "write"/"delete" in scope), or a signed
token (``?token=<jws>`` or ``Authorization: Bearer <jws>``): a put token for PUT, a delete
token for DELETE, each only on its key or prefix.
"""

from __future__ import annotations

from typing import Any

from r2gate.auth import identify
from r2gate.objects import object_json
from r2gate.write_policy import decide_delete, decide_write, put_proposal

from . import storage
from .call import Call
from .http import json_response, stream_response
from .r2 import object_info


async def write_object(call: Call) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 replaced). If-Match,
    If-None-Match and If-Unmodified-Since are met by R2's condition of the put itself (412)."""
    incoming, settings = call.incoming, call.settings
    principal = identify(incoming.headers, incoming.params, settings, call.now())
    proposal = put_proposal(call.key(), incoming.headers)
    plan = decide_write(principal, proposal, max_single=settings.max_put_bytes)
    prepared = await storage.prepare_put(call, plan, reporting=True)
    stored = await prepared.put(incoming.body)
    data = object_json(object_info(stored, metadata=False), plan.content_type)
    data.update(plan.stored.json_members())
    return json_response(data, status=prepared.status)


async def delete_object(call: Call) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3). If-Match,
    If-Unmodified-Since and If-None-Match are checked against the object first: R2's delete
    takes no condition, so a write landing between the check and the delete is deleted
    (docs/api.md)."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    plan = decide_delete(principal, call.key(), incoming.headers)
    await storage.delete_object(call, plan)
    return stream_response(None, 204, {})

"""PUT and DELETE of /<key>: the request body streams into R2; the edge cache entry is evicted.

Callers: an API key (``Authorization: Bearer <key>``, "write"/"delete" in scope), or a signed
token (``?token=<jws>`` or ``Authorization: Bearer <jws>``): a put token for PUT, a delete
token for DELETE, each only on its key or prefix.
"""

from __future__ import annotations

from typing import Any

from r2gate.auth import Operation, identify
from r2gate.conditional import write_conditions
from r2gate.objects import object_json
from r2gate.puts import already_exists, plan_put, precondition_failed, reads_current, write_guard

from . import edge_cache
from .call import Call
from .http import json_response, stream_response
from .r2 import current, object_info


async def write_object(call: Call) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 replaced). If-Match,
    If-None-Match and If-Unmodified-Since are R2 conditions of the put itself (412)."""
    incoming, bucket, settings = call.incoming, call.bucket, call.settings
    principal = identify(incoming.headers, incoming.params, settings, call.now())
    key = call.key()
    principal.require(Operation.WRITE, key)
    plan = plan_put(principal.upload, key, incoming.headers, settings.max_put_bytes)
    conditions = write_conditions(incoming.headers)
    create_only = not plan.reports_replacement
    # Only a caller that may replace an object needs to know whether it did (200 vs 201);
    # an If-Match or If-None-Match: * that R2 decides alone already says so.
    reports = plan.reports_replacement and conditions.only_if is None
    read_first = reads_current(conditions, create_only) or reports
    found = current(await bucket.head(key)) if read_first else None
    only_if = write_guard(conditions, found, create_only=create_only)
    options = {name: value for name, value in plan.options.items() if name != "onlyIf"}
    if only_if is not None:
        options["onlyIf"] = only_if
    stored = await bucket.put(key, incoming.body if plan.length else b"", options)
    if stored is None:  # R2 refused: the object is not (or no longer) what was required
        raise precondition_failed() if conditions.present else already_exists()
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, key))
    data = object_json(object_info(stored, metadata=False), plan.stored.content_type)
    data.update(plan.stored.json_members())
    replaced = found is not None or (only_if or {}).get("etagMatches") is not None
    return json_response(data, status=200 if replaced else 201)


async def delete_object(call: Call) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3). If-Match
    and If-Unmodified-Since (and If-None-Match) are checked against the object first: R2's
    delete takes no condition, so a write landing between the check and the delete is deleted
    (see the README)."""
    incoming, bucket = call.incoming, call.bucket
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    key = call.key()
    principal.require(Operation.DELETE, key)
    conditions = write_conditions(incoming.headers)
    if conditions.present and not conditions.holds(current(await bucket.head(key))):
        raise precondition_failed()
    await bucket.delete(key)
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, key))
    return stream_response(None, 204, {})

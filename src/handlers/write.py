"""PUT and DELETE of /<key>: the request body streams into R2; the edge cache entry is evicted.

Callers: an API key (``Authorization: Bearer <key>``, "write"/"delete" in scope), or a signed
token (``?token=<jws>`` or ``Authorization: Bearer <jws>``): a put token for PUT, a delete
token for DELETE, each only on its key or prefix.
"""

from __future__ import annotations

from typing import Any

from r2gate.auth import Operation, identify
from r2gate.content_types import guess_content_type
from r2gate.objects import object_json
from r2gate.puts import already_exists, plan_put

from . import edge_cache
from .call import Call
from .http import json_response, stream_response
from .r2 import object_info


async def write_object(call: Call) -> Any:
    """PUT: stream the request body into R2 (201 created, 200 replaced)."""
    incoming, bucket, settings = call.incoming, call.bucket, call.settings
    principal = identify(incoming.headers, incoming.params, settings, call.now())
    key = call.key()
    principal.require(Operation.WRITE, key)
    plan = plan_put(principal.upload, key, incoming.headers, settings.max_put_bytes)
    # Only a caller that may replace an object needs to know whether it did (200 vs 201).
    existed = plan.reports_replacement and await bucket.exists(key)
    stored = await bucket.put(key, incoming.body if plan.length else b"", plan.options)
    if stored is None:  # the create-only precondition failed: the key exists
        raise already_exists()
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, key))
    info = object_info(stored)
    data = {**object_json(info, info.content_type or guess_content_type(key))}
    data.update(plan.stored.json_members())
    return json_response(data, status=200 if existed else 201)


async def delete_object(call: Call) -> Any:
    """DELETE: remove the object; 204 whether or not it existed (idempotent, as S3)."""
    incoming = call.incoming
    principal = identify(incoming.headers, incoming.params, call.settings, call.now())
    key = call.key()
    principal.require(Operation.DELETE, key)
    await call.bucket.delete(key)
    edge_cache.evict(call.ctx, edge_cache.cache_url(incoming.url, key))
    return stream_response(None, 204, {})

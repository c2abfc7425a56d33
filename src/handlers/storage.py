"""The storage layer: every change r2gate makes to an object, once the write policy
(r2gate.write_policy) has decided it, on whichever surface it arrived.

Each function carries out a plan: it reads the current object when the plan's
preconditions need it, lets the plan check it, makes the one R2 call, and then does what
follows every change: the edge cache entry of the key is evicted in this colo, and the change's
event goes to the Queue (handlers/events.py, docs/events.md). No surface writes or deletes an
object any other way: every change has its event, and a change that failed has none.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from r2gate.events import Actor
from r2gate.quotas import check_quotas, covering
from r2gate.upload_records import Manifest
from r2gate.write_policy import CompletionPlan, DeletePlan, WritePlan, already_exists

from . import edge_cache, events, object_index
from .call import Call
from .r2 import current, object_info


def changed(call: Call, key: str) -> None:
    """What follows a change of `key`: its edge cache entry goes (in the background)."""
    edge_cache.evict(call.ctx, edge_cache.cache_url(call.incoming.url, key))


async def check_quota(call: Call, key: str, declared: int | None) -> None:
    """The quotas whose prefixes hold `key` (r2gate.quotas): 413 quota_exceeded when the
    indexed bytes under them plus `declared` (None: not known yet) exceed one. One range query
    on the index per quota prefix, only when a quota covers the key."""
    quotas = covering(call.settings.quotas, key)
    if not quotas:
        return
    used = {}
    for quota in quotas:
        used[quota.name] = sum([await object_index.used_bytes(call.db, p) for p in quota.prefixes])
    check_quotas(quotas, used, declared)


@dataclass(frozen=True)
class PreparedPut:
    """A put whose preconditions were checked: `put(body)` makes it (one R2 call)."""

    call: Call
    plan: WritePlan
    options: dict[str, Any]
    status: int  # 201 created, 200 replaced (when the plan reports it)

    async def put(self, body: Any) -> Any:
        """Stream `body` (a JS stream, or bytes) into R2: R2's result, or the plan's 412 when
        R2 refused the put's condition. Nothing is stored from a body that breaks off."""
        plan = self.plan
        stored = await self.call.bucket.put(plan.key, body if plan.length else b"", self.options)
        if stored is None:
            raise plan.refusal()
        changed(self.call, plan.key)
        metadata = plan.custom_metadata
        created = events.object_created(
            plan.key, plan.length, stored, plan.content_type, metadata, plan.actor
        )
        events.emit(self.call, [created])
        return stored


async def prepare_put(
    call: Call,
    plan: WritePlan,
    *,
    reporting: bool = False,
    verify: Mapping[str, str] | None = None,
) -> PreparedPut:
    """Read the object at the key when the plan needs it (`reporting`: the answer tells 200
    from 201), check the preconditions (412), and fix R2's condition for the put. `verify`:
    hashes of the body R2 checks as it stores it (md5, sha1, sha256). A quota that the
    declared size would exceed refuses it first (413)."""
    await check_quota(call, plan.key, plan.length)
    found = None
    if plan.reads_current(reporting=reporting):
        found = current(await call.bucket.head(plan.key))
    only_if = plan.guard(found)
    options = plan.options(only_if)
    if verify:
        options.update(verify)
    return PreparedPut(call, plan, options, plan.status(found, only_if))


async def complete_upload(call: Call, manifest: Manifest, plan: CompletionPlan) -> Any:
    """Complete R2's multipart upload once the plan's preconditions hold: R2's object."""
    bucket = call.bucket
    if plan.reads_current:
        plan.check(current(await bucket.head(manifest.key)))
    stored = await bucket.upload(manifest.key, manifest.r2_upload_id).complete(plan.parts)
    changed(call, manifest.key)
    _emit_created(call, stored, manifest)
    return stored


async def complete_as_put(
    call: Call, manifest: Manifest, plan: CompletionPlan, body: Any, options: Mapping[str, Any]
) -> Any:
    """An upload that ended under one part size, stored with one put (`options`: the
    upload's httpMetadata and customMetadata) once the plan's preconditions hold; a
    create-only plan puts on R2's condition that the key is free (412 already_exists when
    R2 refuses it): R2's object."""
    bucket, key = call.bucket, manifest.key
    if plan.reads_current:
        plan.check(current(await bucket.head(key)))
    put_options = dict(options)
    if plan.create_only:
        put_options["onlyIf"] = {"etagDoesNotMatch": "*"}
    stored = await bucket.put(key, body, put_options)
    if stored is None:
        raise already_exists()
    changed(call, key)
    _emit_created(call, stored, manifest)
    return stored


def _emit_created(call: Call, stored: Any, manifest: Manifest) -> None:
    """object.created for an upload's object, written by whoever created the upload."""
    info = object_info(stored)
    content_type = info.content_type or manifest.content_type
    created = events.object_created(
        info.key, info.size, stored, content_type, info.custom_metadata, Actor(manifest.owner)
    )
    events.emit(call, [created])


async def delete_object(call: Call, plan: DeletePlan) -> None:
    """Delete the object once the plan's preconditions hold (a missing key is fine)."""
    bucket = call.bucket
    if plan.reads_current:
        plan.check(current(await bucket.head(plan.key)))
    await bucket.delete(plan.key)
    changed(call, plan.key)
    events.emit(call, events.objects_deleted([plan.key], plan.actor))


async def delete_objects(call: Call, keys: Sequence[str], actor: Actor) -> None:
    """Delete unconditional keys in one R2 call (at most 1000), by `actor`."""
    if not keys:
        return
    await call.bucket.delete(list(keys))
    edge_cache.evict_many(call.ctx, [edge_cache.cache_url(call.incoming.url, key) for key in keys])
    events.emit(call, events.objects_deleted(keys, actor))

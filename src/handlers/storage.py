"""The storage layer: every change r2gate makes to an object, once the write policy
(r2gate.write_policy) has decided it, on whichever surface it arrived.

Each function carries out a plan: it reads the current object when the plan's
preconditions need it, lets the plan check it, makes the one R2 call, and then does what
follows every change (the edge cache entry of the key is evicted in this colo). No surface
writes or deletes an object any other way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from r2gate.upload_records import Manifest
from r2gate.write_policy import CompletionPlan, DeletePlan, WritePlan, already_exists

from . import edge_cache
from .call import Call
from .r2 import current


def changed(call: Call, key: str) -> None:
    """What follows a change of `key`: its edge cache entry goes (in the background)."""
    edge_cache.evict(call.ctx, edge_cache.cache_url(call.incoming.url, key))


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
    hashes of the body R2 checks as it stores it (md5, sha1, sha256)."""
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
    return stored


async def complete_as_put(
    call: Call, key: str, plan: CompletionPlan, body: Any, options: Mapping[str, Any]
) -> Any:
    """An upload that ended under one part size, stored with one put (`options`: the
    upload's httpMetadata and customMetadata) once the plan's preconditions hold; a
    create-only plan puts on R2's condition that the key is free (412 already_exists when
    R2 refuses it): R2's object."""
    bucket = call.bucket
    if plan.reads_current:
        plan.check(current(await bucket.head(key)))
    put_options = dict(options)
    if plan.create_only:
        put_options["onlyIf"] = {"etagDoesNotMatch": "*"}
    stored = await bucket.put(key, body, put_options)
    if stored is None:
        raise already_exists()
    changed(call, key)
    return stored


async def delete_object(call: Call, plan: DeletePlan) -> None:
    """Delete the object once the plan's preconditions hold (a missing key is fine)."""
    bucket = call.bucket
    if plan.reads_current:
        plan.check(current(await bucket.head(plan.key)))
    await bucket.delete(plan.key)
    changed(call, plan.key)


async def delete_objects(call: Call, keys: Sequence[str]) -> None:
    """Delete unconditional keys in one R2 call (at most 1000)."""
    if not keys:
        return
    await call.bucket.delete(list(keys))
    edge_cache.evict_many(call.ctx, [edge_cache.cache_url(call.incoming.url, key) for key in keys])

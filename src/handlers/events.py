"""The producer side of upload events: the storage layer (handlers/storage.py) calls `created`
and `deleted` once a change succeeded, and the event goes to the Queue (``EVENTS``) as the
messages r2gate.events makes of it: one for the object index, one per webhook endpoint.

Enqueueing never fails the write that was made: a Queue failure is logged (the event id and
the key's length, never a credential) and the object index catches up with `make reindex`
(docs/events.md). Without an ``EVENTS`` binding, nothing is sent.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pyodide.ffi import JsException, to_js

from r2gate.events import Actor, created_event, deleted_event, new_event_id, queue_messages

from .call import Call
from .js_functions import from_entries

MAX_BATCH = 100  # messages per sendBatch (Queues' limit)


def _uploaded_ms(stored: Any) -> int:
    return int(stored.uploaded.getTime())


def object_created(
    stored: Any, content_type: str, metadata: Mapping[str, str], actor: Actor
) -> dict[str, Any]:
    """The event of the R2 object `stored` (a put's or completion's result)."""
    return created_event(
        event_id=new_event_id(),
        key=str(stored.key),
        size=int(stored.size),
        etag=str(stored.etag),
        content_type=content_type,
        uploaded_ms=_uploaded_ms(stored),
        metadata=metadata,
        actor=actor,
    )


def objects_deleted(keys: Iterable[str], actor: Actor) -> list[dict[str, Any]]:
    """The events of deleting `keys`, now."""
    now = int(time.time() * 1000)
    return [
        deleted_event(event_id=new_event_id(), key=key, deleted_ms=now, actor=actor) for key in keys
    ]


async def emit(call: Call, events: Sequence[Mapping[str, Any]]) -> None:
    """Send the events' messages to the Queue; a failure is logged, never raised."""
    queue = getattr(call.env, "EVENTS", None)
    if queue is None or not events:
        return
    endpoints = call.settings.webhooks
    messages = [text for event in events for text in queue_messages(event, endpoints)]
    try:
        for start in range(0, len(messages), MAX_BATCH):
            chunk = [
                {"body": text, "contentType": "text"}
                for text in messages[start : start + MAX_BATCH]
            ]
            await queue.sendBatch(to_js(chunk, dict_converter=from_entries()))
    except JsException as error:
        first = events[0].get("id", "?")
        print(
            f"r2gate: events not enqueued ({len(events)} from {first}): "
            f"{getattr(error, 'message', '')[:200]}"
        )

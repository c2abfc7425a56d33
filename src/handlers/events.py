"""The producer side of upload events: the storage layer (handlers/storage.py) calls `emit`
once a change succeeded, and the event goes to the Queue (``EVENTS``) as the messages
r2gate.events makes of it: one for the object index, one per webhook endpoint.

The send runs in the background (ctx.waitUntil): its promise never comes back to Python (a
Python future per write costs CPU, docs/performance.md), and its failure is logged by a JS
handler bound to the event's id. Enqueueing therefore never fails or delays the write that
was made; the object index catches up with `make reindex` (docs/events.md). Without an
``EVENTS`` binding, nothing is sent.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pyodide.ffi import JsException

from r2gate.events import (
    Actor,
    created_event,
    deleted_event,
    new_event_id,
    new_event_ids,
    of_objects,
    queue_messages,
)

from .call import Call
from .js_functions import console_error, json_parse, text_message

MAX_BATCH = 100  # messages per sendBatch (Queues' limit)


def object_created(
    key: str,
    size: int,
    stored: Any,
    content_type: str,
    metadata: Mapping[str, str],
    actor: Actor,
) -> dict[str, Any]:
    """The event of the R2 object `stored` (a put's or completion's result) at `key`."""
    return created_event(
        event_id=new_event_id(),
        key=key,
        size=size,
        etag=str(stored.etag),
        content_type=content_type,
        uploaded_ms=int(stored.uploaded.getTime()),
        metadata=metadata,
        actor=actor,
    )


def objects_deleted(keys: Iterable[str], actor: Actor) -> list[dict[str, Any]]:
    """The events of deleting `keys`, now."""
    now = int(time.time() * 1000)
    keys = list(keys)
    return [
        deleted_event(event_id=event_id, key=key, deleted_ms=now, actor=actor)
        for key, event_id in zip(keys, new_event_ids(len(keys)), strict=True)
    ]


_queue: tuple[Any, Any] | None = None  # (the JS env, its EVENTS binding or None)


def _events_queue(env: Any) -> Any:
    """The env's ``EVENTS`` binding (None: not bound), looked up once per JS env, as the
    bucket (handlers/call.py)."""
    global _queue  # noqa: PLW0603
    if _queue is None or _queue[0] != env:
        _queue = (env, getattr(env, "EVENTS", None))
    return _queue[1]


@functools.cache
def _not_enqueued() -> Any:
    """The failure handler of a send: console.error with r2gate's words first."""
    return console_error().bind(None, "r2gate: upload events not enqueued (make reindex):")


def emit(call: Call, events: Sequence[Mapping[str, Any]]) -> None:
    """Send the events' messages to the Queue in the background; never raises."""
    queue = _events_queue(call.env)
    events = of_objects(events)
    if queue is None or not events:
        return
    endpoints = call.settings.webhooks
    messages = [text for event in events for text in queue_messages(event, endpoints)]
    first = str(events[0].get("id", "?"))
    try:
        for start in range(0, len(messages), MAX_BATCH):
            chunk = messages[start : start + MAX_BATCH]
            if len(chunk) == 1:
                sent = queue.send(chunk[0], text_message())
            else:
                batch = [{"body": text, "contentType": "text"} for text in chunk]
                sent = queue.sendBatch(json_parse()(json.dumps(batch)))
            call.ctx.waitUntil(sent.catch(_not_enqueued()))
    except JsException as error:
        print(f"r2gate: events from {first} not enqueued: {getattr(error, 'message', '')[:200]}")

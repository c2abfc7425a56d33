"""The Queue consumer (the Worker's ``queue`` handler): upload events become webhook deliveries
and object index rows (docs/events.md).

Each message is one job (r2gate.events.queue_messages): ``index`` applies the event to the
object index in D1; ``webhook`` POSTs it to one endpoint, signed as Standard Webhooks. A 2xx
acknowledges the message; any other answer, a timeout or a network failure retries it through
the Queue (`message.retry(delaySeconds=...)`, doubling from WEBHOOK_RETRY_DELAY), and after
wrangler.toml's ``max_retries`` the Queue moves it to the dead-letter queue, whose consumer
(this handler again) logs it and keeps it in D1 (``dead_deliveries``). Endpoints that answered
are never sent the event again: each endpoint has its own message.

Nothing here logs a secret or a signature; a log line names the event id, the endpoint's host
and the status.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import js
from pyodide.ffi import JsException, jsnull, to_js

from r2gate.events import TO_INDEX, Message, index_change, parse_message
from r2gate.webhooks import backoff, find_endpoint, signed_headers

from . import object_index
from .call import database
from .config import js_env, settings_from_env
from .d1 import Database
from .js_functions import from_entries

DELIVERY_TIMEOUT_MS = 10_000
DEAD_LETTER_SUFFIX = "-dlq"  # wrangler.toml: the dead-letter queue is <queue>-dlq


def _host(url: str | None) -> str:
    return urlsplit(url).hostname or "?" if url else "index"


async def run_queue(batch: Any, env: Any) -> None:
    """The Worker's queue handler: every message of the batch is acked or retried."""
    settings = settings_from_env(env)
    raw_env = js_env(env)
    batch = getattr(batch, "_binding", batch)  # the SDK's wrapper around the JS batch
    db = database(raw_env)
    dead = str(batch.queue).endswith(DEAD_LETTER_SUFFIX)
    base = settings.webhook_retry_delay
    received: list[tuple[Any, Message]] = []
    for message in batch.messages:
        try:
            received.append((message, parse_message(str(message.body))))
        except ValueError as error:
            print(f"r2gate: dropped a queue message that is not an r2gate event ({error})")
            message.ack()
    if dead:
        for message, parsed in received:
            await _bury(db, parsed)
            message.ack()
        return
    indexed = [(m, p) for m, p in received if p.to == TO_INDEX]
    jobs = [_webhook(m, p, settings.webhooks, base) for m, p in received if p.to != TO_INDEX]
    await asyncio.gather(_index(indexed, db, base), *jobs)


def _retry(message: Any, base: int) -> None:
    delay = backoff(int(message.attempts), base)
    message.retry(to_js({"delaySeconds": delay}, dict_converter=from_entries()))


async def _index(received: list[tuple[Any, Message]], db: Database, base: int) -> None:
    """The batch's index messages in one D1 transaction: all acked, or all retried."""
    changes, kept = [], []
    for message, parsed in received:
        try:
            changes.append(index_change(parsed.event))
            kept.append(message)
        except ValueError as error:  # never indexable: dropped, the reindex repairs
            print(f"r2gate: event {parsed.event_id} not indexed: {error}")
            message.ack()
    if not changes:
        return
    try:
        await object_index.apply(db, changes)
    except Exception as error:  # a D1 failure: retried
        print(f"r2gate: {len(changes)} index changes failed: {type(error).__name__}")
        for message in kept:
            _retry(message, base)
        return
    for message in kept:
        message.ack()


async def _webhook(message: Any, parsed: Message, endpoints: Any, base: int) -> None:
    done = False
    try:
        done = await _deliver(parsed, endpoints, int(message.attempts))
    except Exception as error:  # never a reason to lose the delivery: retried
        print(
            f"r2gate: event {parsed.event_id} ({_host(parsed.url)}) failed: {type(error).__name__}"
        )
    if done:
        message.ack()
    else:
        _retry(message, base)


async def _deliver(message: Message, endpoints: Any, attempts: int) -> bool:
    """POST the event to its endpoint: True when it answered 2xx (or is no longer configured)."""
    endpoint = find_endpoint(endpoints, message.url or "")
    if endpoint is None:
        print(f"r2gate: event {message.event_id}: endpoint {_host(message.url)} removed, dropped")
        return True
    body = json.dumps(message.event, separators=(",", ":"))  # ASCII: text and bytes agree
    headers = signed_headers(endpoint, message.event_id, int(time.time()), body.encode())
    init = {
        "method": "POST",
        "headers": headers,
        "body": body,
        "signal": js.AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
        "redirect": "manual",
    }
    status = 0
    try:
        response = await js.fetch(endpoint.url, to_js(init, dict_converter=from_entries()))
        status = int(response.status)
        body = response.body  # JS null (jsnull) for a 204 or a HEAD-like answer
        if body is not None and body is not jsnull:
            await body.cancel()
    except JsException as error:
        reason = str(getattr(error, "name", "") or "network error")
        print(f"r2gate: webhook {message.event_id} to {_host(endpoint.url)} failed: {reason}")
        return False
    if 200 <= status < 300:
        return True
    print(
        f"r2gate: webhook {message.event_id} to {_host(endpoint.url)} answered {status} "
        f"(attempt {attempts})"
    )
    return False


async def _bury(db: Database, message: Message) -> None:
    """A message that exhausted its retries: logged and kept in D1 for an operator."""
    where = message.url or "index"
    print(
        f"r2gate: event {message.event_id} dead-lettered for {_host(message.url)}: its "
        "retries ran out (docs/events.md, Dead letters)"
    )
    try:
        await db.run(
            "INSERT OR IGNORE INTO dead_deliveries (event_id, url, event, dead) "
            "VALUES (?1, ?2, ?3, ?4)",
            message.event_id,
            where,
            json.dumps(message.event, separators=(",", ":")),
            int(time.time() * 1000),
        )
    except Exception as error:  # logged above; never retried into a loop
        print(f"r2gate: dead delivery of {message.event_id} not recorded: {type(error).__name__}")

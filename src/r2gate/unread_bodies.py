"""What happens to a request body the Worker answered without reading.

A handler may refuse a request on its headers alone (401, 403, 413 by Content-Length, 412)
and leave the body unread. HTTP/1.1 lets a server answer early, but whoever forwards the
request must then either read the rest or drop the connection, and a dropped connection can
take the answer with it. `wrangler dev` is such a forwarder: its proxy turns the drop into a
500 "Network connection lost" instead of r2gate's 413 (workers-sdk bundles a body-draining
middleware into JS Workers for exactly this; a Python Worker gets none). So a small unread
body is read to its end and thrown away before the answer is sent; a large or unsized one is
left alone, so a refused multi-gigabyte upload never costs more CPU or memory than a small one.

Under `wrangler dev` (and only there: `make dev` and the test servers set the var
`DEV_PROXY_VAR`) every unread body is read to its end, whatever its size, streamed and thrown
away chunk by chunk, as wrangler's own middleware does for JS Workers (it reads the rest in a
`finally`, before the answer leaves): locally CPU is free, and a refused 200 MiB upload must
still get its 413. Reading it after the answer (`ctx.waitUntil`) does not help: the proxy
has passed the answer on by then and drops the connection all the same.
"""

from __future__ import annotations

from collections.abc import Mapping

from .numbers import InvalidNumber, parse_decimal

__all__ = ["DEV_PROXY_VAR", "DRAIN_LIMIT_BYTES", "drain_unread_body", "drains_every_body"]

# The largest unread body read to its end. Measured on workerd (`request.arrayBuffer()`,
# docs/local-runtime.md): about 1.1 ms of CPU and this much memory per refused request.
DRAIN_LIMIT_BYTES = 1024 * 1024
# The var saying the Worker runs behind wrangler dev's proxy ("on"); never set in production.
DEV_PROXY_VAR = "WRANGLER_DEV"


def drains_every_body(value: str | None) -> bool:
    """Whether every unread body is drained, whatever its size (the DEV_PROXY_VAR value)."""
    return value == "on"


def drain_unread_body(headers: Mapping[str, str], limit: int = DRAIN_LIMIT_BYTES) -> bool:
    """Whether a body the handler left unread should be read to its end: only when one valid
    Content-Length announces between 1 and `limit` bytes (chunked bodies have no size known
    in advance and are left alone)."""
    raw = headers.get("content-length")
    if raw is None:
        return False
    try:
        parse_decimal(raw.strip(" \t"), maximum=limit, minimum=1)
    except InvalidNumber:
        return False
    return True

"""The Worker's one route table, and `dispatch`: every fetch goes through it.

Adding a route is one line in `ROUTES`. Every handler takes one `Call`. Per route, HEAD
runs the GET handler without sending its body, OPTIONS answers the CORS preflight (with the
route's methods) or lists ``Allow``, and a method the route does not take is 405 with that
route's ``Allow`` (r2gate.routing). Every failure becomes r2gate's JSON error shape.

Not in this table: the uploader's page, stylesheet and modules (/api/v1/uploader, .css, .js,
-ui.js). They are files in public/, served by Workers Static Assets before the Worker runs:
wrangler.toml's ``run_worker_first`` sends every path to the Worker except exactly those.
"""

from __future__ import annotations

import time
import traceback
from typing import Any

from r2gate import __version__
from r2gate.cors import cors_headers, preflight
from r2gate.errors import ApiError
from r2gate.query import request_line
from r2gate.routing import Route, RouteTable
from r2gate.s3.mount import PREFIXED, Mount, s3_mount
from r2gate.settings import Settings

from . import listing, multipart, read, signing, stats, tus, write
from .call import Call, Handler
from .config import js_env, settings_from_env
from .http import (
    Incoming,
    Reply,
    add_headers,
    error_response,
    json_response,
    stream_response,
    without_body,
)


async def service(call: Call) -> Reply:
    """GET /: what this server is."""
    return json_response({"service": "r2gate", "version": __version__})


# Imported on first use, not at every cold start: the OpenAPI document and the S3 surface are
# about a third of what the Worker imports (bench: cold start CPU), and most isolates never
# serve either.


async def openapi(call: Call) -> Reply:
    """GET /api/v1/openapi.json."""
    from r2gate.openapi import openapi_document

    document = openapi_document(call.settings)
    return json_response(document, 200, {"Cache-Control": "public, max-age=300"})


UPLOAD = {
    "GET": multipart.status,
    "PUT": multipart.upload_part,
    "POST": multipart.complete,
    "DELETE": multipart.abort,
}
OBJECT = {"GET": read.read_object, "PUT": write.write_object, "DELETE": write.delete_object}


async def s3_request(call: Call, mount: Mount = PREFIXED) -> Any:
    """The S3-compatible surface (handlers/s3): under /api/s3, or where `mount` says."""
    from . import s3

    return await s3.handle(call, mount)


TUS_UPLOAD = {"HEAD": tus.head, "PATCH": tus.patch, "DELETE": tus.delete, "POST": tus.override}
S3 = {method: s3_request for method in ("GET", "HEAD", "PUT", "POST", "DELETE")}

ROUTES: RouteTable[Handler] = RouteTable(
    [
        Route("/", {"GET": service}),
        Route("/api/v1/uploads", {"POST": signing.create_upload}),
        Route("/api/v1/downloads", {"POST": signing.create_download}),
        Route("/api/v1/objects", {"GET": listing.list_objects}),
        Route("/api/v1/stats", {"GET": stats.stats}),
        Route("/api/v1/stats/reindex", {"POST": stats.reindex}),
        Route("/api/v1/openapi.json", {"GET": openapi}),
        Route("/api/v1/tus", {"POST": tus.create}),  # tus 1.0.0 (handlers/tus.py)
        Route("/api/v1/tus/{id}", TUS_UPLOAD),
        Route("/api/s3", S3),  # the S3-compatible surface (handlers/s3)
        Route("/api/s3/{rest*}", S3),
        Route("/api", {}),  # every other path under /api/ is reserved: 404
        Route("/api/{rest*}", {}),
        Route("/{key*}", {"POST": multipart.create}, query="uploads"),
        Route("/{key*}", UPLOAD, query="uploadId"),
        Route("/{key*}", OBJECT),
    ]
)


async def dispatch(request: Any, env: Any, ctx: Any) -> Any:
    """Entry point for every fetch: the JS Response; never lets an exception escape as a
    bare 500."""
    started = time.perf_counter()
    where = "request"
    settings: Settings | None = None
    incoming: Incoming | None = None
    try:
        incoming = Incoming(request)
        where = request_line(incoming.method, incoming.path, None)
        settings = settings_from_env(env)
        reply = await _route(incoming, js_env(env), ctx, settings)
    except ApiError as error:
        if error.status >= 500:
            where = _logged(incoming) or where
            print(f"r2gate: {where} -> {error.status} {error.code}: {error.message}")
        reply = error_response(error)
    except Exception:
        where = _logged(incoming) or where
        reply = _internal_error(where)
    if settings is not None and incoming is not None:
        extra: dict[str, str] = {}
        if incoming.method != "OPTIONS":  # a preflight answer carries its own CORS headers
            # After any cache lookup: a stored response never carries another origin's headers.
            extra = cors_headers(incoming.headers.get("origin"), settings.cors)
        if settings.server_timing:
            elapsed = (time.perf_counter() - started) * 1000
            extra["Server-Timing"] = f"py;dur={elapsed:.2f}"
        add_headers(reply, extra)
    if incoming is not None:
        await _drain_quietly(incoming, env)
    try:
        return reply.to_js()
    except Exception:  # a header value JS refuses: our bug, answered as one
        failed = _internal_error(where)
        return (reply.on_failure() if reply.on_failure else failed).to_js()


async def _drain_quietly(incoming: Incoming, env: Any) -> None:
    """Drain an unread request body (Incoming.drain_if_unread); never fails the answer."""
    try:
        await incoming.drain_if_unread(env)
    except Exception as error:  # a body already locked or gone: nothing left to drain
        print(f"r2gate: unread request body not drained: {type(error).__name__}")


def _internal_error(where: str) -> Reply:
    print(f"r2gate: unhandled error on {where}\n{traceback.format_exc()}")
    return error_response(ApiError(500, "internal_error", "An unexpected error occurred."))


def _logged(incoming: Incoming | None) -> str | None:
    """The request as a log line, credentials in the query redacted (r2gate.query)."""
    if incoming is None:
        return None
    try:
        return request_line(incoming.method, incoming.path, incoming.params)
    except ApiError:  # a query that does not parse is left out
        return None


async def _route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Reply:
    mount = _s3_elsewhere(incoming, settings)
    if mount is not None:
        answer = await s3_request(Call(incoming, env, ctx, settings), mount)
        return answer if isinstance(answer, Reply) else Reply.from_js(answer)
    # The query is parsed only for the routes it selects (the S3 surface parses its own).
    resolved = ROUTES.resolve(incoming.method, incoming.path, lambda: incoming.params.names)
    if resolved.handler is None:
        reply = _options(incoming, settings, resolved.route.allowed)
        if resolved.route.pattern.startswith("/api/v1/tus"):
            add_headers(reply, tus.options())
        return reply
    answer = await resolved.handler(Call(incoming, env, ctx, settings, params=resolved.params))
    reply = answer if isinstance(answer, Reply) else Reply.from_js(answer)
    return without_body(reply) if resolved.drop_body else reply


def _s3_elsewhere(incoming: Incoming, settings: Settings) -> Mount | None:
    """The S3 mount of a request that is S3's although it is not under /api/s3: at the
    host's root or on the bucket's own host (r2gate.s3.mount)."""
    s3 = settings.s3
    if s3.bucket is None:
        return None
    host = incoming.host if s3.hosts else ""
    if not (s3.hosts and host in s3.hosts) and incoming.path.startswith("/api/"):
        return None  # r2gate's own routes, and /api/s3 in the table
    return s3_mount(
        incoming.method, incoming.path, incoming.query, incoming.headers, host, s3.bucket, s3.hosts
    )


def _options(incoming: Incoming, settings: Settings, allowed: tuple[str, ...]) -> Reply:
    """CORS preflight for the route's methods; a plain OPTIONS lists them."""
    origin = incoming.headers.get("origin")
    requested = incoming.headers.get("access-control-request-method")
    if origin is None or requested is None:
        return stream_response(None, 204, {"Allow": ", ".join(allowed)})
    request_headers = incoming.headers.get("access-control-request-headers")
    answer = preflight(origin, requested, request_headers, settings.cors, allowed)
    if answer is None:
        raise ApiError(403, "cors_denied", "This origin, method or header is not allowed.")
    return stream_response(None, 204, answer)

"""Routes a request to its handler, adds CORS and timing headers, and turns every failure into
r2gate's JSON error shape."""

from __future__ import annotations

import time
import traceback
from typing import Any

from r2gate import __version__
from r2gate.cors import cors_headers, preflight
from r2gate.errors import ApiError
from r2gate.settings import Settings

from . import api, multipart, read, write
from .config import settings_from_env
from .web import Incoming, add_headers, error_response, json_response, stream_response

OBJECT_METHODS = "GET, HEAD, PUT, DELETE, OPTIONS"


async def dispatch(request: Any, env: Any, ctx: Any) -> Any:
    """Entry point for every fetch: never lets an exception escape as a bare 500."""
    started = time.perf_counter()
    where = "request"
    settings: Settings | None = None
    incoming: Incoming | None = None
    try:
        incoming = Incoming(request)
        where = f"{incoming.method} {incoming.path}"
        settings = settings_from_env(env)
        response = await _route(incoming, env, ctx, settings)
    except ApiError as error:
        if error.status >= 500:
            print(f"r2gate: {where} -> {error.status} {error.code}: {error.message}")
        response = error_response(error)
    except Exception:
        print(f"r2gate: unhandled error on {where}\n{traceback.format_exc()}")
        response = error_response(ApiError(500, "internal_error", "An unexpected error occurred."))
    if settings is not None and incoming is not None:
        if incoming.method != "OPTIONS":  # a preflight answer carries its own CORS headers
            # After any cache lookup: a stored response never carries another origin's headers.
            add_headers(response, cors_headers(incoming.headers.get("origin"), settings.cors))
        if settings.server_timing:
            elapsed = (time.perf_counter() - started) * 1000
            add_headers(response, {"Server-Timing": f"py;dur={elapsed:.2f}"})
    return response


async def _route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    path, method = incoming.path, incoming.method
    if method == "OPTIONS":
        return _options(incoming, settings)
    if path == "/api" or path.startswith("/api/"):
        return await api.route(incoming, env, ctx, settings)
    if path == "/" and method in ("GET", "HEAD"):
        return json_response({"service": "r2gate", "version": __version__})
    if multipart.is_multipart_request(incoming):
        return await multipart.route(incoming, env, ctx, settings)
    if method in ("GET", "HEAD"):
        return await read.read_object(incoming, env, ctx, settings)
    if method == "PUT":
        return await write.write_object(incoming, env, ctx, settings)
    if method == "DELETE":
        return await write.delete_object(incoming, env, ctx, settings)
    raise ApiError(
        405, "method_not_allowed", f"{method} is not allowed here.", {"Allow": OBJECT_METHODS}
    )


def _options(incoming: Incoming, settings: Settings) -> Any:
    """CORS preflight on any path; a plain OPTIONS lists the methods."""
    origin = incoming.headers.get("origin")
    requested = incoming.headers.get("access-control-request-method")
    if origin is None or requested is None:
        return stream_response(None, 204, {"Allow": OBJECT_METHODS})
    allowed = preflight(
        origin, requested, incoming.headers.get("access-control-request-headers"), settings.cors
    )
    if allowed is None:
        raise ApiError(403, "cors_denied", "This origin, method or header is not allowed.")
    return stream_response(None, 204, allowed)

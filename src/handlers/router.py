"""Routes a request to its handler and turns every failure into r2gate's JSON error shape."""

from __future__ import annotations

import traceback
from typing import Any

from r2gate import __version__
from r2gate.errors import ApiError

from . import objects
from .config import settings_from_env
from .web import Incoming, error_response, json_response

OBJECT_METHODS = "GET, HEAD, PUT, DELETE"


async def dispatch(request: Any, env: Any, ctx: Any) -> Any:
    """Entry point for every fetch: never lets an exception escape as a bare 500."""
    where = "request"
    try:
        incoming = Incoming(request)
        where = f"{incoming.method} {incoming.path}"
        return await _route(incoming, env, ctx)
    except ApiError as error:
        if error.status >= 500:
            print(f"r2gate: {where} -> {error.status} {error.code}: {error.message}")
        return error_response(error)
    except Exception:
        print(f"r2gate: unhandled error on {where}\n{traceback.format_exc()}")
        return error_response(ApiError(500, "internal_error", "An unexpected error occurred."))


async def _route(incoming: Incoming, env: Any, ctx: Any) -> Any:
    path = incoming.path
    if path == "/api" or path.startswith("/api/"):
        raise ApiError(404, "not_found", "No such API route.")
    if path == "/" and incoming.method in ("GET", "HEAD"):
        return json_response({"service": "r2gate", "version": __version__})
    settings = settings_from_env(env)
    bucket = env.BUCKET
    method = incoming.method
    if method in ("GET", "HEAD"):
        return await objects.read_object(incoming, bucket, settings)
    if method == "PUT":
        return await objects.write_object(incoming, bucket, settings)
    if method == "DELETE":
        return await objects.delete_object(incoming, bucket, settings)
    raise ApiError(
        405, "method_not_allowed", f"{method} is not allowed here.", {"Allow": OBJECT_METHODS}
    )

"""Routes under /api/ (upload tokens, download links, listing, OpenAPI)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from r2gate.errors import ApiError
from r2gate.openapi import openapi_document
from r2gate.settings import Settings

from . import listing, signing, uploader
from .web import Incoming, json_response

Handler = Callable[[Incoming, Any, Any, Settings], Awaitable[Any]]


async def _openapi(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    return json_response(openapi_document(), 200, {"Cache-Control": "public, max-age=300"})


ROUTES: dict[str, dict[str, Handler]] = {
    "/api/v1/uploads": {"POST": signing.create_upload},
    "/api/v1/downloads": {"POST": signing.create_download},
    "/api/v1/objects": {"GET": listing.list_objects},
    "/api/v1/openapi.json": {"GET": _openapi},
    "/api/v1/uploader": {"GET": uploader.page},
    "/api/v1/uploader.js": {"GET": uploader.library},
    "/api/v1/uploader-ui.js": {"GET": uploader.page_script},
}


async def route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """Dispatch an /api/... request; unknown routes are a JSON 404, wrong methods a 405."""
    methods = ROUTES.get(incoming.path)
    if methods is None:
        raise ApiError(404, "not_found", "No such API route.")
    handler = methods.get(incoming.method)
    if handler is None:
        allowed = ", ".join([*methods, "OPTIONS"])
        raise ApiError(
            405, "method_not_allowed", f"{incoming.method} is not allowed here.", {"Allow": allowed}
        )
    return await handler(incoming, env, ctx, settings)

"""Routes under /api/ (upload tokens, download links, listing, OpenAPI)."""

from __future__ import annotations

from typing import Any

from r2gate.errors import ApiError
from r2gate.settings import Settings

from .web import Incoming


async def route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    """Dispatch an /api/... request; unknown routes are a JSON 404."""
    raise ApiError(404, "not_found", "No such API route.")

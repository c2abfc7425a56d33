"""Multipart uploads on the object path, S3-style: ?uploads, ?uploadId=&partNumber=."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl

from r2gate.errors import ApiError
from r2gate.settings import Settings

from .web import Incoming


def is_multipart_request(incoming: Incoming) -> bool:
    """True when the query names a multipart operation (`uploads` or `uploadId`)."""
    names = {name for name, _ in parse_qsl(incoming.query, keep_blank_values=True)}
    return bool(names & {"uploads", "uploadId"})


async def route(incoming: Incoming, env: Any, ctx: Any, settings: Settings) -> Any:
    raise ApiError(501, "not_implemented", "Multipart uploads are not available yet.")

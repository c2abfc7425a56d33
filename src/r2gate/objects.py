"""Plain descriptions of stored objects and the headers/JSON built from them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .httpdates import format_http_date


@dataclass(frozen=True)
class ObjectInfo:
    """What r2gate needs to know about an R2 object, as plain values."""

    key: str
    size: int
    etag: str  # unquoted, as R2 reports it
    http_etag: str  # quoted, for the ETag header
    uploaded: datetime  # aware, UTC
    content_type: str | None = None
    cache_control: str | None = None
    content_disposition: str | None = None
    content_encoding: str | None = None
    content_language: str | None = None
    expires: datetime | None = None
    custom_metadata: dict[str, str] = field(default_factory=dict)


def representation_headers(
    info: ObjectInfo, content_type: str, cache_control: str
) -> dict[str, str]:
    """Headers describing the selected representation (shared by 200, 206, 304 and HEAD)."""
    headers = {
        "ETag": info.http_etag,
        "Last-Modified": format_http_date(info.uploaded),
        "Content-Type": content_type,
        "Cache-Control": cache_control,
        "Accept-Ranges": "bytes",
    }
    optional = {
        "Content-Disposition": info.content_disposition,
        "Content-Encoding": info.content_encoding,
        "Content-Language": info.content_language,
        "Expires": format_http_date(info.expires) if info.expires else None,
    }
    headers.update({name: value for name, value in optional.items() if value})
    return headers


def object_json(info: ObjectInfo, content_type: str) -> dict[str, object]:
    """The JSON r2gate returns for a stored object (PUT result, listing entries)."""
    return {
        "key": info.key,
        "size": info.size,
        "etag": info.etag,
        "content_type": content_type,
        "uploaded": info.uploaded.isoformat().replace("+00:00", "Z"),
    }

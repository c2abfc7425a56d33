"""Results as plain dataclasses, each with `to_dict()` for JSON output."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from .httpdate import parse_http_date


def _parse_time(value: object) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _jsonable(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in data.items()}


def unquote_etag(etag: str) -> str:
    """`"abc"` or `W/"abc"` -> `abc` (r2gate's JSON carries etags unquoted)."""
    value = etag.strip()
    if value.startswith("W/"):
        value = value[2:]
    return value[1:-1] if len(value) >= 2 and value[0] == value[-1] == '"' else value


@dataclass(frozen=True)
class ObjectInfo:
    """A stored object. `etag` is unquoted; `uploaded` is aware UTC (None when unknown)."""

    key: str
    size: int
    etag: str
    content_type: str | None = None
    uploaded: datetime | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ObjectInfo:
        return cls(
            key=str(data["key"]),
            size=int(data["size"]),
            etag=unquote_etag(str(data["etag"])),
            content_type=data.get("content_type"),
            uploaded=_parse_time(data.get("uploaded")),
        )

    @classmethod
    def from_headers(cls, key: str, headers: Mapping[str, str]) -> ObjectInfo:
        """From a HEAD/GET response (lower-case header names)."""
        return cls(
            key=key,
            size=int(headers.get("content-length", "0")),
            etag=unquote_etag(headers.get("etag", "")),
            content_type=headers.get("content-type"),
            uploaded=parse_http_date(headers.get("last-modified")),
        )

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class UploadResult:
    """A finished upload: the stored object and how it got there."""

    key: str
    size: int
    etag: str
    content_type: str | None
    uploaded: datetime | None
    multipart: bool = False
    parts: int = 1  # parts of the object (1 for a single PUT)
    parts_sent: int = 1  # parts this call sent (fewer after a resume)
    resumed: bool = False

    @classmethod
    def from_object(cls, info: ObjectInfo, **how: Any) -> UploadResult:
        return cls(info.key, info.size, info.etag, info.content_type, info.uploaded, **how)

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class DownloadResult:
    """A finished download: `bytes_received` counts only what this call transferred."""

    key: str
    path: str
    size: int
    etag: str
    resumed: bool = False
    bytes_received: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ListPage:
    """One page of `GET /api/v1/objects`; follow `cursor` while `truncated`."""

    objects: list[ObjectInfo] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=list)
    cursor: str | None = None
    truncated: bool = False

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ListPage:
        return cls(
            objects=[ObjectInfo.from_json(item) for item in data.get("objects", [])],
            prefixes=[str(p) for p in data.get("prefixes", [])],
            cursor=data.get("cursor"),
            truncated=bool(data.get("truncated", False)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "objects": [o.to_dict() for o in self.objects],
            "prefixes": list(self.prefixes),
            "cursor": self.cursor,
            "truncated": self.truncated,
        }


@dataclass(frozen=True)
class UploadUrl:
    """A minted upload URL (`POST /api/v1/uploads`): PUT the file to `upload_url` with
    `headers`; the token also works as `Client(base_url, token=...)`."""

    upload_url: str
    method: str
    headers: dict[str, str]
    key: str
    token: str
    expires_at: datetime | None
    max_bytes: int | None
    public_url: str | None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> UploadUrl:
        return cls(
            upload_url=str(data["upload_url"]),
            method=str(data.get("method", "PUT")),
            headers=dict(data.get("headers") or {}),
            key=str(data["key"]),
            token=str(data["token"]),
            expires_at=_parse_time(data.get("expires_at")),
            max_bytes=data.get("max_bytes"),
            public_url=data.get("public_url"),
        )

    def to_dict(self) -> dict[str, Any]:
        return _jsonable(asdict(self))

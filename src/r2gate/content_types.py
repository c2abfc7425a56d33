"""Content-Type by key extension, and a coarse category per type.

A fixed table instead of `mimetypes`: results must not depend on the host's
mime.types, and the AR/3D formats need exact values (iOS AR Quick Look wants
model/vnd.usdz+zip). Point clouds and splats have no registered type.

A generic Content-Type never hides a known extension (`stored_content_type`): when an upload
says nothing about its bytes (``curl --data-binary`` sends application/x-www-form-urlencoded,
S3 SDKs binary/octet-stream; see `mediatype.GENERIC_ESSENCES`) and the key's extension is in
the table, the table's type is stored instead, unless that type is active (HTML, SVG, ...):
a generic type never turns into one that runs script.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from .mediatype import MediaType, is_active, is_generic, parse_media_type

DEFAULT_CONTENT_TYPE = "application/octet-stream"

_OCTET = DEFAULT_CONTENT_TYPE
_BY_EXTENSION: dict[str, str] = {
    # 3D / AR
    ".glb": "model/gltf-binary",
    ".gltf": "model/gltf+json",
    ".usdz": "model/vnd.usdz+zip",
    ".obj": "model/obj",
    ".stl": "model/stl",
    ".ply": _OCTET,
    ".splat": _OCTET,
    ".ksplat": _OCTET,
    ".spz": _OCTET,
    ".fbx": _OCTET,
    # video
    ".mp4": "video/mp4",
    ".m4v": "video/x-m4v",
    ".webm": "video/webm",
    ".mov": "video/quicktime",
    ".mkv": "video/x-matroska",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
    ".ts": "video/mp2t",
    ".m4s": "video/iso.segment",
    # images and textures
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
    ".avif": "image/avif",
    ".svg": "image/svg+xml",
    ".heic": "image/heic",
    ".ktx2": "image/ktx2",
    ".hdr": "image/vnd.radiance",
    ".exr": "image/x-exr",
    ".ico": "image/vnd.microsoft.icon",
    # audio
    ".mp3": "audio/mpeg",
    ".wav": "audio/wav",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/opus",
    ".flac": "audio/flac",
    # documents and data
    ".json": "application/json",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".csv": "text/csv; charset=utf-8",
    ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
    ".bin": _OCTET,
}

_DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "application/json",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }
)
_VIDEO_TYPES = frozenset({"application/vnd.apple.mpegurl", "application/dash+xml"})
_MODEL_EXTENSIONS = frozenset({".ply", ".splat", ".ksplat", ".spz", ".fbx"})


def _extension(key: str) -> str:
    return posixpath.splitext(key.rsplit("/", 1)[-1])[1].lower()


def guess_content_type(key: str) -> str:
    """Content-Type for `key` from its extension (case-insensitive), else octet-stream."""
    return _BY_EXTENSION.get(_extension(key), DEFAULT_CONTENT_TYPE)


def category(content_type: str, key: str | None = None) -> str:
    """'models', 'videos', 'images', 'audio', 'documents' or 'other' for a Content-Type.

    `key`, when given, places untyped 3D formats (.ply, .splat, ...) under 'models'.
    """
    essence = content_type.split(";", 1)[0].strip().lower()
    major = essence.split("/", 1)[0]
    if major == "model" or (key is not None and _extension(key) in _MODEL_EXTENSIONS):
        return "models"
    if major == "video" or essence in _VIDEO_TYPES:
        return "videos"
    if major == "image":
        return "images"
    if major == "audio":
        return "audio"
    if major == "text" or essence in _DOCUMENT_TYPES:
        return "documents"
    return "other"


def known_content_type(key: str) -> str | None:
    """The table's type for the key's extension, or None when the extension is unknown."""
    return _BY_EXTENSION.get(_extension(key))


@dataclass(frozen=True)
class StoredType:
    """The Content-Type to store for an upload and where it came from.

    `replaced` is the (canonical) generic type the request sent when the key's type was
    stored instead; `from_key` is True whenever the stored type comes from the key."""

    content_type: str
    from_key: bool = False
    replaced: str | None = None

    @property
    def note(self) -> str | None:
        """A sentence for the response when the request's type was replaced."""
        if self.replaced is None:
            return None
        return (
            f"The Content-Type {self.replaced} says nothing about the bytes; "
            f"stored {self.content_type}, the type of the key's extension."
        )

    def json_members(self) -> dict[str, str]:
        """What an upload's answer adds when the request's type was replaced:
        ``content_type_replaced`` (the type sent) and ``note`` (why)."""
        if self.replaced is None or self.note is None:
            return {}
        return {"content_type_replaced": self.replaced, "note": self.note}


def stored_content_type(sent: MediaType | None, key: str) -> StoredType:
    """Which type to store for an upload of `key` whose request carried `sent` (parsed by
    `mediatype.single_media_type`; None when absent).

    No type: the key's (octet-stream for an unknown extension). A generic type and a known,
    non-active extension type that differs from it: the extension's, with `replaced` set.
    Otherwise the request's, canonical."""
    if sent is None:
        return StoredType(guess_content_type(key), from_key=True)
    known = known_content_type(key)
    if known is not None and is_generic(sent):
        known_type = parse_media_type(known)
        if known_type.essence != sent.essence and not is_active(known_type):
            return StoredType(known_type.canonical, from_key=True, replaced=sent.canonical)
    return StoredType(sent.canonical)

"""Server-generated object keys: ``{prefix}{YYYYMMDD_HHMMSS}_{8 hex}_{safe filename}``.

The time and the random hex are injected, so a key is a pure function of its inputs.
Default prefixes by content type (or, for 3D models, by extension): ``models/``,
``videos/``, ``images/``, ``audio/``, ``documents/`` and ``other/``.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

__all__ = ["MAX_NAME_LENGTH", "default_prefix", "generated_key", "safe_filename"]

MAX_NAME_LENGTH = 100
MODEL_EXTENSIONS = frozenset({".glb", ".gltf", ".usdz", ".ply", ".splat"})
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_UNDERSCORES = re.compile(r"_{2,}")
_HEX8 = re.compile(r"[0-9a-f]{8}")
_MAX_EXTENSION = 16


def _extension(name: str) -> str:
    dot = name.rfind(".")
    return name[dot:].lower() if dot > 0 else ""


def default_prefix(content_type: str | None, filename: str | None = None) -> str:
    """Pick the folder for a content type; model extensions win over a generic type."""
    media = (content_type or "").split(";", 1)[0].strip().lower()
    major = media.split("/", 1)[0]
    if major == "model" or _extension(_basename(filename or "")) in MODEL_EXTENSIONS:
        return "models/"
    folders = {"video": "videos/", "image": "images/", "audio": "audio/", "text": "documents/"}
    if major in folders:
        return folders[major]
    if media in ("application/pdf", "application/json") or media.endswith("+json"):
        return "documents/"
    return "other/"


def _basename(filename: str) -> str:
    return re.split(r"[/\\]", filename)[-1]


def safe_filename(filename: str | None) -> str:
    """Keep [A-Za-z0-9._-], replace runs of anything else with one '_', strip leading
    dots, cap at 100 chars keeping the extension; "file" when nothing usable remains."""
    name = _UNSAFE.sub("_", _basename(filename or ""))
    name = _UNDERSCORES.sub("_", name).lstrip(".")
    if not name.strip("_.-"):
        return "file"
    if len(name) > MAX_NAME_LENGTH:
        dot = name.rfind(".")
        extension = name[dot:] if dot > 0 and len(name) - dot <= _MAX_EXTENSION else ""
        name = name[: MAX_NAME_LENGTH - len(extension)] + extension
    return name


def generated_key(
    filename: str | None,
    content_type: str | None,
    prefix: str | None,
    now: datetime,
    random_hex: str,
) -> str:
    """Build a fresh key. `prefix` None picks `default_prefix`; `now` is read in UTC
    (naive datetimes are taken as UTC); `random_hex` is 8 lowercase hex chars."""
    if not _HEX8.fullmatch(random_hex):
        raise ValueError("random_hex must be 8 lowercase hex characters")
    if prefix is None:
        prefix = default_prefix(content_type, filename)
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return f"{prefix}{now:%Y%m%d_%H%M%S}_{random_hex}_{safe_filename(filename)}"

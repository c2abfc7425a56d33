"""The resume state of a multipart upload: a small JSON file, written after every part.

It holds no secret (no API key, no token): base_url, key, upload_id, part_size, the file's
path, size and mtime, the content type and the parts done ({part number: etag}).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATE_VERSION = 1


def default_state_dir(environ: Mapping[str, str] | None = None) -> Path:
    """$R2GATE_STATE_DIR, else $XDG_STATE_HOME/r2gate/uploads, else ~/.local/state/..."""
    env = os.environ if environ is None else environ
    explicit = env.get("R2GATE_STATE_DIR")
    if explicit:
        return Path(explicit)
    base = env.get("XDG_STATE_HOME") or os.path.join(Path.home(), ".local", "state")
    return Path(base) / "r2gate" / "uploads"


def state_path(state_dir: str | os.PathLike[str], base_url: str, key: str, path: str) -> Path:
    """One state file per (server, key, absolute file path): the same command finds it."""
    identity = json.dumps([base_url, key, os.path.abspath(path)])
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    return Path(state_dir) / f"{digest}.json"


@dataclass
class UploadState:
    """What a resumed upload needs; `parts` maps part number -> etag."""

    base_url: str
    key: str
    upload_id: str
    part_size: int
    path: str
    size: int
    mtime_ns: int
    content_type: str | None = None
    parts: dict[int, str] = field(default_factory=dict)

    def matches(self, base_url: str, key: str, path: str, size: int, mtime_ns: int) -> bool:
        """True when this state describes the same upload of the same, unchanged file."""
        return (self.base_url, self.key, self.path, self.size, self.mtime_ns) == (
            base_url,
            key,
            os.path.abspath(path),
            size,
            mtime_ns,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": STATE_VERSION,
            "base_url": self.base_url,
            "key": self.key,
            "upload_id": self.upload_id,
            "part_size": self.part_size,
            "path": self.path,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "content_type": self.content_type,
            "parts": {str(n): etag for n, etag in sorted(self.parts.items())},
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UploadState:
        if data.get("version") != STATE_VERSION:
            raise ValueError("unknown state version")
        return cls(
            base_url=str(data["base_url"]),
            key=str(data["key"]),
            upload_id=str(data["upload_id"]),
            part_size=int(data["part_size"]),
            path=str(data["path"]),
            size=int(data["size"]),
            mtime_ns=int(data["mtime_ns"]),
            content_type=data.get("content_type"),
            parts={int(n): str(etag) for n, etag in dict(data.get("parts", {})).items()},
        )


class StateFile:
    """Load, save (atomically: write a temporary file, then rename) and remove one state."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def load(self) -> UploadState | None:
        """The saved state, or None when there is none or it cannot be read."""
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            return UploadState.from_json(data)
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return None

    def save(self, state: UploadState) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".state-", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(state.to_json(), handle, indent=1)
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    def remove(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path.unlink()

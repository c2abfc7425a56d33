"""Create .dev.vars for local development: a random API_KEY and SIGNING_KEYS, so `make dev`
serves uploads, downloads and tokens out of the box. An existing file keeps its values; one
made before SIGNING_KEYS existed gets them appended.

    python scripts/dev_vars.py [path]   # default: .dev.vars at the repository root
"""

from __future__ import annotations

import json
import secrets
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / ".dev.vars"
HEADER = "# Local secrets for `make dev` (never commit this file)\n"


def signing_keys_line() -> str:
    """One signing key (kid "dev"), single-quoted so the JSON stays literal in dotenv."""
    return f"SIGNING_KEYS='{json.dumps({'dev': secrets.token_urlsafe(48)})}'\n"


def ensure_dev_vars(path: Path = PATH) -> str:
    """Create or complete `path`; return the API key it holds."""
    if not path.exists():
        key = secrets.token_urlsafe(32)
        path.write_text(f"{HEADER}API_KEY={key}\n{signing_keys_line()}")
        path.chmod(0o600)
        print(f"Created {path.name}: API key {key}; SIGNING_KEYS for upload/download tokens.")
        return key
    text = path.read_text()
    lines = text.splitlines()
    key = next((line.split("=", 1)[1].strip() for line in lines if line.startswith("API_KEY=")), "")
    if not any(line.startswith("SIGNING_KEYS=") for line in lines):
        path.write_text(
            text + ("" if text.endswith("\n") or not text else "\n") + signing_keys_line()
        )
        print(f"Added SIGNING_KEYS to {path.name}: upload and download tokens now work.")
    if key:
        print(f"API key (from {path.name}): {key}")
    return key


if __name__ == "__main__":
    ensure_dev_vars(Path(sys.argv[1]) if len(sys.argv) > 1 else PATH)

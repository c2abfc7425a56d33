"""Create .dev.vars for local development on first run: a random full-access API_KEY, token
SIGNING_KEYS (so upload and download tokens work out of the box) and a full-access S3 key
pair (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY); an older .dev.vars gets what it lacks added.
Prints what `make dev` serves with.

    python scripts/dev_vars.py [path]   # default: .dev.vars at the repository root
"""

from __future__ import annotations

import json
import os
import secrets
import string
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / ".dev.vars"
HEADER = "# Local secrets for `make dev` (never commit this file)\n"
KEY_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_values(present: dict[str, str]) -> dict[str, str]:
    """The settings .dev.vars lacks, freshly generated."""
    values: dict[str, str] = {}
    if "API_KEY" not in present:
        values["API_KEY"] = secrets.token_urlsafe(32)
    if "SIGNING_KEYS" not in present:
        # single-quoted, so that dotenv keeps the JSON literal
        values["SIGNING_KEYS"] = f"'{json.dumps({'dev': secrets.token_urlsafe(48)})}'"
    if "S3_ACCESS_KEY_ID" not in present and "S3_SECRET_ACCESS_KEY" not in present:
        values["S3_ACCESS_KEY_ID"] = "R2GATE" + "".join(
            secrets.choice(KEY_ID_ALPHABET) for _ in range(14)
        )
        values["S3_SECRET_ACCESS_KEY"] = secrets.token_urlsafe(30)
    return values


def read(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, equals, value = line.partition("=")
            if equals and not name.startswith("#"):
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
                    value = value[1:-1]  # a quoted value, as dotenv reads it
                found[name.strip()] = value
    return found


def main(path: Path = PATH) -> None:
    present = read(path)
    added = new_values(present)
    if added:
        text = path.read_text() if path.exists() else HEADER
        if text and not text.endswith("\n"):
            text += "\n"
        text += "".join(f"{name}={value}\n" for name, value in added.items())
        path.write_text(text)
        path.chmod(0o600)
        print(f"{'Created' if not present else 'Added to'} .dev.vars: {', '.join(added)}")
    values = {**present, **added}
    print(f"API key: {values.get('API_KEY', '(not set)')}")
    if "S3_ACCESS_KEY_ID" in values:
        print(
            f"S3 key pair (endpoint_url=http://127.0.0.1:{os.environ.get('PORT') or 8787}/api/s3): "
            f"{values['S3_ACCESS_KEY_ID']} / {values.get('S3_SECRET_ACCESS_KEY', '(not set)')}"
        )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PATH)

"""Create .dev.vars for local development on first run: a random full-access API_KEY, token
SIGNING_KEYS (so upload and download tokens work out of the box) and a full-access S3 key
pair (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY); an older .dev.vars gets what it lacks added.
`make dev` prints the values once the server is ready (scripts/dev_output.py).

Every value is written without quotes and with no character a shell or wrangler's dotenv
parser would change, so `cut -d= -f2-`, `set -a; . ./.dev.vars; set +a` and the Worker all
read the same text: SIGNING_KEYS is `dev:<secret>`, the unquoted form of `{"dev": "<secret>"}`
(r2gate.tokens.config). A SIGNING_KEYS that an earlier version wrote as single-quoted JSON is
rewritten in that form, the same key.

    python scripts/dev_vars.py [path]   # default: .dev.vars at the repository root
"""

from __future__ import annotations

import json
import re
import secrets
import string
import sys
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / ".dev.vars"
HEADER = "# Local secrets for `make dev` (never commit this file)\n"
KEY_ID_ALPHABET = string.ascii_uppercase + string.digits
SHELL_SAFE = re.compile(r"[A-Za-z0-9_.:/+=@%-]+")  # what a shell and dotenv leave as it is


def new_values(present: dict[str, str]) -> dict[str, str]:
    """The settings .dev.vars lacks, freshly generated."""
    values: dict[str, str] = {}
    if "API_KEY" not in present:
        values["API_KEY"] = secrets.token_urlsafe(32)
    if "SIGNING_KEYS" not in present:
        values["SIGNING_KEYS"] = f"dev:{secrets.token_urlsafe(48)}"
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


def unquoted_signing_keys(line: str) -> str | None:
    """An earlier version's `SIGNING_KEYS='{"dev": "..."}'` line in the unquoted form, or None
    (any other line, or keys the unquoted form cannot carry)."""
    name, _, value = line.partition("=")
    if name != "SIGNING_KEYS" or not (value.startswith("'{") and value.endswith("}'")):
        return None
    try:
        keys = json.loads(value[1:-1])
    except ValueError:
        return None
    if not isinstance(keys, dict) or not keys:
        return None
    pairs = [f"{kid}:{secret}" for kid, secret in keys.items()]
    if not all(SHELL_SAFE.fullmatch(pair) for pair in pairs):
        return None
    return f"SIGNING_KEYS={','.join(pairs)}"


def main(path: Path = PATH) -> None:
    present = read(path)
    added = new_values(present)
    text = path.read_text() if path.exists() else HEADER
    lines = [unquoted_signing_keys(line) or line for line in text.splitlines()]
    rewritten = "\n".join(lines) + "\n" if lines else ""
    if added or rewritten != text:
        rewritten += "".join(f"{name}={value}\n" for name, value in added.items())
        path.write_text(rewritten)
        path.chmod(0o600)
    if added:
        print(f"{'Created' if not present else 'Added to'} .dev.vars: {', '.join(added)}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else PATH)

"""Create .dev.vars for local development on first run: a random full-access API_KEY and a
full-access S3 key pair (S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY); a .dev.vars from before
the S3 surface gets the pair added. Prints what `make dev` serves with."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / ".dev.vars"
HEADER = "# Local secrets for `make dev` (never commit this file)\n"
KEY_ID_ALPHABET = string.ascii_uppercase + string.digits


def new_values(present: dict[str, str]) -> dict[str, str]:
    """The settings .dev.vars lacks, freshly generated."""
    values: dict[str, str] = {}
    if "API_KEY" not in present:
        values["API_KEY"] = secrets.token_urlsafe(32)
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
                found[name.strip()] = value.strip()
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
            f"S3 key pair (endpoint_url=http://127.0.0.1:8787/api/s3): "
            f"{values['S3_ACCESS_KEY_ID']} / {values.get('S3_SECRET_ACCESS_KEY', '(not set)')}"
        )


if __name__ == "__main__":
    main()

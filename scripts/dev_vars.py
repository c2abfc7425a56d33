"""Create .dev.vars with a random API_KEY for local development, unless it already exists."""

from __future__ import annotations

import secrets
from pathlib import Path

PATH = Path(__file__).resolve().parent.parent / ".dev.vars"


def main() -> None:
    if PATH.exists():
        for line in PATH.read_text().splitlines():
            if line.startswith("API_KEY="):
                print(f"API key (from .dev.vars): {line.split('=', 1)[1].strip()}")
        return
    key = secrets.token_urlsafe(32)
    PATH.write_text(f"# Local secrets for `make dev` (never commit this file)\nAPI_KEY={key}\n")
    PATH.chmod(0o600)
    print(f"Created .dev.vars. API key: {key}")


if __name__ == "__main__":
    main()

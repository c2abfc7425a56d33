"""`make reindex`: rebuild the object index (D1) from a listing of the bucket, one page of 1,000
keys per request to POST /api/v1/stats/reindex (docs/events.md, "Rebuilding the index").

Run it after enabling events on a bucket that already holds objects, or after index messages
were dead-lettered (the consumer's log says so). Objects written while it runs are kept.

    R2GATE_URL=https://r2gate.example.com R2GATE_API_KEY=<full-access key> make reindex

Without them it targets `make dev` (http://127.0.0.1:8787, API_KEY from .dev.vars). The key
must be allowed to list and write the whole bucket.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scripts.dev_vars import PATH as DEV_VARS  # noqa: E402
from scripts.dev_vars import read as read_dev_vars  # noqa: E402

MAX_PAGES = 1_000_000


def page(url: str, api_key: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(  # noqa: S310 (the operator's own URL)
        f"{url}/api/v1/stats/reindex",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def main() -> int:
    url = os.environ.get("R2GATE_URL", "http://127.0.0.1:8787").rstrip("/")
    api_key = os.environ.get("R2GATE_API_KEY") or read_dev_vars(DEV_VARS).get("API_KEY")
    if not api_key:
        print("reindex: set R2GATE_API_KEY (or run make dev once for .dev.vars)", file=sys.stderr)
        return 2
    body: dict[str, Any] = {}
    indexed = 0
    for number in range(1, MAX_PAGES + 1):
        try:
            answer = page(url, api_key, body)
        except urllib.error.HTTPError as error:
            print(f"reindex: page {number} failed: {error.code} {error.read()[:300]!r}")
            return 1
        except OSError as error:
            print(f"reindex: {url} unreachable: {error}", file=sys.stderr)
            return 1
        indexed += answer["indexed"]
        print(f"reindex: page {number}: {indexed} objects indexed", flush=True)
        if answer["done"]:
            print("reindex: done")
            return 0
        body = {name: answer[name] for name in ("cursor", "after", "started")}
    return 1


if __name__ == "__main__":
    sys.exit(main())

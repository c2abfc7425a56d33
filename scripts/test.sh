#!/usr/bin/env bash
# Every check, offline: lint, types, unit tests (CPython), the local Pyodide bundle recipe, HTTP
# and client tests against `wrangler dev` on workerd, the browser uploader in headless Chromium,
# and a wrangler dry-run deploy. Fails on the first error.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export WRANGLER_SEND_METRICS=false
started=$(date +%s)
step() { printf '\n== %s\n' "$*"; }

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .

step "mypy: the Worker (src/) and the client (clients/python/)"
.venv/bin/mypy

step "pytest: unit, local recipe, HTTP, client, browser (on wrangler dev)"
.venv/bin/pytest tests

step "wrangler deploy --dry-run"
wrangler deploy --dry-run --outdir .wrangler/dry-run 2>&1 | tail -n 5

printf '\nmake test: all checks passed in %ss\n' "$(( $(date +%s) - started ))"

#!/usr/bin/env bash
# Every check, offline: lint, types, the uploader's JavaScript (Node), unit tests (CPython), the
# local Pyodide bundle recipe, HTTP and client tests against `wrangler dev` on workerd, the
# browser uploader in headless Chromium, and a wrangler dry-run deploy. Fails on the first error.
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

step "JavaScript: node --check on the uploader's modules, node --test tests/js"
for module in public/api/v1/*.js; do node --check "$module"; done
node --test --test-reporter=spec "tests/js/*.test.js"

step "pytest: unit, local recipe, HTTP, client, browser (on wrangler dev)"
.venv/bin/pytest tests

step "wrangler deploy --dry-run: the Worker's modules and the static assets (public/)"
wrangler deploy --dry-run --outdir .wrangler/dry-run 2>&1 |
  grep -E 'Total \(|from the assets directory|Total Upload|exiting now'

printf '\nmake test: all checks passed in %ss\n' "$(( $(date +%s) - started ))"

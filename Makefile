# r2gate: `make dev` serves the Worker with `wrangler dev`, `make test` runs every test offline.
SHELL := /bin/bash
PORT ?= 8787
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.8
NODE_BIN := $(CURDIR)/node_modules/.bin
export PATH := $(NODE_BIN):$(PATH)

.PHONY: dev test install browser pyodide-wheels lint format unit local-test http-test dry-run bench reindex clean

# `wrangler dev` on workerd: Cloudflare's Pyodide bundle when its host answers, else the local
# dev bundle (scripts/wrangler_dev.py says which; PYODIDE_BUNDLE=local|cloudflare forces one).
dev: install
	@$(PY) scripts/dev_vars.py
	@$(PY) scripts/wrangler_dev.py --ip 127.0.0.1 --port $(PORT) --test-scheduled

test: install browser pyodide-wheels
	@scripts/test.sh

install: node_modules/.installed $(VENV)/.installed python_modules/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(VENV)/.installed: pyproject.toml clients/python/pyproject.toml uv.lock
	@test -x $(VENV)/bin/uv || (python3 -m venv $(VENV) && $(VENV)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION))
	$(VENV)/bin/uv sync --frozen --inexact --quiet
	@touch $@

python_modules/.installed: pyproject.toml $(VENV)/.installed
	$(PY) scripts/vendor_sdk.py
	@touch $@

# Debian's chromium for the browser uploader test (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

# Wheels for the client's test under Pyodide in Chromium (tests/browser/test_pyodide_client.py):
# micropip and pyodide-http from PyPI (hashed), and r2gate-client built from clients/python.
# Fetched here so that the test itself runs offline.
WHEELS := .wrangler/browser-wheels
CLIENT_SOURCES := $(shell find clients/python/src -name '*.py') clients/python/pyproject.toml
pyodide-wheels: $(WHEELS)/.micropip $(WHEELS)/.client

$(WHEELS)/.micropip: tests/browser/pyodide-wheels.txt $(VENV)/.installed
	$(PY) -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
	  --python-version 3.14 --require-hashes -r $< -d $(WHEELS)
	@touch $@

$(WHEELS)/.client: $(CLIENT_SOURCES) $(VENV)/.installed
	rm -f $(WHEELS)/r2gate_client-*.whl
	$(VENV)/bin/uv build --quiet --wheel --out-dir $(WHEELS) clients/python
	@touch $@

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

unit: install
	$(VENV)/bin/pytest tests/unit

local-test: install
	$(VENV)/bin/pytest tests/local

http-test: install
	$(VENV)/bin/pytest tests/http

dry-run: install
	wrangler deploy --dry-run --outdir .wrangler/dry-run

bench: install
	$(PY) bench/run.py

# Rebuild the object index (D1) from a listing of the bucket: after enabling events on a bucket
# that already holds objects, or after index messages were dead-lettered (docs/events.md).
# R2GATE_URL and R2GATE_API_KEY name the server (default: make dev's, with .dev.vars' key).
reindex: install
	$(PY) scripts/reindex.py

clean:
	rm -rf node_modules $(VENV) python_modules .wrangler/dry-run

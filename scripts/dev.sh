#!/usr/bin/env bash
# Serve the Worker on http://127.0.0.1:$PORT: real `wrangler dev` when it can start (it
# downloads the Pyodide bundle at every start), else the offline runtime. RUNTIME=local|wrangler
# forces one.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
export WRANGLER_SEND_METRICS=false
PORT="${PORT:-8787}"
RUNTIME="${RUNTIME:-auto}"
BUNDLE_HOST="pyodide-capnp-bin.edgeworker.net"

if [ "$RUNTIME" = auto ]; then
  if timeout 3 getent hosts "$BUNDLE_HOST" >/dev/null 2>&1; then RUNTIME=wrangler; else RUNTIME=local; fi
  why="($BUNDLE_HOST $([ "$RUNTIME" = wrangler ] && echo reachable || echo unreachable))"
else
  why="(RUNTIME=$RUNTIME)"
fi

case "$RUNTIME" in
  wrangler)
    echo "r2gate: serving with wrangler dev $why"
    exec wrangler dev --ip 127.0.0.1 --port "$PORT" --test-scheduled ;;
  local)
    echo "r2gate: serving with the offline runtime $why"
    exec node runtime/main.mjs --host 127.0.0.1 --port "$PORT" --test-scheduled ;;
  *)
    echo "RUNTIME must be local or wrangler (got '$RUNTIME')" >&2; exit 2 ;;
esac

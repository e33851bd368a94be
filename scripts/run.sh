#!/usr/bin/env bash
# `make run`: every service and the gateway under honcho, then the demo city seeded and the
# addresses and demo logins printed. Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
export SP_LOG_FORMAT="${SP_LOG_FORMAT:-console}"

$PY -m honcho -f Procfile start &
honcho_pid=$!
trap 'kill -INT "$honcho_pid" 2>/dev/null; wait "$honcho_pid" 2>/dev/null; exit 0' INT TERM

if ! $PY -m demo.seed --wait 90; then
  echo "seeding the demo city failed; the platform keeps running" >&2
fi
wait "$honcho_pid"

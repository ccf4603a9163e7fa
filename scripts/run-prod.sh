#!/usr/bin/env bash
# The production layout on this machine (docs/production.md): nginx on PUBLIC_HOST:PUBLIC_PORT
# (127.0.0.1:8080) in front of 2 Rasa servers, 2 action servers and the web app, with
# PostgreSQL (DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/pharmabot) and Redis
# (REDIS_HOST:REDIS_PORT, DB REDIS_DB). Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
exec .venv/bin/python -m bot prod "$@"

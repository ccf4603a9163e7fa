#!/usr/bin/env bash
# Starts the action server (:5055), the Rasa server (:5005, REST + socket.io) and the web
# app (:8000: widget demo page and consultant inbox), all on 127.0.0.1; Ctrl-C stops
# everything it started. The public entry is a reverse proxy in front (docs/security.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

pids=()
stop() {
  trap - INT TERM EXIT
  echo; echo "Stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap stop INT TERM EXIT

wait_for() {  # wait_for NAME URL SECONDS
  for _ in $(seq "$3"); do
    curl -fsS "$2" >/dev/null 2>&1 && { echo "  $1 is up: $2"; return 0; }
    sleep 1
  done
  echo "ERROR: $1 did not answer at $2 (see var/log/)" >&2; return 1
}

mkdir -p var/log
# the secrets the servers share; .env may set them, else a fresh one per run
export ACTION_SERVER_SECRET="${ACTION_SERVER_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}"
export SESSION_SECRET="${SESSION_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}"
export CHAT_PUSH_SECRET="${CHAT_PUSH_SECRET:-$(.venv/bin/python -c 'import secrets; print(secrets.token_hex(24))')}"
# every server listens on BIND_HOST (127.0.0.1); Rasa's HTTP API is on only with RASA_API_TOKEN
.venv/bin/python -m bot actions >var/log/actions.log 2>&1 &
pids+=($!)
.venv/bin/python -m bot rasa --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" >var/log/rasa.log 2>&1 &
pids+=($!)
if [ -f bot/web/__init__.py ]; then
  .venv/bin/python -m bot web >var/log/web.log 2>&1 &
  pids+=($!)
fi

wait_for "action server" "http://localhost:${ACTION_PORT:-5055}/health" 120
wait_for "Rasa server" "http://localhost:${RASA_PORT:-5005}/" 180
if [ -f bot/web/__init__.py ]; then
  wait_for "web app" "http://localhost:${INBOX_PORT:-8000}/healthz" 60
  echo "  demo page with the chat widget: http://localhost:${INBOX_PORT:-8000}/"
  echo "  consultant inbox:               http://localhost:${INBOX_PORT:-8000}/inbox"
fi
cat <<MSG

Ready. Try:
  curl -s -XPOST http://localhost:${RASA_PORT:-5005}/webhooks/rest/webhook \\
       -H 'Content-Type: application/json' \\
       -d '{"sender": "t1", "message": "how common are infusion reactions with ocrevus"}'
Logs are in var/log/. Press Ctrl-C to stop.
MSG
wait -n "${pids[@]}" || true
echo "A process stopped; see var/log/." >&2

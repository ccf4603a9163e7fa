#!/usr/bin/env bash
# Starts the action server (:5055), the Rasa server (:5005, REST + socket.io) and the web
# app (:8000: widget demo page and consultant inbox); Ctrl-C stops everything it started.
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
.venv/bin/rasa run actions --actions actions --port "${ACTION_PORT:-5055}" >var/log/actions.log 2>&1 &
pids+=($!)
.venv/bin/rasa run --enable-api --cors "*" --port "${RASA_PORT:-5005}" \
  --model models/current.tar.gz --endpoints "${RASA_ENDPOINTS:-endpoints.yml}" \
  --credentials credentials.yml >var/log/rasa.log 2>&1 &
pids+=($!)
if [ -f bot/web/__init__.py ]; then
  .venv/bin/python -m bot web >var/log/web.log 2>&1 &
  pids+=($!)
fi

wait_for "action server" "http://localhost:${ACTION_PORT:-5055}/health" 120
wait_for "Rasa server" "http://localhost:${RASA_PORT:-5005}/status" 180
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

#!/usr/bin/env bash
# Start the action server (+ web chat demo page) and the Rasa server (REST, socket.io, Slack, Telegram)
# on localhost, then chat in the terminal.
# Ctrl-D or /quit ends the chat and stops both servers. Logs go to var/logs/.
set -euo pipefail
cd "$(dirname "$0")/.."
export RASA_TELEMETRY_ENABLED=false HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 SQLALCHEMY_SILENCE_UBER_WARNING=1
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
# What the browser and the answers use to reach the two servers (see README, "Configuration").
export RASA_URL="${RASA_URL:-http://127.0.0.1:$RASA_PORT}"
export HELP_CENTER_URL="${HELP_CENTER_URL:-http://127.0.0.1:$ACTIONS_PORT/help/}"
mkdir -p var/logs
# RASA_TOKEN, ACTION_SERVER_TOKEN and WEBCHAT_ORIGINS (generated once into var/secrets.env).
source scripts/secrets.sh
IFS=, read -r -a origins <<< "$WEBCHAT_ORIGINS"

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for() {  # wait_for URL NAME LOG PID
  for _ in $(seq 1 180); do
    if curl -fsS "$1" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$4" 2>/dev/null; then
      echo "error: the $2 stopped while starting; last lines of $3:" >&2; tail -n 20 "$3" >&2; exit 1
    fi
    sleep 1
  done
  echo "error: the $2 did not answer at $1 within 180 s; see $3" >&2; exit 1
}

echo "==> starting the action server on http://127.0.0.1:$ACTIONS_PORT (log: var/logs/actions.log)"
.venv/actions/bin/python -m actions.server --port "$ACTIONS_PORT" > var/logs/actions.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$ACTIONS_PORT/health" "action server" var/logs/actions.log "${pids[-1]}"

endpoints=endpoints.yml
if [ "$ACTIONS_PORT" != 5055 ]; then  # endpoints.yml names the default port
  endpoints=var/endpoints.yml
  sed "s#localhost:5055#localhost:$ACTIONS_PORT#" endpoints.yml > "$endpoints"
fi
echo "==> starting the Rasa server on http://127.0.0.1:$RASA_PORT (log: var/logs/rasa.log)"
.venv/rasa/bin/rasa run --enable-api --auth-token="$RASA_TOKEN" --cors "${origins[@]}" \
  --port "$RASA_PORT" --interface 127.0.0.1 --credentials credentials.yml --endpoints "$endpoints" \
  > var/logs/rasa.log 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$RASA_PORT/status?token=$RASA_TOKEN" "Rasa server" var/logs/rasa.log "${pids[-1]}"

echo "==> ready: REST at http://127.0.0.1:$RASA_PORT/webhooks/rest/webhook, socket.io at http://127.0.0.1:$RASA_PORT/socket.io"
echo "==> web chat: open http://127.0.0.1:$ACTIONS_PORT/webchat/ in a browser (the demo store page with the chat widget)"
echo "==> Rasa's HTTP API and REST channel need RASA_TOKEN (kept in var/secrets.env; browsers allowed from: $WEBCHAT_ORIGINS)"
if [ -t 0 ]; then
  .venv/actions/bin/python scripts/chat.py --url "http://127.0.0.1:$RASA_PORT"
else
  echo "(no terminal attached: servers keep running until stopped)"
  wait
fi

#!/usr/bin/env bash
# Sets everything up and starts wastechain on SQLite with demo data: ./scripts/run.sh [port]
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
PORT=${1:-${PORT:-5000}}
mkdir -p instance
# The key file every flask command and the cron script read too when SECRET_KEY is not in the environment.
if [ -z "${SECRET_KEY:-}" ] && [ ! -f instance/secret_key ]; then
  (umask 077; .venv/bin/python -c "import secrets; print(secrets.token_hex(32))" > instance/secret_key)
fi
export PUBLIC_BASE_URL=${PUBLIC_BASE_URL:-http://127.0.0.1:$PORT}
.venv/bin/flask --app app db upgrade
.venv/bin/flask --app app seed-demo
echo
echo "wastechain is starting at $PUBLIC_BASE_URL  (API: $PUBLIC_BASE_URL/api/v1/docs)"
echo "log in at $PUBLIC_BASE_URL/login with any account above; stop with Ctrl-C"
exec .venv/bin/gunicorn --bind "0.0.0.0:$PORT" --workers 2 --threads 4 --access-logfile - app:app

#!/usr/bin/env bash
# Sets everything up and runs the whole test suite on SQLite, then on PostgreSQL: ./scripts/test.sh [pytest args]
# A missing PostgreSQL server or Chromium fails the run; nothing is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh dev
# Debian's Chromium drives the browser tests; WenQuanYi Micro Hei is the CJK font embedded in PDF labels.
missing=""
[ -x /usr/bin/chromium ] || missing="$missing chromium"
[ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing="$missing fonts-wqy-microhei"
if [ -n "$missing" ]; then
  echo "installing$missing…"
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get install -y -q $missing >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q $missing >/dev/null; }
fi
PG_URL=${PG_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "starting PostgreSQL…"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
export PYTHONDONTWRITEBYTECODE=1
echo "== layering contracts (import-linter, .importlinter) =="
.venv/bin/lint-imports --no-cache
# Two workers: the machines have two cores; each worker gets its own database (tests/conftest.py).
WORKERS=${PYTEST_WORKERS:-2}
echo "== tests on SQLite =="
.venv/bin/python -m pytest -q -n "$WORKERS" "$@"
echo "== tests on PostgreSQL =="
TEST_DATABASE_URL="$PG_URL" .venv/bin/python -m pytest -q -n "$WORKERS" "$@"

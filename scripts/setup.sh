#!/usr/bin/env bash
# Creates .venv and installs the locked requirements (runtime, or with "dev" the test tools too), hash-checked.
# The .lock files are compiled from requirements*.txt: pip-compile --generate-hashes --allow-unsafe --strip-extras
# --no-emit-index-url --no-emit-trusted-host --no-emit-find-links -o requirements[-dev].lock requirements[-dev].txt
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
lock=requirements.lock
[ "${1:-}" = "dev" ] && lock=requirements-dev.lock
stamp=".venv/.installed-$(sha1sum requirements.lock requirements-dev.lock | sha1sum | cut -c1-12)-$lock"
if [ ! -f "$stamp" ]; then
  echo "installing $lock (hash-checked)…"
  .venv/bin/python -m pip install -q --disable-pip-version-check --require-hashes -r "$lock"
  .venv/bin/python -c "import flask, sqlalchemy, alembic, flask_smorest, psycopg, qrcode, reportlab"
  touch "$stamp"
fi

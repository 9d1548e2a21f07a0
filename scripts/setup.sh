#!/usr/bin/env bash
# Creates .venv and installs the pinned requirements (runtime, or with "dev" the test tools too).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
req=requirements.txt
[ "${1:-}" = "dev" ] && req=requirements-dev.txt
stamp=".venv/.installed-$(sha1sum requirements.txt requirements-dev.txt | sha1sum | cut -c1-12)-$req"
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip 2>&1 | grep -v "^WARNING" || true
  .venv/bin/python -m pip install -q --disable-pip-version-check -r "$req" 2>&1 | grep -v "^WARNING" || true
  .venv/bin/python -c "import flask, sqlalchemy, alembic, flask_smorest, psycopg, qrcode, reportlab" 
  touch "$stamp"
fi

#!/usr/bin/env python
"""Cron entry point: reconcile yesterday (Asia/Shanghai), or --date YYYY-MM-DD.

    15 1 * * *  cd /srv/wastechain && .venv/bin/python scripts/reconcile_daily.py >> /var/log/wastechain/reconcile.log

Exit status 0 when the run completed (anomalies found or not), 1 when it failed.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wastechain import create_app  # noqa: E402
from wastechain.cli_reconcile import reconcile  # noqa: E402
from wastechain.settings import SettingsError  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--date", default=None, help="YYYY-MM-DD (default: yesterday in Asia/Shanghai)")
    try:
        app = create_app()
    except SettingsError as error:
        sys.exit(f"wastechain cannot start: {error}")
    sys.exit(reconcile(app, parser.parse_args().date))

#!/usr/bin/env python
"""Write a synthetic Quzhou into DATABASE_URL: six counties, weeks of manifests, a known set of injected faults.

Every manifest goes through the services (wastechain.devdata.synthetic), about ten a second on SQLite:

    python scripts/generate_city.py --start 2026-03-01 --days 46 --per-day 20
    python scripts/generate_city.py --start 2026-01-01 --days 90 --per-day 50 --no-faults
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from wastechain import create_app  # noqa: E402
from wastechain.cli_reconcile import generate  # noqa: E402

if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--start", required=True)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--per-day", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-faults", action="store_true")
    args = parser.parse_args()
    sys.exit(generate(create_app(), start=args.start, days=args.days, per_day=args.per_day, seed=args.seed,
                      faults=not args.no_faults))

"""Reconciliation benchmark on PostgreSQL (not a timed test).

A day of 30,000 manifests on top of 1,000,000 and then 3,000,000 manifests of history: the reconciliation time of
that day for each, their ratio (target ≤ 1.5: history must not cost), the ratio to one sequential
SELECT count(*) over the events table, and the peak memory of the reconciling process (target ≤ 300 MB).

    createdb -h 127.0.0.1 -U postgres wc_bench
    python benchmarks/bench_reconcile.py --url postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench run
    dropdb -h 127.0.0.1 -U postgres wc_bench

Each measurement runs in a fresh process so its ru_maxrss is the reconciliation's alone.
"""
import argparse
import json
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, text  # noqa: E402

from wastechain import schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import make_engine, make_session_factory  # noqa: E402
from wastechain.domain.anomalies import Thresholds  # noqa: E402
from wastechain.models import Anomaly, DaySeal, ReceiverIntake  # noqa: E402
from wastechain.services.reconciliation import run_reconciliation  # noqa: E402
from wastechain.services.synthetic import CityPlan, generate_city  # noqa: E402

DAY = date(2026, 6, 15)
PER_DAY = 1300  # history density: < 1,000,000 manifests per city and year (the 6-digit serial)
SECRET = "bench-secret"


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def _progress(label, done, total):
    log(f"  {label}: {done}/{total}")


def load(engine, *, start: date, days: int, per_day: int, tail_until: date | None, seed: int) -> None:
    started = time.perf_counter()
    with engine.begin() as connection:
        city = generate_city(connection, CityPlan(start=start, days=days, manifests_per_day=per_day, seed=seed,
                                                  faults=False, producers=4000, tail_until=tail_until),
                             progress=_progress)
    log(f"loaded {city.manifests:,} manifests, {city.events:,} events in {time.perf_counter() - started:.0f} s")
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Statistics for every table, as autovacuum keeps them in production (without them the planner may
        # start from a whole table instead of the day's events).
        connection.execute(text("VACUUM ANALYZE"))


def peak_rss_kb() -> int:
    """This process's own peak RSS. Not getrusage's ru_maxrss: Linux keeps that across execve, so a child forked
    from the loader (hundreds of MB after a bulk load) would report the loader's memory as its own."""
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))


def measure(url: str, day: date) -> dict:
    """Runs in its own process: reconcile `day` (fresh), then one sequential count(*) of the events."""
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as session:
        session.execute(delete(Anomaly).where(Anomaly.day == day))
        session.execute(delete(ReceiverIntake).where(ReceiverIntake.day == day))
        session.execute(delete(DaySeal).where(DaySeal.day == day))
        session.commit()
    now = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    with sessions() as session:
        started = time.perf_counter()
        summary = run_reconciliation(session, day=day, now=now, thresholds=Thresholds(), secret=SECRET)
        seconds = time.perf_counter() - started
    with engine.connect() as connection:
        connection.execute(text("SET max_parallel_workers_per_gather = 0"))
        started = time.perf_counter()
        events = connection.execute(text("SELECT count(*) FROM manifest_event")).scalar()
        count_s = time.perf_counter() - started
        manifests = connection.execute(text("SELECT count(*) FROM manifest")).scalar()
    return {"reconcile_s": round(seconds, 2), "count_s": round(count_s, 3), "events": events,
            "manifests": manifests, "peak_rss_mb": round(peak_rss_kb() / 1024, 1),
            "summary": summary.as_dict()}


def measured(url: str, day: date) -> dict:
    output = subprocess.run([sys.executable, __file__, "--url", url, "measure", "--day", day.isoformat()],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def warm_up(url: str, day: date) -> None:
    """Reconciles the day before (untimed): it backfills the year's receiver intake, as nightly runs would have."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        run_reconciliation(session, day=day, now=datetime.now(timezone.utc), thresholds=Thresholds(), secret=SECRET)


def more(url: str, history: int, more_history: int) -> None:
    """Adds older history to a database that `run --more-history 0` built, then measures again."""
    engine = make_engine(url)
    days = history // PER_DAY
    more_days = more_history // PER_DAY
    log(f"history 2: {more_days} more days × {PER_DAY} manifests, earlier")
    load(engine, start=DAY - timedelta(days=days + more_days), days=more_days, per_day=PER_DAY,
         tail_until=DAY - timedelta(days=days - 60), seed=3)
    second = measured(url, DAY)
    log("with history 2:", json.dumps(second, ensure_ascii=False))


def run(url: str, history: int, more_history: int, day_size: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
    days = history // PER_DAY
    log(f"history 1: {days} days × {PER_DAY} manifests before {DAY}")
    load(engine, start=DAY - timedelta(days=days), days=days, per_day=PER_DAY, tail_until=DAY, seed=1)
    log(f"the day: {day_size:,} manifests on {DAY}")
    load(engine, start=DAY, days=1, per_day=day_size, tail_until=DAY, seed=2)
    warm_up(url, DAY - timedelta(days=1))
    first = measured(url, DAY)
    log("with history 1:", json.dumps(first, ensure_ascii=False))
    if more_history:
        more_days = more_history // PER_DAY
        log(f"history 2: {more_days} more days × {PER_DAY} manifests, earlier")
        load(engine, start=DAY - timedelta(days=days + more_days), days=more_days, per_day=PER_DAY,
             tail_until=DAY - timedelta(days=days - 60), seed=3)
        second = measured(url, DAY)
        log("with history 2:", json.dumps(second, ensure_ascii=False))
        report(first, second)
    else:
        report(first, None)


def report(first: dict, second: dict | None) -> None:
    print("\n| history manifests | events | reconcile (s) | seq count(*) (s) | ratio to count | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for row in filter(None, (first, second)):
        print(f"| {row['manifests']:,} | {row['events']:,} | {row['reconcile_s']} | {row['count_s']} | "
              f"{row['reconcile_s'] / row['count_s']:.1f} | {row['peak_rss_mb']} |")
    if second:
        print(f"\nratio (bigger history / smaller): {second['reconcile_s'] / first['reconcile_s']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--history", type=int, default=1_000_000)
    r.add_argument("--more-history", type=int, default=2_000_000)
    r.add_argument("--day-size", type=int, default=30_000)
    mo = sub.add_parser("more")
    mo.add_argument("--history", type=int, default=1_000_000)
    mo.add_argument("--more-history", type=int, default=2_000_000)
    m = sub.add_parser("measure")
    m.add_argument("--day", type=date.fromisoformat, default=DAY)
    args = parser.parse_args()
    if args.command == "run":
        run(args.url, args.history, args.more_history, args.day_size)
    elif args.command == "more":
        more(args.url, args.history, args.more_history)
    else:
        print(json.dumps(measure(args.url, args.day), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

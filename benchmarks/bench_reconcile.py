"""Reconciliation benchmark on PostgreSQL (not a timed test).

A day of 30,000 manifests on top of 1,000,000 and then 3,000,000 manifests of history: the reconciliation time of
that day for each, their ratio (target ≤ 1.5: history must not cost), the ratio to one sequential
SELECT count(*) over the events table, and the peak memory of the reconciling process (target ≤ 300 MB).

    createdb -h 127.0.0.1 -U postgres wc_bench
    python benchmarks/bench_reconcile.py --url postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench run
    dropdb -h 127.0.0.1 -U postgres wc_bench

Each measurement prints the time and the candidate rows of every part of the run ("checks"), and the report a
table of them. To measure one day on two histories repeatedly (e.g. before and after a change), build the smaller
one with `run --more-history 0`, copy it (`CREATE DATABASE big TEMPLATE small`), grow the copy with
`more --history H --more-history H2`, then `--url …/small compare --big-url …/big --repeat 3` alternates fresh
measuring processes between them and reports the median run of each.

A quick check that it runs: `run --history 2000 --more-history 2000 --day-size 400 --seed-per-day 12`.
Each measurement runs in a fresh process so its peak memory is the reconciliation's alone.

How the data is built. Millions of manifests cannot go through the services one request at a time, so:
1. The seed is real: the SEED_DAYS days ending on the measured day, --seed-per-day manifests a day, written by the
   synthetic city of wastechain.devdata through the services (state machine, hashing, rules, run-time checks).
2. The history is cloned: the manifests issued on the seed's first SOURCE_DAYS days (all closed and paid by then)
   are copied with SQL into the days before the seed, PER_DAY a day — manifests with their lines, batches, events
   and payments, new ids, every time shifted by the same whole number of days.
3. The day is cloned and re-sealed: the seed's manifests of the measured day are copied up to --day-size, each copy
   with new ids and vehicles of its own. The night verifies every chain touched on its day, so these copies' event
   hashes are recomputed with the domain's event_hash and keyed with event_mac under the benchmark's key, the
   functions the services use; that is the only hashing the benchmark does.
4. The declarations that the cloned production calls for are filed through the anomalies service.

What is and is not valid in the clones:
- valid: every column the reconciliation reads (states, quantities, weights, times consistent within a manifest,
  sites, parties, payments, declarations), as the services wrote them for the originals;
- not valid: the history clones' event hashes, copied unchanged, so their chains do not verify. That is never
  checked: a night verifies only the manifests touched that day, and no history clone has an event on the warm-up
  or the measured day;
- placeholders: numbers and unit codes are "K" + the new id (unique, not real 联单 numbers or HJ 1276 codes), and the
  city's manifest serials do not count them;
- missing: the clones' lineage flows, disposal records and handover codes (the reconciliation reads none of them);
- the history clones of one day share the seed's vehicles at the same hours, so on paper those vehicles carry several
  loads at once; the overweight check looks only at the day's pickups, whose vehicles are their own.
"""
import argparse
import json
import math
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import column, delete, exists, func, select, table, text  # noqa: E402

from wastechain import schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import UTCDateTime, make_engine, make_session_factory  # noqa: E402
from wastechain.devdata import session_for  # noqa: E402
from wastechain.devdata.city import CityPlan, generate_city  # noqa: E402
from wastechain.domain.anomalies import Thresholds, day_window  # noqa: E402
from wastechain.domain.hashing import GENESIS_HASH, event_hash, event_mac  # noqa: E402
from wastechain.domain.keys import Keyring  # noqa: E402
from wastechain.domain.streams import HAZARDOUS_STREAMS  # noqa: E402
from wastechain.models import (Anomaly, Batch, DaySeal, Declaration, Manifest, ManifestEvent,  # noqa: E402
                               ManifestLine, Payment, User, Vehicle, WasteCode)
from wastechain.services.anomalies.payments import submit_declaration  # noqa: E402
from wastechain.services.reconciliation import run_reconciliation  # noqa: E402

DAY = date(2026, 6, 15)
PER_DAY = 1300  # history density: < 1,000,000 manifests per city and year (the 6-digit serial)
SEED_DAYS = 14  # real days ending on DAY: the tails of their manifests reach DAY, so their chains must verify
SOURCE_DAYS = 3  # the seed's first days, cloned into history: every manifest of them is closed and paid by DAY
SECRET = "bench-secret"
KEYS = Keyring.single(SECRET)
M, L, B, E, P, V = (t.__table__ for t in (Manifest, ManifestLine, Batch, ManifestEvent, Payment, Vehicle))


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def _progress(label, done, total):
    log(f"  {label}: {done}/{total}")


# ---------------------------------------------------------------- cloning with SQL

@dataclass
class Remap:
    """New ids for copies of a set of rows: copy i of row x gets x - lo + base + i × span (never an existing id)."""

    lo: int
    base: int
    span: int

    @classmethod
    def of(cls, connection, table, source: str) -> "Remap":
        lo, hi = connection.execute(text(f"SELECT min(id), max(id) FROM {source}")).one()
        top = connection.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar()
        return cls(lo, top + 1, hi - lo + 1)

    def sql(self, column: str) -> str:
        return f"({column} - {self.lo} + {self.base} + k.i * {self.span})"


def _copy(connection, table, source: str, overrides: dict[str, str]) -> int:
    """INSERT … SELECT: each row of `table` listed in `source`, once per row of the temp table k(i, shift)."""
    columns = [c.name for c in table.columns]
    values = [overrides.get(c.name, f"x.{c.name} - k.shift" if isinstance(c.type, UTCDateTime) else f"x.{c.name}")
              for c in table.columns]
    return connection.execute(text(
        f'INSERT INTO {table.name} ({", ".join(columns)}) SELECT {", ".join(values)} '
        f"FROM {table.name} x JOIN {source} s ON s.id = x.id CROSS JOIN k")).rowcount


def _sources(connection, manifests) -> None:
    """Temp tables of the rows to copy: the manifests given, their lines, batches, events and payments."""
    for name in ("src_m", "src_l", "src_b", "src_e", "src_p", "src_v", "k"):
        connection.execute(text(f"DROP TABLE IF EXISTS {name}"))
    connection.execute(text(f"CREATE TEMP TABLE src_m AS {manifests}"))
    connection.execute(text("CREATE TEMP TABLE src_l AS SELECT id FROM manifest_line "
                            "WHERE manifest_id IN (SELECT id FROM src_m)"))
    connection.execute(text("CREATE TEMP TABLE src_b AS SELECT DISTINCT batch_id AS id FROM manifest_line "
                            "WHERE id IN (SELECT id FROM src_l)"))
    connection.execute(text("CREATE TEMP TABLE src_e AS SELECT id FROM manifest_event "
                            "WHERE manifest_id IN (SELECT id FROM src_m)"))
    connection.execute(text("CREATE TEMP TABLE src_p AS SELECT id FROM payment "
                            "WHERE manifest_id IN (SELECT id FROM src_m)"))
    connection.execute(text("CREATE TEMP TABLE src_v AS SELECT DISTINCT vehicle_id AS id FROM manifest "
                            "WHERE id IN (SELECT id FROM src_m) AND vehicle_id IS NOT NULL"))


def _copy_manifests(connection, *, copies: str, vehicles: bool) -> tuple[int, Remap]:
    """Copies the source manifests with their batches and lines (and vehicles) once per row of `copies`."""
    connection.execute(text(f"CREATE TEMP TABLE k AS {copies}"))
    mb, mm, ml = (Remap.of(connection, t, s) for t, s in ((B, "src_b"), (M, "src_m"), (L, "src_l")))
    vehicle_id = "x.vehicle_id"
    if vehicles:  # each copy of the day gets vehicles of its own, or the copies would overload them on paper
        mv = Remap.of(connection, V, "src_v")
        _copy(connection, V, "src_v", {"id": mv.sql("x.id"), "plate": f"'K' || lpad({mv.sql('x.id')}::text, 9, '0')"})
        vehicle_id = mv.sql("x.vehicle_id")
    unit_code = f"'K' || lpad({mb.sql('x.id')}::text, 17, '0') || substr(x.unit_code, 19)"
    _copy(connection, B, "src_b", {"id": mb.sql("x.id"), "unit_code": unit_code})
    count = _copy(connection, M, "src_m", {"id": mm.sql("x.id"), "vehicle_id": vehicle_id,
                                           "number": f"'K' || lpad({mm.sql('x.id')}::text, 13, '0')"})
    _copy(connection, L, "src_l", {"id": ml.sql("x.id"), "manifest_id": mm.sql("x.manifest_id"),
                                   "batch_id": mb.sql("x.batch_id")})
    return count, mm


def _reset_sequences(connection) -> None:
    for table in (M, L, B, E, P, V):
        connection.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                                f"(SELECT max(id) FROM {table.name}))"))


def _source_manifests() -> str:
    first = day_window(DAY - timedelta(days=SEED_DAYS - 1)).start
    last = day_window(DAY - timedelta(days=SEED_DAYS - SOURCE_DAYS)).end
    return (f"SELECT id FROM manifest m WHERE issued_at >= '{first.isoformat()}' AND issued_at < '{last.isoformat()}' "
            "AND status = 'closed' AND number NOT LIKE 'K%' "
            "AND EXISTS (SELECT 1 FROM payment p WHERE p.manifest_id = m.id)")


def history_plan(connection, manifests: int) -> tuple[int, int]:
    """(copies per SOURCE_DAYS-day block for PER_DAY a day, blocks for `manifests`)."""
    per_copy = connection.execute(text(f"SELECT count(*) FROM ({_source_manifests()}) s")).scalar()
    if not per_copy:
        raise SystemExit("the seed has no closed and paid manifests to clone")
    replicas = max(1, round(PER_DAY * SOURCE_DAYS / per_copy))
    return replicas, math.ceil(manifests / (per_copy * replicas))


def clone_history(engine, *, first_block: int, blocks: int) -> int:
    """Blocks first_block … of cloned history: block b lies b × SOURCE_DAYS days before the seed's first days."""
    with engine.begin() as connection:
        replicas, _ = history_plan(connection, 1)
        _sources(connection, _source_manifests())
        copies = (f"SELECT (b - {first_block}) * {replicas} + r AS i, "
                  f"make_interval(days => b * {SOURCE_DAYS}) AS shift "
                  f"FROM generate_series({first_block}, {first_block + blocks - 1}) b, "
                  f"generate_series(0, {replicas - 1}) r")
        count, mm = _copy_manifests(connection, copies=copies, vehicles=False)
        me, mp = Remap.of(connection, E, "src_e"), Remap.of(connection, P, "src_p")
        _copy(connection, E, "src_e", {"id": me.sql("x.id"), "manifest_id": mm.sql("x.manifest_id")})
        _copy(connection, P, "src_p", {"id": mp.sql("x.id"), "manifest_id": mm.sql("x.manifest_id")})
        _reset_sequences(connection)
    return count


def clone_day(engine, size: int) -> int:
    """Copies the seed's manifests of DAY until the day holds `size`, re-sealing each copy's chain."""
    window = day_window(DAY)
    with engine.begin() as connection:
        _sources(connection, f"SELECT id FROM manifest WHERE issued_at >= '{window.start.isoformat()}' "
                             f"AND issued_at < '{window.end.isoformat()}' AND number NOT LIKE 'K%'")
        per_copy = connection.execute(text("SELECT count(*) FROM src_m")).scalar()
        copies = max(0, math.ceil(size / max(per_copy, 1)) - 1)
        if not copies:
            return 0
        count, mm = _copy_manifests(connection, vehicles=True, copies=f"SELECT i, interval '0' AS shift "
                                                                         f"FROM generate_series(0, {copies - 1}) i")
        events = connection.execute(select(E).where(E.c.id.in_(select(column("id")).select_from(table("src_e"))))
                                    .order_by(E.c.manifest_id, E.c.seq)).mappings().all()
        for i in range(copies):
            connection.execute(E.insert(), _resealed(events, lambda old: old - mm.lo + mm.base + i * mm.span))
        _reset_sequences(connection)
    return count


def _resealed(events, new_manifest_id) -> list[dict]:
    """The events of copied manifests: the same content under the new manifest ids, each chain hashed anew."""
    rows, previous = [], GENESIS_HASH
    for event in events:
        row = {name: value for name, value in event.items() if name != "id"}
        row["manifest_id"] = new_manifest_id(event["manifest_id"])
        row["prev_hash"] = GENESIS_HASH if event["seq"] == 1 else previous
        row["hash"] = previous = event_hash(row["prev_hash"], {name: row[name] for name in ManifestEvent.HASHED_FIELDS})
        row["mac"] = event_mac(KEYS, row["hash"])  # and keyed, as the service would
        rows.append(row)
    return rows


def declare(engine) -> int:
    """Files, through the anomalies service, every declaration due by DAY that the city's production calls for."""
    thresholds = Thresholds()
    local = func.timezone("Asia/Shanghai", Batch.generated_at)
    kinds = {"monthly": (func.to_char(local, "YYYY-MM"), WasteCode.category.in_(thresholds.bulk_industrial_categories)),
             "annual": (func.to_char(local, "YYYY"), WasteCode.stream.in_([s.value for s in HAZARDOUS_STREAMS]))}
    filed = 0
    with session_for(engine) as session:
        declarers = dict(session.execute(select(User.organization_id, User.id)
                                         .where(User.role.in_(("producer", "collector")))).all())
        for kind, (period, which) in kinds.items():
            declared = exists().where(Declaration.organization_id == Batch.organization_id,
                                      Declaration.period_kind == kind, Declaration.period == period)
            rows = session.execute(select(Batch.organization_id, period, func.sum(Batch.quantity_kg))
                                   .join(WasteCode, WasteCode.code == Batch.waste_code).where(which, ~declared)
                                   .group_by(Batch.organization_id, period).order_by(period)).all()
            for org, when, kg in rows:
                if kind == "monthly":
                    due = (date(int(when[:4]), int(when[5:]), 1) + timedelta(days=32)).replace(day=15)
                else:
                    due = date(int(when) + 1, 3, 31)
                if due > DAY or org not in declarers:
                    continue
                submit_declaration(session, actor=session.get(User, declarers[org]), period_kind=kind,
                                             period=when, generated_kg=kg,
                                             now=day_window(due - timedelta(days=3)).start + timedelta(hours=10))
                filed += 1
    return filed


def analyze(engine) -> None:
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        # Statistics for every table, as autovacuum keeps them in production (without them the planner may
        # start from a whole table instead of the day's events).
        connection.execute(text("VACUUM ANALYZE"))


# ---------------------------------------------------------------- measuring

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
        session.execute(delete(DaySeal).where(DaySeal.day == day))
        session.commit()
    now = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
    timings: dict = {}
    with sessions() as session:
        started = time.perf_counter()
        summary = run_reconciliation(session, day=day, now=now, thresholds=Thresholds(), secret=SECRET,
                                     timings=timings)
        seconds = time.perf_counter() - started
    with engine.connect() as connection:
        connection.execute(text("SET max_parallel_workers_per_gather = 0"))
        started = time.perf_counter()
        events = connection.execute(text("SELECT count(*) FROM manifest_event")).scalar()
        count_s = time.perf_counter() - started
        manifests = connection.execute(text("SELECT count(*) FROM manifest")).scalar()
    return {"reconcile_s": round(seconds, 2), "count_s": round(count_s, 3), "events": events,
            "manifests": manifests, "peak_rss_mb": round(peak_rss_kb() / 1024, 1),
            "summary": summary.as_dict(), "checks": timings}


def measured(url: str, day: date) -> dict:
    output = subprocess.run([sys.executable, __file__, "--url", url, "measure", "--day", day.isoformat()],
                            check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def warm_up(url: str, day: date) -> None:
    """Reconciles the day before (untimed): it backfills the year's receiver intake, as nightly runs would have."""
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        run_reconciliation(session, day=day, now=datetime.now(timezone.utc), thresholds=Thresholds(), secret=SECRET)


def add_history(engine, *, first_block: int, manifests: int) -> int:
    """Clones at least `manifests` of history (whole blocks) from `first_block` on; returns the next free block."""
    with engine.connect() as connection:
        replicas, blocks = history_plan(connection, manifests)
    started = time.perf_counter()
    count = clone_history(engine, first_block=first_block, blocks=blocks)
    first = DAY - timedelta(days=SEED_DAYS - 1 + (first_block + blocks - 1) * SOURCE_DAYS)
    log(f"cloned {count:,} manifests of history ({replicas} copies a day of the seed's first days), from {first}, "
        f"in {time.perf_counter() - started:.0f} s; declarations filed through the service: {declare(engine)}")
    analyze(engine)
    return first_block + blocks


def more(url: str, history: int, more_history: int) -> None:
    """Adds older history to a database that `run --more-history 0` built, then measures again."""
    engine = make_engine(url)
    with engine.connect() as connection:
        _, blocks = history_plan(connection, history)
    log(f"history 2: {more_history:,} more manifests, earlier")
    add_history(engine, first_block=1 + blocks, manifests=more_history)
    second = measured(url, DAY)
    log("with history 2:", json.dumps(second, ensure_ascii=False))


def run(url: str, history: int, more_history: int, day_size: int, seed_per_day: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
    log(f"seed: {SEED_DAYS} days × {seed_per_day} manifests through the services, to {DAY}")
    started = time.perf_counter()
    city = generate_city(engine, CityPlan(start=DAY - timedelta(days=SEED_DAYS - 1), days=SEED_DAYS,
                                          manifests_per_day=seed_per_day, faults=False, tail_until=DAY),
                         progress=_progress, keys=SECRET)
    log(f"seeded {city.manifests:,} manifests, {city.events:,} events in {time.perf_counter() - started:.0f} s")
    log(f"the day: {day_size:,} manifests on {DAY}")
    log(f"  {clone_day(engine, day_size):,} copied from the seed's own and re-sealed")
    log(f"history 1: {history:,} manifests before the seed")
    next_block = add_history(engine, first_block=1, manifests=history)
    warm_up(url, DAY - timedelta(days=1))
    first = measured(url, DAY)
    log("with history 1:", json.dumps(first, ensure_ascii=False))
    second = None
    if more_history:
        log(f"history 2: {more_history:,} more manifests, earlier")
        add_history(engine, first_block=next_block, manifests=more_history)
        second = measured(url, DAY)
        log("with history 2:", json.dumps(second, ensure_ascii=False))
    report(first, second)


def report(first: dict, second: dict | None) -> None:
    print("\n| history manifests | events | reconcile (s) | seq count(*) (s) | ratio to count | peak RSS (MB) |")
    print("|---|---|---|---|---|---|")
    for row in filter(None, (first, second)):
        print(f"| {row['manifests']:,} | {row['events']:,} | {row['reconcile_s']} | {row['count_s']} | "
              f"{row['reconcile_s'] / row['count_s']:.1f} | {row['peak_rss_mb']} |")
    if second:
        print(f"\nratio (bigger history / smaller): {second['reconcile_s'] / first['reconcile_s']:.2f}")
    print("\nper part of the run: seconds (candidate rows)")
    rows = [first] + ([second] if second else [])
    print("| part | " + " | ".join(f"{r['manifests']:,} manifests" for r in rows) + (" | ratio |" if second else " |"))
    print("|---" * (len(rows) + 1 + bool(second)) + "|")
    for part in first.get("checks", {}):
        cells = [f"{r['checks'][part][0]:.3f} ({r['checks'][part][1]})" for r in rows if part in r.get("checks", {})]
        ratio = ""
        if second and part in second.get("checks", {}):
            a, b = first["checks"][part][0], second["checks"][part][0]
            ratio = f" | {b / a:.2f}" if a >= 0.01 else " | —"
        print(f"| {part} | " + " | ".join(cells) + ratio + " |")


def compare(small: str, big: str, repeat: int) -> None:
    """Measures the same day on two databases built by `run` (the smaller history) and `more` (the bigger one),
    alternating, `repeat` times each; reports the median run of each."""
    firsts, seconds = [], []
    for i in range(repeat):
        firsts.append(measured(small, DAY))
        seconds.append(measured(big, DAY))
        log(f"round {i + 1}: {firsts[-1]['reconcile_s']} s / {seconds[-1]['reconcile_s']} s")

    def median(runs):
        return sorted(runs, key=lambda r: r["reconcile_s"])[len(runs) // 2]
    report(median(firsts), median(seconds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run")
    r.add_argument("--history", type=int, default=1_000_000)
    r.add_argument("--more-history", type=int, default=2_000_000)
    r.add_argument("--day-size", type=int, default=30_000)
    r.add_argument("--seed-per-day", type=int, default=100, help="manifests a day of the seed, through the services")
    mo = sub.add_parser("more")
    mo.add_argument("--history", type=int, default=1_000_000)
    mo.add_argument("--more-history", type=int, default=2_000_000)
    c = sub.add_parser("compare", help="measure the day on a smaller and a bigger history database, alternating")
    c.add_argument("--big-url", required=True)
    c.add_argument("--repeat", type=int, default=3)
    m = sub.add_parser("measure")
    m.add_argument("--day", type=date.fromisoformat, default=DAY)
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        parser.error("the clones are written with PostgreSQL's SQL: --url must be a postgresql+psycopg:// URL")
    if args.command == "run":
        run(args.url, args.history, args.more_history, args.day_size, args.seed_per_day)
    elif args.command == "compare":
        compare(args.url, args.big_url, args.repeat)
    elif args.command == "more":
        more(args.url, args.history, args.more_history)
    else:
        print(json.dumps(measure(args.url, args.day), ensure_ascii=False, default=str))


if __name__ == "__main__":
    main()

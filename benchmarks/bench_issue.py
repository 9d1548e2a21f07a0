"""Issue throughput against the size of the year's history (not a timed test): issue 14, item 4.

Issues manifests in-process through the service (services.manifests.issue.issue_manifest, every rule, the
lineage handler, one transaction each) to one receiver, on a database with H manifests of this year's history to
that receiver and on one with 3 × H, in alternating rounds, and prints issues per second, p50 and p95 for both
and their ratio. It also times
the query the running counter replaced (the year's sum of live manifests to the receiver, what every issue ran
under the receiver's lock before), at both sizes.

    createdb -h 127.0.0.1 -U postgres wc_bench_issue; createdb -h 127.0.0.1 -U postgres wc_bench_issue_3x
    python benchmarks/bench_issue.py --url postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench_issue \
        --big-url postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench_issue_3x --history 100000
    dropdb -h 127.0.0.1 -U postgres wc_bench_issue; dropdb -h 127.0.0.1 -U postgres wc_bench_issue_3x

Rerunning on the same databases reuses their history (it is only topped up to --history).

The history is written with SQL (closed manifests with one hazardous line each, planned earlier this year, to the
same receiver from the same producer; no events: an issue never reads another manifest's events); the counter is
then recomputed from it (capacity.rebuild), as migration 0014 does on an existing database. Each measured issue
takes 1 kg from a batch of its own, so the lineage of one batch does not grow across the run.
"""
import argparse
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text  # noqa: E402

from wastechain import schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import make_engine  # noqa: E402
from wastechain.domain.credit_code import make_credit_code  # noqa: E402
from wastechain.models import Batch, Organization, Permit, Site, User  # noqa: E402
from wastechain.services.manifests import capacity  # noqa: E402
from wastechain.services.manifests.issue import LineRequest, issue_manifest  # noqa: E402
from wastechain.services.wiring import session_factory  # noqa: E402
from wastechain.settings import Settings  # noqa: E402

CODE = "900-041-49"
KECHENG, QUJIANG = "330802", "330803"


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, flush=True)


def build_world(session) -> dict:
    """A producer in 柯城, a licensed receiver in 衢江 and a licensed transporter (once per database)."""
    existing = session.query(Organization).filter_by(name="基准产废单位").one_or_none()
    if existing:
        def one(name):
            return session.query(Organization).filter_by(name=name).one()
        producer, receiver, transporter = one("基准产废单位"), one("基准处置中心"), one("基准运输公司")
    else:
        orgs = []
        for i, (name, roles, region) in enumerate((("基准产废单位", ["producer"], KECHENG),
                                                   ("基准处置中心", ["receiver"], QUJIANG),
                                                   ("基准运输公司", ["transporter"], KECHENG)), start=1):
            org = Organization(name=name, credit_code=make_credit_code(region, f"8800{i:04d}"), region_code=region,
                               roles=roles)
            session.add(org)
            orgs.append(org)
        session.flush()
        producer, receiver, transporter = orgs
        session.add_all([
            Site(organization_id=producer.id, name="基准产废场所", kind="production", region_code=KECHENG,
                 lat=28.97, lon=118.87),
            Site(organization_id=receiver.id, name="基准处置场所", kind="facility", region_code=QUJIANG,
                 lat=28.98, lon=118.95),
            Permit(organization_id=receiver.id, number="BENCH-HW-OP", kind="hw_operation",
                   valid_from=datetime(2020, 1, 1).date(), valid_to=datetime(2035, 12, 31).date(),
                   waste_codes=["HW49", "HW08"], methods=["D10"], annual_capacity_kg=Decimal("1000000000")),
            Permit(organization_id=transporter.id, number="BENCH-HW-TR", kind="hw_transport",
                   valid_from=datetime(2020, 1, 1).date(), valid_to=datetime(2035, 12, 31).date(),
                   waste_codes=[], methods=[], annual_capacity_kg=None),
            User(username="bench_producer", password_hash="x", role="producer", organization_id=producer.id),
        ])
        session.commit()
    sites = {s.organization_id: s for s in session.query(Site).filter(
        Site.organization_id.in_([producer.id, receiver.id]))}
    user = session.query(User).filter_by(username="bench_producer").one()
    return {"producer": producer, "receiver": receiver, "transporter": transporter, "user": user,
            "origin": sites[producer.id], "destination": sites[receiver.id]}


def add_history(engine, world: dict, count: int, year_start: datetime, until: datetime) -> None:
    """`count` closed manifests of this year to the receiver, each with one hazardous line, written with SQL."""
    span = int((until - year_start).total_seconds())
    params = {"count": count, "producer": world["producer"].id, "origin": world["origin"].id,
              "receiver": world["receiver"].id, "destination": world["destination"].id,
              "transporter": world["transporter"].id, "user": world["user"].id, "code": CODE,
              "start": year_start, "span": span}
    with engine.begin() as connection:
        top = connection.execute(text("SELECT coalesce(max(id), 0) FROM manifest")).scalar()
        batch_id = connection.execute(text(
            "INSERT INTO batch (unit_code, organization_id, site_id, waste_code, quantity_kg, remaining_kg, status, "
            "generated_at, created_at) VALUES (:unit, :producer, :origin, :code, :grams, 0, 'shipped', :start, now()) "
            "RETURNING id"), {**params, "unit": f"HIST{top:033d}"[:37], "grams": count * 1000}).scalar()
        connection.execute(text(
            "INSERT INTO manifest (id, number, status, issuer_id, origin_site_id, origin_region_code, receiver_id, "
            "receiver_site_id, destination_region_code, transporter_id, planned_pickup_at, total_kg, pickup_kg, "
            "received_kg, accepted_kg, rejected_kg, disposed_kg, issued_at, status_changed_at, issued_by_id) "
            "SELECT :top + i, 'H' || lpad((:top + i)::text, 13, '0'), 'closed', :producer, :origin, '330802', "
            ":receiver, :destination, '330803', :transporter, "
            ":start + make_interval(secs => (i::bigint * 7919) % :span), 1000, 1000, 1000, 1000, 0, 1000, "
            ":start + make_interval(secs => (i::bigint * 7919) % :span), :start + make_interval(secs => (i::bigint * 7919) % :span), "
            ":user FROM generate_series(1, :count) i"), {**params, "top": top})
        connection.execute(text(
            "INSERT INTO manifest_line (manifest_id, batch_id, waste_code, quantity_kg) "
            "SELECT :top + i, :batch, :code, 1000 FROM generate_series(1, :count) i"),
            {**params, "top": top, "batch": batch_id})
        connection.execute(text("SELECT setval(pg_get_serial_sequence('manifest', 'id'), (SELECT max(id) FROM manifest))"))
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("VACUUM ANALYZE manifest"))
        connection.execute(text("VACUUM ANALYZE manifest_line"))


def fresh_batches(session, world: dict, n: int, now: datetime) -> list[int]:
    batches = [Batch(unit_code=f"{world['producer'].credit_code}90004149{int(time.time() * 1000) % 10**8:08d}{i:03d}",
                     organization_id=world["producer"].id, site_id=world["origin"].id, waste_code=CODE,
                     quantity_kg=Decimal(10), remaining_kg=Decimal(10), status="stored",
                     generated_at=now - timedelta(days=1)) for i in range(n)]
    session.add_all(batches)
    session.commit()
    return [b.id for b in batches]


def measure(sessions, world: dict, n: int, now: datetime) -> dict:
    with sessions() as session:
        batch_ids = fresh_batches(session, world, n, now)
    times = []
    with sessions() as session:
        actor = session.get(User, world["user"].id)
        for batch_id in batch_ids:
            started = time.perf_counter()
            issue_manifest(session, actor=actor, lines=[LineRequest(batch_id, Decimal(1))],
                           receiver_site_id=world["destination"].id, transporter_id=world["transporter"].id,
                           planned_pickup_at=now + timedelta(hours=2), now=now)
            times.append(time.perf_counter() - started)
            session.expunge_all()
            actor = session.get(User, world["user"].id)
    times.sort()
    return {"issues": n, "per_s": round(n / sum(times), 1), "p50_ms": round(1000 * statistics.median(times), 2),
            "p95_ms": round(1000 * times[int(0.95 * (n - 1))], 2)}


def old_sum_ms(sessions, world: dict, year: int, repeat: int = 20) -> float:
    """The median time of the year's sum that each issue ran before the counter (capacity.summed)."""
    times = []
    with sessions() as session:
        for _ in range(repeat):
            started = time.perf_counter()
            capacity.summed(session, receiver_id=world["receiver"].id, year=year)
            times.append(time.perf_counter() - started)
        session.rollback()
    return round(1000 * statistics.median(times), 2)


def prepare(url: str, size: int, now: datetime):
    """Migrates, seeds the catalog and the world, and tops the year's history up to `size` manifests."""
    engine = make_engine(url)
    schema.upgrade(engine)
    sessions = session_factory(engine, Settings(secret_key="bench-issue-secret-key"))
    with sessions() as session:
        seed_catalog(session)
        world = build_world(session)
        have = session.execute(text("SELECT count(*) FROM manifest WHERE number LIKE 'H%'")).scalar()
    year_start = datetime(now.year, 1, 1, tzinfo=timezone(timedelta(hours=8)))
    if size > have:
        started = time.perf_counter()
        add_history(engine, world, size - have, year_start, now - timedelta(days=1))
        with sessions() as session:
            rows = capacity.rebuild(session)
            session.commit()
        log(f"{url.rsplit('/', 1)[-1]}: history {size:,} manifests to the receiver this year "
            f"(+{time.perf_counter() - started:.0f} s); {rows} counters rebuilt")
    return sessions, world


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="the database with 1× the history")
    parser.add_argument("--big-url", required=True, help="the database with FACTOR × the history")
    parser.add_argument("--history", type=int, default=100_000, help="manifests of this year's history at 1×")
    parser.add_argument("--issues", type=int, default=100, help="issues measured per round and database")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--factor", type=int, default=3)
    args = parser.parse_args()
    if not (args.url.startswith("postgresql") and args.big_url.startswith("postgresql")):
        parser.error("the history is written with PostgreSQL's SQL: the URLs must be postgresql+psycopg:// URLs")
    now = datetime.now(timezone.utc).replace(microsecond=0)
    sizes = (args.history, args.history * args.factor)
    targets = [prepare(url, size, now) for url, size in zip((args.url, args.big_url), sizes)]
    for sessions, world in targets:
        measure(sessions, world, 20, now)  # warm-up: caches, plans, connections
    # Rounds alternate between the two databases, so the load of a shared machine weighs on both alike.
    samples: list[list[dict]] = [[], []]
    for i in range(args.rounds):
        for j, (sessions, world) in enumerate(targets):
            samples[j].append(measure(sessions, world, args.issues, now))
        log(f"round {i + 1}: {samples[0][-1]['per_s']} / {samples[1][-1]['per_s']} issues/s")
    results = []
    for j, (sessions, world) in enumerate(targets):
        runs = samples[j]
        results.append({"history": sizes[j], "per_s": statistics.median(r["per_s"] for r in runs),
                        "p50_ms": statistics.median(r["p50_ms"] for r in runs),
                        "p95_ms": statistics.median(r["p95_ms"] for r in runs),
                        "old_sum_ms": old_sum_ms(sessions, world, now.year)})
    first, second = results
    print(f"\n{args.rounds} alternating rounds of {args.issues} issues on each database; medians of the rounds")
    print("| history to the receiver this year | issues/s | p50 ms | p95 ms | the replaced year-sum, ms |")
    print("|---|---|---|---|---|")
    for r in results:
        print(f"| {r['history']:,} | {r['per_s']} | {r['p50_ms']} | {r['p95_ms']} | {r['old_sum_ms']} |")
    print(f"\nissues/s at {args.factor}× history ÷ at 1×: {second['per_s'] / first['per_s']:.2f} "
          f"(the year-sum alone took {second['old_sum_ms'] / first['old_sum_ms']:.2f}× as long)")


if __name__ == "__main__":
    main()

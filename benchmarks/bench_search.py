"""Times the regulators' search on PostgreSQL at a million manifests (and as many batches) of history.

Rows are bulk-inserted with SQL in the shape the services write them (600 enterprises in Quzhou's six counties, a
site each, manifests and batches spread over them and over six years), then the real search service is timed as a
county regulator and as the city regulator: a whole manifest number, the start of one, a whole unit code, the start
of one, an enterprise's name, a credit code, and a search that finds nothing.

    python benchmarks/bench_search.py --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --manifests 1000000

The script creates a database of its own and drops it at the end (unless --keep; `--database NAME` times again on
a kept one).
"""
import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from scratch import scratch_database  # noqa: E402
from wastechain import schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import make_engine, make_session_factory  # noqa: E402
from wastechain.models import User  # noqa: E402
from wastechain.services import oversight  # noqa: E402

COUNTIES = ("330802", "330803", "330822", "330824", "330825", "330881")
ORGS = 600
PER_YEAR = 200_000  # manifests a year: the city serial has six digits


def build(engine, manifests: int) -> None:
    counties = "ARRAY[" + ",".join(f"'{c}'" for c in COUNTIES) + "]"
    with engine.begin() as c:
        c.execute(text(f"""
            INSERT INTO organization (id, name, credit_code, region_code, roles, created_at)
            SELECT i, '衢州测试企业' || i || '有限公司', '91' || ({counties})[1 + i % 6] || lpad(i::text, 9, '0') || 'X',
                   ({counties})[1 + i % 6], '["producer", "receiver", "transporter"]', now()
            FROM generate_series(1, {ORGS}) i"""))
        c.execute(text(f"""
            INSERT INTO site (id, organization_id, name, kind, region_code, address)
            SELECT i, i, '场所' || i, 'production', ({counties})[1 + i % 6], '' FROM generate_series(1, {ORGS}) i"""))
        c.execute(text("""INSERT INTO user_account (id, username, password_hash, role, region_code, active, created_at,
                                                    org_admin, pending_confirmation)
                          VALUES (1, 'kecheng', '-', 'regulator', '330802', true, now(), false, false),
                                 (2, 'city', '-', 'regulator', '330800', true, now(), false, false)"""))
        c.execute(text(f"""
            INSERT INTO manifest (id, number, status, issuer_id, origin_site_id, origin_region_code, receiver_id,
                                  receiver_site_id, destination_region_code, transporter_id, planned_pickup_at,
                                  total_kg, disposed_kg, issued_at, status_changed_at, issued_by_id)
            SELECT i, (2020 + i / {PER_YEAR})::text || '3308' || lpad((i % {PER_YEAR} + 1)::text, 6, '0'), 'closed',
                   1 + i % {ORGS}, 1 + i % {ORGS}, ({counties})[1 + (1 + i % {ORGS}) % 6],
                   1 + (i * 7) % {ORGS}, 1 + (i * 7) % {ORGS}, ({counties})[1 + (1 + (i * 7) % {ORGS}) % 6],
                   1 + (i * 13) % {ORGS}, now() - i * interval '2 minutes', 100000, 100000,
                   now() - i * interval '2 minutes', now() - i * interval '2 minutes', 1
            FROM generate_series(0, {manifests - 1}) i"""))
        c.execute(text(f"""
            INSERT INTO batch (id, unit_code, organization_id, site_id, waste_code, quantity_kg, remaining_kg, status,
                               generated_at, created_at)
            SELECT i, o.credit_code || '90004149' || to_char(now() - i * interval '2 minutes', 'YYYYMMDD')
                      || lpad((i % 1000)::text, 3, '0') || '', o.id, o.id, '900-041-49', 100000, 0, 'shipped',
                   now() - i * interval '2 minutes', now()
            FROM generate_series(1, {manifests}) i JOIN organization o ON o.id = 1 + i % {ORGS}
            ON CONFLICT DO NOTHING"""))
        c.execute(text("ANALYZE"))


def timed(session, actor, q: str, samples: int) -> tuple[float, float, int]:
    times, found = [], 0
    for _ in range(samples):
        start = time.perf_counter()
        results = oversight.search(session, actor=actor, q=q)
        times.append((time.perf_counter() - start) * 1000)
        found = sum(page.total for page in results.values())
        session.rollback()
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], found


def run(url: str, manifests: int, samples: int, *, built: bool = False) -> None:
    engine = make_engine(url)
    if not built:
        schema.upgrade(engine)
        with make_session_factory(engine)() as session:
            seed_catalog(session)
        started = time.perf_counter()
        build(engine, manifests)
        print(f"built {manifests:,} manifests and batches in {time.perf_counter() - started:.0f} s", flush=True)
    with make_session_factory(engine)() as session:
        number = session.scalar(text("SELECT number FROM manifest WHERE origin_region_code = '330802' "
                                     "ORDER BY id DESC LIMIT 1"))
        unit_code = session.scalar(text("SELECT b.unit_code FROM batch b JOIN site s ON s.id = b.site_id "
                                        "WHERE s.region_code = '330802' ORDER BY b.id DESC LIMIT 1"))
        credit_code = session.scalar(text("SELECT credit_code FROM organization WHERE region_code = '330802' LIMIT 1"))
        queries = {"whole manifest number": number, "start of a number (10 digits)": number[:10],
                   "whole unit code": unit_code, "start of a unit code (22)": unit_code[:22],
                   "enterprise name": "测试企业12", "credit code": credit_code, "nothing found": "19990000000000"}
        print(f"{'query':32} {'regulator':9} {'median ms':>9} {'p95 ms':>8} {'found':>6}")
        for username in ("kecheng", "city"):
            actor = session.scalar(select(User).where(User.username == username))
            for name, q in queries.items():
                median, p95, found = timed(session, actor, q, samples)
                print(f"{name:32} {username:9} {median:9.1f} {p95:8.1f} {found:6}", flush=True)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL server URL")
    parser.add_argument("--manifests", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument("--database", help="time again on a database an earlier --keep run built")
    args = parser.parse_args()
    if args.database:
        run(make_url(args.url).set(database=args.database).render_as_string(hide_password=False), 0, args.samples,
            built=True)
        return
    with scratch_database(args.url, "wc_bench_search", keep=args.keep) as url:
        run(url, args.manifests, args.samples)


if __name__ == "__main__":
    main()

"""Builds a chain of ~100,000 manifests and times trace (downstream) and origins (upstream).

Shape: P producer batches each shipped on its own manifest to one of 40 collectors (5 % refused and returned to
the producer), received into stock; the collectors ship consolidated manifests of 4 stock batches each to 5
disposers, which dispose of everything. P = 0.8 × N producer manifests + 0.2 × N consolidated ones = N manifests.
Rows are bulk-inserted in the shape the services record (lineage_flow etc.), then the real services are timed.

    python benchmarks/bench_lineage.py --url postgresql+psycopg://postgres@127.0.0.1:5432/postgres --manifests 100000
    python benchmarks/bench_lineage.py --url sqlite:////tmp/bench.db --manifests 20000

With a PostgreSQL server URL the script creates a database of its own (dropped at the end unless --keep).
"""
import argparse
import random
import statistics
import sys
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from scratch import scratch_database  # noqa: E402
from wastechain import schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import make_engine, make_session_factory  # noqa: E402
from wastechain.domain.credit_code import make_credit_code  # noqa: E402
from wastechain.models import (Batch, DisposalRecord, LineageFlow, Manifest, ManifestEvent, ManifestLine,  # noqa: E402
                               Organization, Site, User)
from wastechain.services import lineage  # noqa: E402

CODE = "900-041-49"
REGION = "330802"
T0 = datetime(2026, 6, 1, tzinfo=timezone.utc)
CHUNK = 5000


def _insert(connection, table, rows):
    for start in range(0, len(rows), CHUNK):
        connection.execute(insert(table), rows[start:start + CHUNK])


def build(engine, manifests: int) -> dict:
    produced_n = manifests * 4 // 5
    produced_n -= produced_n % 4
    collectors, disposers = 40, 5
    rng = random.Random(4)
    orgs, sites = [], []
    org_id = 0

    def org(name, roles):
        nonlocal org_id
        org_id += 1
        orgs.append({"id": org_id, "name": name, "credit_code": make_credit_code(REGION, f"{org_id:08d}"),
                     "region_code": REGION, "roles": roles, "created_at": T0})
        sites.append({"id": org_id, "organization_id": org_id, "name": f"{name}场所", "region_code": REGION,
                      "kind": {"producer": "production", "collector": "storage"}.get(roles[0], "facility"),
                      "address": "", "lat": 28.9, "lon": 118.8, "capacity_kg": None})
        return org_id

    producers = [org(f"产废单位{i}", ["producer"]) for i in range(2000)]
    collector_ids = [org(f"收集中心{i}", ["collector"]) for i in range(collectors)]
    disposer_ids = [org(f"处置单位{i}", ["receiver"]) for i in range(disposers)]
    transporter = org("运输公司", ["transporter"])
    user = {"id": 1, "username": "bench", "password_hash": "x", "role": "admin", "organization_id": None,
            "region_code": None, "active": True, "created_at": T0}
    credit = {o["id"]: o["credit_code"] for o in orgs}
    batches, manifests_rows, lines, flows, disposals, events = [], [], [], [], [], []
    ids = {"batch": 0, "manifest": 0, "line": 0, "flow": 0, "disposal": 0, "event": 0}

    def new(kind):
        ids[kind] += 1
        return ids[kind]

    def batch(owner, kg, at):
        bid = new("batch")
        batches.append({"id": bid, "unit_code": f"{credit[owner]}{bid:019d}", "organization_id": owner,
                        "site_id": owner, "waste_code": CODE, "quantity_kg": kg, "remaining_kg": Decimal(0),
                        "status": "shipped", "generated_at": at, "container_count": None, "created_at": at})
        return bid

    def manifest(issuer, receiver, total, at, status, accepted=None, rejected=None, disposed=Decimal(0)):
        mid = new("manifest")
        manifests_rows.append({
            "id": mid, "number": f"20263308{mid:06d}", "status": status, "issuer_id": issuer,
            "origin_site_id": issuer, "origin_region_code": REGION, "receiver_id": receiver,
            "receiver_site_id": receiver, "destination_region_code": REGION, "transporter_id": transporter,
            "vehicle_id": None, "driver_id": None, "approval_id": None, "planned_pickup_at": at, "total_kg": total,
            "pickup_kg": total, "received_kg": total, "accepted_kg": accepted, "rejected_kg": rejected,
            "disposed_kg": disposed, "issued_at": at, "status_changed_at": at, "issued_by_id": 1})
        return mid

    def flow(kind, kg, at, parent=None, origin=None, batch_id=None, manifest_id=None, line_id=None, site=None,
             disposal=None):
        fid = new("flow")
        flows.append({"id": fid, "kind": kind, "parent_id": parent, "origin_batch_id": origin, "batch_id": batch_id,
                      "manifest_id": manifest_id, "manifest_line_id": line_id, "disposal_id": disposal,
                      "site_id": site, "waste_code": CODE, "quantity_kg": kg, "recorded_at": at})
        return fid

    stock_by_collector = {c: [] for c in collector_ids}
    for i in range(produced_n):
        at = T0 + timedelta(minutes=i)
        producer, collector = rng.choice(producers), collector_ids[i % collectors]
        kg = Decimal(rng.randint(20_000, 200_000)) / 1000
        refused = (kg * Decimal("0.05")).quantize(Decimal("0.001"))
        b = batch(producer, kg, at)
        root = flow("produced", kg, at, origin=b, batch_id=b, site=producer)
        m = manifest(producer, collector, kg, at, "closed", accepted=kg - refused, rejected=refused)
        line = new("line")
        lines.append({"id": line, "manifest_id": m, "batch_id": b, "waste_code": CODE, "quantity_kg": kg})
        shipped = flow("shipped", kg, at, parent=root, origin=b, batch_id=b, manifest_id=m, line_id=line, site=producer)
        stock = batch(collector, kg - refused, at + timedelta(hours=3))
        stocked = flow("stocked", kg - refused, at + timedelta(hours=3), parent=shipped, origin=b, batch_id=stock,
                       manifest_id=m, line_id=line, site=collector)
        back = batch(producer, refused, at + timedelta(hours=3))
        flow("returned", refused, at + timedelta(hours=3), parent=shipped, origin=b, batch_id=back, manifest_id=m,
             line_id=line, site=producer)
        stock_by_collector[collector].append((stock, stocked, kg - refused, b, at))
    for c, stock in stock_by_collector.items():
        for start in range(0, len(stock), 4):
            group = stock[start:start + 4]
            at = group[-1][4] + timedelta(days=1)
            total = sum(g[2] for g in group)
            disposer = rng.choice(disposer_ids)
            m = manifest(c, disposer, total, at, "closed", accepted=total, rejected=Decimal(0), disposed=total)
            ev = new("event")
            events.append({"id": ev, "manifest_id": m, "seq": 5, "type": "dispose", "status_after": "closed",
                           "actor_id": 1, "actor_role": "receiver", "idempotency_key": f"d{m}", "occurred_at": at,
                           "recorded_at": at, "lat": None, "lon": None, "quantity_kg": total, "accepted_kg": None,
                           "rejected_kg": None, "reason": None, "method": "D10", "data": {}, "prev_hash": "0" * 64,
                           "hash": "0" * 64})
            d = new("disposal")
            disposals.append({"id": d, "manifest_id": m, "event_id": ev, "organization_id": disposer,
                              "site_id": disposer, "method": "D10", "quantity_kg": total, "disposed_at": at,
                              "recorded_at": at, "certificate_number": f"20263308{m:06d}-005"})
            for stock_id, stocked, kg, origin, _ in group:
                line = new("line")
                lines.append({"id": line, "manifest_id": m, "batch_id": stock_id, "waste_code": CODE, "quantity_kg": kg})
                shipped = flow("shipped", kg, at, parent=stocked, origin=origin, batch_id=stock_id, manifest_id=m,
                               line_id=line, site=c)
                accepted = flow("accepted", kg, at, parent=shipped, origin=origin, manifest_id=m, line_id=line,
                                site=disposer)
                flow("disposed", kg, at, parent=accepted, origin=origin, manifest_id=m, site=disposer, disposal=d)
    started = time.perf_counter()
    with engine.begin() as connection:
        for table, rows in ((Organization.__table__, orgs), (Site.__table__, sites), (User.__table__, [user]),
                            (Batch.__table__, batches), (Manifest.__table__, manifests_rows),
                            (ManifestLine.__table__, lines), (ManifestEvent.__table__, events),
                            (DisposalRecord.__table__, disposals), (LineageFlow.__table__, flows)):
            _insert(connection, table, rows)
        if engine.dialect.name == "postgresql":
            connection.execute(text("ANALYZE"))
    print(f"built {len(manifests_rows):,} manifests, {len(lines):,} lines, {len(batches):,} batches, "
          f"{len(flows):,} lineage flows in {time.perf_counter() - started:.1f} s", flush=True)
    originals = [l["batch_id"] for l in lines if l["manifest_id"] <= produced_n]
    return {"originals": originals, "inbound": list(range(1, produced_n + 1)),
            "outbound": list(range(produced_n + 1, len(manifests_rows) + 1))}


def timed(label, calls, check):
    durations = []
    for call in calls:
        started = time.perf_counter()
        result = call()
        durations.append((time.perf_counter() - started) * 1000)
        check(result)
    durations.sort()
    p95 = durations[int(len(durations) * 0.95) - 1]
    print(f"{label:<34} n={len(durations):<4} median {statistics.median(durations):7.2f} ms   "
          f"p95 {p95:7.2f} ms   max {durations[-1]:7.2f} ms", flush=True)


def run(url: str, manifests: int, samples: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
    ids = build(engine, manifests)
    rng = random.Random(7)
    with make_session_factory(engine)() as session:
        admin = session.get(User, 1)

        def trace(batch_id):
            return lambda: lineage.trace_batch(session, actor=admin, batch_id=batch_id)

        def origins(manifest_id):
            return lambda: lineage.manifest_origins(session, actor=admin, manifest_id=manifest_id)

        def adds_up(result):
            assert sum(result["accounted_kg"].values()) == result["quantity_kg"], result
            assert result["closed_kg"] + result["open_kg"] == result["quantity_kg"]

        def origins_add_up(result):
            assert result["origins_kg"] == result["total_kg"], result

        timed("trace (original batch, 2 hops)", [trace(b) for b in rng.sample(ids["originals"], samples)], adds_up)
        timed("origins (consolidated manifest)", [origins(m) for m in rng.sample(ids["outbound"], samples)],
              origins_add_up)
        timed("origins (producer manifest)", [origins(m) for m in rng.sample(ids["inbound"], samples)],
              origins_add_up)
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="sqlite:////tmp/wastechain_bench.db")
    parser.add_argument("--manifests", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database")
    args = parser.parse_args()
    if not args.url.startswith("postgresql"):
        path = make_url(args.url).database
        if path and Path(path).exists():
            Path(path).unlink()
        run(args.url, args.manifests, args.samples)
        return
    with scratch_database(args.url, "wastechain_bench", keep=args.keep) as url:
        run(url, args.manifests, args.samples)


if __name__ == "__main__":
    main()

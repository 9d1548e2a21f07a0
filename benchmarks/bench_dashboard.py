"""Dashboard benchmark on PostgreSQL (not a timed test): the regulators' 驾驶舱 over years of history.

    createdb -h 127.0.0.1 -U postgres wc_dash
    nice python benchmarks/bench_dashboard.py --url postgresql+psycopg://postgres@127.0.0.1:5432/wc_dash \
        --manifests 1000000
    dropdb -h 127.0.0.1 -U postgres wc_dash

How the data is built: as benchmarks/bench_reconcile.py builds it (its functions are reused): 14 real days through
the services ending on its DAY (2026-06-15), the measured "today"; `--today-size` manifests on that day (cloned
from the seed's own); `--manifests` of history cloned with SQL before them, 1,300 a day. The clones carry
manifests, lines, batches, events and payments, not lineage flows or disposal records, so the history's
utilized/disposed kilograms are 0 (every other figure is computed from them as from real rows).

What is measured:
1. `flask rollups rebuild` of the whole history (once): seconds, days, rollup rows;
2. the dashboard service (`services.statistics.dashboard.dashboard`) for a city regulator and a county regulator,
   over this month (today's figures live from today's rows), the last 12 months, and the whole history;
   the assessment of last month; capacity matching — each the median of --repeat runs, in ms;
3. the page GET /dashboard/ (this month) through the Flask test client, logged in as the city regulator.
"""
import argparse
import json
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bench_reconcile as br  # noqa: E402
from sqlalchemy import func, select, text  # noqa: E402

from wastechain import create_app, schema  # noqa: E402
from wastechain.catalog import seed_catalog  # noqa: E402
from wastechain.db import make_engine, make_session_factory  # noqa: E402
from wastechain.devdata.city import CityPlan, generate_city  # noqa: E402
from wastechain.models import DailyFigures, DailyFlow, Manifest, User  # noqa: E402
from wastechain.services.accounts.auth import add_user  # noqa: E402
from wastechain.services.statistics.assessment import county_assessment  # noqa: E402
from wastechain.services.statistics.capacity import capacity_matching  # noqa: E402
from wastechain.services.statistics.dashboard import dashboard  # noqa: E402
from wastechain.services.statistics.rollups import first_day_of_history, rebuild_rollups  # noqa: E402

TODAY = br.DAY
PASSWORD = "bench-password-1"
log = br.log


def build(url: str, manifests: int, today_size: int, seed_per_day: int) -> None:
    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
        if session.scalar(select(func.count()).select_from(Manifest)):
            log("the database already holds manifests: measuring it as it is")
            return
    started = time.perf_counter()
    city = generate_city(engine, CityPlan(start=TODAY - timedelta(days=br.SEED_DAYS - 1), days=br.SEED_DAYS,
                                          manifests_per_day=seed_per_day, faults=False, declarations=False,
                                          tail_until=TODAY), progress=br._progress)
    log(f"seeded {city.manifests:,} manifests through the services in {time.perf_counter() - started:.0f} s")
    log(f"today ({TODAY}): {br.clone_day(engine, today_size):,} more manifests cloned from the seed's own")
    started = time.perf_counter()
    with engine.connect() as connection:
        replicas, blocks = br.history_plan(connection, manifests)
    done, block, step = 0, 1, 40
    while block <= blocks:
        done += br.clone_history(engine, first_block=block, blocks=min(step, blocks - block + 1))
        block += step
        log(f"  history: {done:,} manifests cloned")
    log(f"history: {done:,} manifests in {time.perf_counter() - started:.0f} s")
    br.analyze(engine)


def rebuild(url: str) -> dict:
    engine = make_engine(url)
    with make_session_factory(engine)() as session:
        first = first_day_of_history(session)
        started = time.perf_counter()
        days = rebuild_rollups(session, first, TODAY - timedelta(days=1), progress=br._progress)
        session.commit()
        seconds = time.perf_counter() - started
        rows = session.scalar(select(func.count()).select_from(DailyFigures))
        flows = session.scalar(select(func.count()).select_from(DailyFlow))
    br.analyze(engine)
    return {"rebuild_s": round(seconds, 1), "days": days, "first_day": first.isoformat(), "rollup_rows": rows,
            "flow_rows": flows}


def _median_ms(action, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _regulator(session, region: str) -> User:
    return session.scalars(select(User).where(User.role == "regulator", User.region_code == region)).first()


def measure(url: str, repeat: int) -> dict:
    engine = make_engine(url)
    out = {}
    with make_session_factory(engine)() as session:
        first = first_day_of_history(session)
        month = TODAY.replace(day=1)
        last_month = (month - timedelta(days=1)).replace(day=1)
        for who, region in (("city", "330800"), ("county", "330802")):
            actor = _regulator(session, region)
            for name, start in (("this_month", month), ("last_12_months", TODAY - timedelta(days=365)),
                                ("whole_history", first)):
                out[f"dashboard_{who}_{name}_ms"] = _median_ms(
                    lambda: dashboard(session, actor=actor, date_from=start, date_to=TODAY, today=TODAY), repeat)
                session.rollback()
            out[f"assessment_{who}_ms"] = _median_ms(
                lambda: county_assessment(session, actor=actor, month=last_month, today=TODAY), repeat)
            out[f"capacity_{who}_ms"] = _median_ms(lambda: capacity_matching(session, actor=actor, today=TODAY), repeat)
            session.rollback()
        sample = dashboard(session, actor=_regulator(session, "330800"), date_from=first, date_to=TODAY, today=TODAY)
        out["whole_history_manifests_issued"] = sample["kpis"]["manifests_issued"]
        if not session.scalar(select(func.count()).select_from(User).where(User.username == "bench_regulator")):
            add_user(session, username="bench_regulator", password=PASSWORD, role="regulator", region_code="330800",
                     hash_method="pbkdf2:sha256:1000")
            session.commit()
    out["page_this_month_ms"] = _page(url, repeat)
    with engine.connect() as connection:
        out["manifests"] = connection.execute(text("SELECT count(*) FROM manifest")).scalar()
        out["events"] = connection.execute(text("SELECT count(*) FROM manifest_event")).scalar()
        out["today_manifests"] = connection.execute(
            select(func.count()).select_from(Manifest).where(Manifest.issued_at >= br.day_window(TODAY).start,
                                                             Manifest.issued_at < br.day_window(TODAY).end)).scalar()
    return out


def _page(url: str, repeat: int) -> float:
    clock_now = br.day_window(TODAY).start + timedelta(hours=20)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-secret-key-long-enough", "TESTING": True,
                      "WTF_CSRF_ENABLED": False, "CLOCK": lambda: clock_now, "RATELIMIT_ENABLED": False})
    client = app.test_client()
    response = client.post("/login", data={"username": "bench_regulator", "password": PASSWORD, "next": "/"})
    assert response.status_code == 302, response.status_code

    def get():
        answer = client.get("/dashboard/")
        assert answer.status_code == 200, answer.status_code

    get()  # templates compiled, fonts and catalogs loaded once
    return _median_ms(get, repeat)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--manifests", type=int, default=1_000_000, help="manifests of history before the seed")
    parser.add_argument("--today-size", type=int, default=1300, help="manifests issued on the measured day")
    parser.add_argument("--seed-per-day", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--out", default=None, help="write the figures as JSON here too")
    parser.add_argument("--measure-only", action="store_true", help="a database built before: no build, no rebuild")
    args = parser.parse_args()
    if not args.measure_only:
        build(args.url, args.manifests, args.today_size, args.seed_per_day)
    figures = {"rebuild": None if args.measure_only else rebuild(args.url), **measure(args.url, args.repeat)}
    log(json.dumps(figures, ensure_ascii=False, indent=1))
    if args.out:
        Path(args.out).write_text(json.dumps(figures, ensure_ascii=False, indent=1) + "\n")


if __name__ == "__main__":
    main()

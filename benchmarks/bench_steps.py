"""Step benchmark on PostgreSQL under gunicorn, against a bare Flask + one-INSERT endpoint (not a timed test).

    python benchmarks/bench_steps.py --url postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench_steps

What it does (about four minutes with the defaults on a 2-core machine):
1. Builds a world in a fresh database (dropped and created): the catalogs and the demo Quzhou, all through the
   services (wastechain.devdata.demo), then one large batch of the demo producer and --per-step × 3 manifests
   issued from it to one receiver (the demo incinerator), in one city, on the demo truck. A third of them is
   picked up and a third picked up and delivered in-process through the services, so every step has a queue
   (staging runs without run-time findings: it is not measured).
2. Counts, in-process (the app's own engine with an event listener), SQL statements, transactions and round
   trips of --count requests of each step through the whole Flask stack (test client, bearer token). Round trips
   are statements + BEGIN + COMMIT/ROLLBACK (psycopg sends BEGIN on its own); fetches of server-side cursors are
   not counted. Work done later by the run-checks worker is counted apart ("worker statements per event").
3. Starts two gunicorn servers with identical settings: the app, and benchmarks/bench_steps.py:bare_app(), a Flask
   app whose POST /bare parses a JSON body, INSERTs one row, commits and answers JSON (the denominator).
   Then --rounds rounds, each measuring for --seconds: bare, issue, bare, pickup, bare, deliver, bare, receive
   (the bare endpoint measured next to each step, so noise hits both). --clients threads keep persistent HTTP
   connections. A step round also ends when its queue is empty (its rate is then over the time it ran). As in
   production, the run-checks worker (`flask run-checks --loop`) runs beside the servers when the code has it
   (--no-run-checks to leave it out), so the run-time checks' CPU is paid during the rounds, not hidden.
   Pickups carry the producer's one-time handover code, fetched through the service before the round, as the
   producer's phone shows it to the driver. Throttling is off on the server (one client address sends all).
4. Prints req/s, p50/p95/p99 (ms), errors, and the ratio to the bare endpoint of the same rounds; --out FILE also
   writes it all as JSON.
"""
import argparse
import http.client
import json
import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET = "bench-steps-secret-0123456789abcdef"
PASSWORD = "bench12345"
STEPS = ("issue", "pickup", "deliver", "receive")


def log(*args):
    print(time.strftime("%H:%M:%S"), *args, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the denominator: bare Flask + one INSERT

def bare_app():
    """gunicorn 'bench_steps:bare_app()': POST /bare inserts one row and commits (same driver, same pool)."""
    from flask import Flask, jsonify, request
    from sqlalchemy import text

    from wastechain.db import make_engine

    engine = make_engine(os.environ["BENCH_DATABASE_URL"])
    app = Flask("bare")

    @app.post("/bare")
    def bare():
        body = request.get_json()
        with engine.begin() as connection:
            new_id = connection.execute(text("INSERT INTO bench_bare (at, note) VALUES (:at, :note) RETURNING id"),
                                        {"at": datetime.now(timezone.utc), "note": str(body.get("note"))}).scalar()
        return jsonify({"id": new_id}), 201

    return app


# ---------------------------------------------------------------- the world

class World:
    """Ids and tokens the requests need, and the queues of manifests waiting for each step."""

    def __init__(self):
        self.queues = {step: deque() for step in STEPS}
        self.codes: dict[int, str] = {}
        self.lock = threading.Lock()


def fresh_database(url: str) -> None:
    import psycopg
    from sqlalchemy.engine import make_url

    u = make_url(url)
    with psycopg.connect(host=u.host, port=u.port or 5432, user=u.username, dbname="postgres",
                         autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{u.database}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{u.database}"')


def settings_for(runtime_checks: bool):
    from wastechain.settings import Settings
    return Settings(secret_key=SECRET, runtime_checks=runtime_checks, ratelimit_enabled=False,
                    password_hash_method="pbkdf2:sha256:1000")


def build(url: str, per_step: int) -> World:
    from sqlalchemy import select, text

    from wastechain import schema
    from wastechain.catalog import seed_catalog
    from wastechain.db import make_engine, make_session_factory
    from wastechain.devdata import session_for
    from wastechain.devdata.demo import seed_demo
    from wastechain.models import Organization, Site, User, Vehicle
    from wastechain.services import manifests
    from wastechain.services.storage import batches

    engine = make_engine(url)
    schema.upgrade(engine)
    with make_session_factory(engine)() as session:
        seed_catalog(session)
    now = datetime.now(timezone.utc)
    seed_demo(engine, password=PASSWORD, settings=settings_for(True), now=now)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE bench_bare (id bigserial PRIMARY KEY, at timestamptz NOT NULL, "
                                "note text)"))
    world = World()
    with session_for(engine, settings_for(False)) as session:
        users = {u.username: u for u in session.scalars(select(User))}
        producer, driver, receiver = users["chem_producer"], users["driver1"], users["burner_receiver"]
        origin = session.scalar(select(Site).where(Site.name == "柯城厂区危废贮存库"))
        destination = session.scalar(select(Site).where(Site.name == "衢江焚烧厂"))
        carrier = session.scalar(select(Organization).where(Organization.name == "衢州安运危险货物运输有限公司"))
        truck = session.scalar(select(Vehicle).where(Vehicle.plate == "浙H12345"))
        big = batches.register_batch(session, actor=producer, site_id=origin.id, waste_code="900-041-49",
                                     quantity_kg=Decimal("1000000"), generated_at=now - timedelta(hours=1), now=now)
        world.ids = {"batch": big.id, "origin": origin.id, "destination": destination.id, "carrier": carrier.id,
                     "truck": truck.id, "origin_lat": origin.lat, "origin_lon": origin.lon,
                     "dest_lat": destination.lat, "dest_lon": destination.lon}
        world.user_ids = {"producer": producer.id, "driver": driver.id, "receiver": receiver.id}
        started = time.perf_counter()
        issued = []
        for i in range(per_step * 3):
            m = manifests.issue_manifest(session, actor=producer, now=datetime.now(timezone.utc),
                                         lines=[manifests.LineRequest(batch_id=big.id, quantity_kg=Decimal(1))],
                                         receiver_site_id=destination.id, transporter_id=carrier.id,
                                         vehicle_id=truck.id, planned_pickup_at=now + timedelta(hours=1))
            issued.append(m.id)
            if (i + 1) % 500 == 0:
                log(f"  issued {i + 1}/{per_step * 3} ({time.perf_counter() - started:.0f} s)")
        for manifest_id in issued[per_step:]:
            t = datetime.now(timezone.utc)
            manifests.record_step(session, actor=driver, manifest_id=manifest_id, now=t,
                                  request=manifests.StepRequest(type="pickup", idempotency_key=f"stage-p-{manifest_id}",
                                                                quantity_kg=Decimal(1), lat=origin.lat, lon=origin.lon))
        for manifest_id in issued[2 * per_step:]:
            t = datetime.now(timezone.utc)
            manifests.record_step(session, actor=driver, manifest_id=manifest_id, now=t,
                                  request=manifests.StepRequest(type="deliver", idempotency_key=f"stage-d-{manifest_id}",
                                                                lat=destination.lat, lon=destination.lon))
        log(f"  staged in {time.perf_counter() - started:.0f} s")
    world.queues["pickup"].extend(issued[:per_step])
    world.queues["deliver"].extend(issued[per_step:2 * per_step])
    world.queues["receive"].extend(issued[2 * per_step:])
    engine.dispose()
    return world


def fetch_codes(url: str, world: World, manifest_ids: list[int]) -> None:
    """The producer's one-time codes, through the service (as the producer's page shows them)."""
    from wastechain.db import make_engine
    from wastechain.devdata import session_for
    from wastechain.models import User
    from wastechain.services.manifests import issue_code

    engine = make_engine(url)
    with session_for(engine, settings_for(False)) as session:
        producer = session.get(User, world.user_ids["producer"])
        for manifest_id in manifest_ids:
            world.codes[manifest_id] = issue_code(session, actor=producer, manifest_id=manifest_id, secret=SECRET,
                                                  now=datetime.now(timezone.utc)).code
    engine.dispose()


# ---------------------------------------------------------------- requests

def request_for(step: str, world: World, key_prefix: str):
    """(path, body, token role) of the next request of a step, or None when its queue is empty."""
    ids = world.ids
    if step == "bare":
        return "/bare", {"note": "x" * 40}, None
    if step == "issue":
        planned = (datetime.now(timezone.utc) + timedelta(hours=1)).isoformat()
        return "/api/v1/manifests", {"lines": [{"batch_id": ids["batch"], "quantity_kg": 1}],
                                     "receiver_site_id": ids["destination"], "transporter_id": ids["carrier"],
                                     "vehicle_id": ids["truck"], "planned_pickup_at": planned}, "producer"
    with world.lock:
        if not world.queues[step]:
            return None
        manifest_id = world.queues[step].popleft()
    key = f"{key_prefix}-{step}-{manifest_id}"
    if step == "pickup":
        body = {"type": "pickup", "idempotency_key": key, "quantity_kg": 1, "lat": ids["origin_lat"],
                "lon": ids["origin_lon"], "handover_code": world.codes.pop(manifest_id)}
        role = "driver"
    elif step == "deliver":
        body = {"type": "deliver", "idempotency_key": key, "lat": ids["dest_lat"], "lon": ids["dest_lon"]}
        role = "driver"
    else:
        body = {"type": "receive", "idempotency_key": key, "quantity_kg": 1, "accepted_kg": 1}
        role = "receiver"
    return f"/api/v1/manifests/{manifest_id}/events", body, role


def follow(step: str, world: World, path: str, status: int) -> None:
    """A manifest that took its step waits for the next one."""
    if status not in (200, 201) or step not in ("pickup", "deliver"):
        return
    manifest_id = int(path.split("/")[4])
    with world.lock:
        world.queues["deliver" if step == "pickup" else "receive"].append(manifest_id)


def measure(port: int, step: str, world: World, seconds: float, clients: int, tokens: dict) -> dict:
    latencies, errors, statuses = [], [], {}
    stop_at = time.perf_counter() + seconds
    lock = threading.Lock()
    prefix = secrets.token_hex(4)

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], []
        while time.perf_counter() < stop_at:
            spec = request_for(step, world, prefix)
            if spec is None:
                break
            path, body, role = spec
            headers = {"Content-Type": "application/json"}
            if role:
                headers["Authorization"] = f"Bearer {tokens[role]}"
            started = time.perf_counter()
            try:
                connection.request("POST", path, body=json.dumps(body), headers=headers)
                response = connection.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                status, payload = 0, str(error).encode()
            mine.append(time.perf_counter() - started)
            if status not in (200, 201):
                bad.append((status, payload[:300].decode("utf-8", "replace")))
            follow(step, world, path, status)
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    return {"requests": len(latencies), "seconds": elapsed, "latencies": latencies, "errors": len(errors),
            "error_samples": errors[:3], "statuses": statuses}


def summary(results: list[dict]) -> dict:
    latencies = sorted(x for r in results for x in r["latencies"])
    requests = sum(r["requests"] for r in results)
    seconds = sum(r["seconds"] for r in results)

    def pct(p):
        return round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 1) if latencies else None

    return {"requests": requests, "seconds": round(seconds, 2), "rps": round(requests / seconds, 1) if seconds else 0,
            "p50_ms": pct(0.50), "p95_ms": pct(0.95), "p99_ms": pct(0.99),
            "errors": sum(r["errors"] for r in results),
            "error_samples": [e for r in results for e in r["error_samples"]][:3]}


# ---------------------------------------------------------------- statements per step, in-process

def count_statements(url: str, world: World, count: int) -> dict:
    from sqlalchemy import event

    from wastechain import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": False})
    engine = app.extensions["wastechain.engine"]
    counts = {"statements": 0, "begins": 0, "ends": 0}

    @event.listens_for(engine, "before_cursor_execute")
    def _statement(*_args):
        counts["statements"] += 1

    @event.listens_for(engine, "begin")
    def _begin(_connection):
        counts["begins"] += 1

    @event.listens_for(engine, "commit")
    def _commit(_connection):
        counts["ends"] += 1

    @event.listens_for(engine, "rollback")
    def _rollback(_connection):
        counts["ends"] += 1

    client = app.test_client()
    tokens = login(client)
    out = {}
    for step in STEPS:
        picked = []
        if step == "pickup":
            with world.lock:
                picked = [world.queues["pickup"][i] for i in range(min(count, len(world.queues["pickup"])))]
            fetch_codes(url, world, picked)
        totals = {"statements": 0, "transactions": 0, "round_trips": 0}
        done = 0
        for _ in range(count):
            spec = request_for(step, world, "count-" + secrets.token_hex(3))
            if spec is None:
                break
            path, body, role = spec
            for k in counts:
                counts[k] = 0
            response = client.post(path, json=body, headers={"Authorization": f"Bearer {tokens[role]}"})
            if response.status_code not in (200, 201):
                raise SystemExit(f"{step} failed in the counting run: {response.status_code} {response.get_data(True)}")
            follow(step, world, path, response.status_code)
            totals["statements"] += counts["statements"]
            totals["transactions"] += counts["begins"]
            totals["round_trips"] += counts["statements"] + counts["begins"] + counts["ends"]
            done += 1
        out[step] = {k: round(v / done, 1) for k, v in totals.items()} if done else {}
    out["worker"] = worker_statements(app, engine, counts)
    engine.dispose()
    return out


def worker_statements(app, engine, counts) -> dict | None:
    """Statements per event of the run-time checks done off the request path (when the app has the worker)."""
    try:
        from wastechain.services.outbox import drain
    except ImportError:
        return None
    with app.app_context():
        session = app.extensions["wastechain.sessions"]()
        for k in counts:
            counts[k] = 0
        checked = drain(session, now=datetime.now(timezone.utc), thresholds=app.extensions["wastechain.settings"].thresholds)
        session.close()
    return {"events": checked, "statements_per_event": round(counts["statements"] / checked, 2) if checked else None}


def worker_available() -> bool:
    try:
        import wastechain.services.outbox  # noqa: F401
    except ImportError:
        return False
    return True


def login(client) -> dict:
    tokens = {}
    for role, username in (("producer", "chem_producer"), ("driver", "driver1"), ("receiver", "burner_receiver")):
        response = client.post("/api/v1/auth/token", json={"username": username, "password": PASSWORD})
        tokens[role] = response.get_json()["token"]
    return tokens


def http_login(port: int) -> dict:
    tokens = {}
    for role, username in (("producer", "chem_producer"), ("driver", "driver1"), ("receiver", "burner_receiver")):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request("POST", "/api/v1/auth/token", body=json.dumps({"username": username, "password": PASSWORD}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        tokens[role] = json.loads(response.read())["token"]
        connection.close()
    return tokens


# ---------------------------------------------------------------- servers

def gunicorn(args, target: str, port: int, env: dict) -> subprocess.Popen:
    command = [str(ROOT / ".venv/bin/gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", str(args.workers),
               "--worker-class", args.worker_class, "--threads", str(args.threads), "--keep-alive",
               str(args.keep_alive), "--backlog", "2048", "--log-level", "warning", "--chdir", str(ROOT / "benchmarks"),
               "--pythonpath", str(ROOT), target]
    process = subprocess.Popen(command, env={**os.environ, **env}, start_new_session=True)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/nothing-here")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn {target} did not start on port {port}")


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


# ---------------------------------------------------------------- main

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/wc_bench_steps",
                        help="a PostgreSQL database that is dropped and created")
    parser.add_argument("--per-step", type=int, default=600, help="manifests staged in each step's queue")
    parser.add_argument("--seconds", type=float, default=10, help="length of one measured round")
    parser.add_argument("--rounds", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--clients", type=int, default=8, help="client threads, one persistent connection each")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers (both servers)")
    parser.add_argument("--threads", type=int, default=1, help="gunicorn threads per worker (both servers)")
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker class: sync or gthread")
    parser.add_argument("--keep-alive", type=int, default=2, help="gunicorn --keep-alive seconds")
    parser.add_argument("--count", type=int, default=20, help="requests per step in the statement-counting run")
    parser.add_argument("--port", type=int, default=18631, help="the app's port; the bare app's is the next")
    parser.add_argument("--no-run-checks", dest="run_checks", action="store_false",
                        help="do not run the run-checks worker beside the servers (it runs by default, as in production)")
    parser.add_argument("--out", help="also write the results as JSON to this file")
    args = parser.parse_args()

    log(f"fresh database {args.url.rsplit('/', 1)[-1]}; building the world ({args.per_step} manifests per step)")
    fresh_database(args.url)
    started = time.perf_counter()
    world = build(args.url, args.per_step)
    log(f"world built in {time.perf_counter() - started:.0f} s")
    counted = count_statements(args.url, world, args.count)
    log("statements per request:", json.dumps(counted))

    env = {"DATABASE_URL": args.url, "BENCH_DATABASE_URL": args.url, "SECRET_KEY": SECRET, "RATELIMIT_ENABLED": "0",
           "PUBLIC_BASE_URL": "http://127.0.0.1"}
    app_server = gunicorn(args, "app:app", args.port, env)
    bare_server = gunicorn(args, "bench_steps:bare_app()", args.port + 1, env)
    checks_worker = None
    if args.run_checks and worker_available():  # as in production: the run-time checks drained beside the steps
        checks_worker = subprocess.Popen([str(ROOT / ".venv/bin/flask"), "--app", "app", "run-checks", "--loop",
                                          "--interval", "1"], cwd=ROOT, env={**os.environ, **env},
                                         start_new_session=True, stderr=subprocess.DEVNULL)
    results = {step: [] for step in ("bare",) + STEPS}
    paired_bare = {step: [] for step in STEPS}
    try:
        tokens = http_login(args.port)
        # warm-up: every worker imports and connects before anything is measured
        measure(args.port + 1, "bare", world, 2, args.clients, tokens)
        measure(args.port, "issue", world, 2, args.clients, tokens)
        for r in range(1, args.rounds + 1):
            for step in STEPS:
                bare = measure(args.port + 1, "bare", world, args.seconds, args.clients, tokens)
                results["bare"].append(bare)
                paired_bare[step].append(bare)
                if step == "pickup":  # this round's share of the queue, with its codes fetched just before
                    with world.lock:
                        queue = list(world.queues["pickup"])
                    share = queue[:max(1, len(queue) // (args.rounds - r + 1))]
                    fetch_codes(args.url, world, share)
                    with world.lock:
                        world.queues["pickup"] = deque(share)
                    result = measure(args.port, step, world, args.seconds, args.clients, tokens)
                    with world.lock:
                        world.queues["pickup"].extend(queue[len(share):])
                else:
                    result = measure(args.port, step, world, args.seconds, args.clients, tokens)
                results[step].append(result)
                s = summary([result])
                log(f"round {r} {step}: {s['rps']} req/s (bare {summary([bare])['rps']}), p50 {s['p50_ms']} ms, "
                    f"errors {s['errors']} {s['error_samples'][:1]}")
    finally:
        stop(app_server)
        stop(bare_server)
        if checks_worker is not None:
            stop(checks_worker)

    report = {"date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
              "settings": {k: v for k, v in vars(args).items() if k not in ("out",)}, "steps": {}}
    bare_all = summary(results["bare"])
    report["bare"] = bare_all
    print(f"\nbare Flask + INSERT: {bare_all['rps']} req/s, p50 {bare_all['p50_ms']} ms, p95 {bare_all['p95_ms']} ms, "
          f"p99 {bare_all['p99_ms']} ms, errors {bare_all['errors']}")
    print(f"settings: {args.workers} workers × {args.threads} threads ({args.worker_class}), keep-alive "
          f"{args.keep_alive} s, {args.clients} clients, {args.rounds} rounds × {args.seconds} s, run-checks worker "
          f"{'running' if checks_worker is not None else 'absent'}")
    print("| step | req/s | bare req/s (same rounds) | ratio | p50 ms | p95 ms | p99 ms | errors | statements | "
          "transactions | round trips |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for step in STEPS:
        s = summary(results[step])
        b = summary(paired_bare[step])
        c = counted.get(step, {})
        ratio = round(100 * s["rps"] / b["rps"], 1) if b["rps"] else None
        report["steps"][step] = {**s, "bare_rps": b["rps"], "ratio_pct": ratio, **c}
        print(f"| {step} | {s['rps']} | {b['rps']} | {ratio} % | {s['p50_ms']} | {s['p95_ms']} | {s['p99_ms']} | "
              f"{s['errors']} | {c.get('statements')} | {c.get('transactions')} | {c.get('round_trips')} |")
    if counted.get("worker"):
        report["worker"] = counted["worker"]
        print(f"run-checks worker: {counted['worker']['statements_per_event']} statements per event "
              f"({counted['worker']['events']} events drained)")
    if args.out:
        Path(args.out).write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()

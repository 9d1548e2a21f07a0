"""驾驶舱: the jurisdiction's figures of a period, read from the daily rollups (today's live from today's rows)."""
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select

from wastechain.domain.assessment import rate
from wastechain.domain.vocabulary import AnomalyStatus, Severity
from wastechain.models import Anomaly, DailyFigures, DailyFlow, User
from wastechain.services import access, catalog
from wastechain.services.statistics.rollups import FIGURES, ZERO, Figures, compute_day
from wastechain.services.statistics.scope import either_clause, region_clause, require_viewer, sees

MONTHLY_AFTER_DAYS = 92  # longer periods are charted by month
KG_FIGURES = tuple(name for name in FIGURES if name.endswith("_kg"))


def _add(into: Figures, values) -> None:
    for name in FIGURES:
        setattr(into, name, getattr(into, name) + (values[name] or 0))


def _live(session, actor: User, today: date, receipt_working_days: int):
    """Today's figures and flows in the jurisdiction, computed from today's rows (not yet rolled up)."""
    computed = compute_day(session, today, receipt_working_days=receipt_working_days)
    figures = {key: row for key, row in computed.figures.items() if sees(actor, key[0])}
    flows = {key: value for key, value in computed.flows.items() if sees(actor, key[0]) or sees(actor, key[1])}
    return figures, flows


def period_figures(session, *, actor: User, date_from: date, date_to: date, today: date,
                   receipt_working_days: int = 5) -> dict:
    """Per day and per stream sums of the rollups of the period, plus storage at its end, in the jurisdiction."""
    last_rolled = min(date_to, today - timedelta(days=1))
    where = (region_clause(DailyFigures.region_code, actor),)
    sums = [func.sum(getattr(DailyFigures, name)).label(name) for name in FIGURES]
    by_day: dict[date, Figures] = defaultdict(Figures)
    by_stream: dict[str, Figures] = defaultdict(Figures)
    if date_from <= last_rolled:
        span = (DailyFigures.day >= date_from, DailyFigures.day <= last_rolled)
        for row in session.execute(select(DailyFigures.day, *sums).where(*where, *span).group_by(DailyFigures.day)):
            _add(by_day[row.day], row._mapping)
        for row in session.execute(select(DailyFigures.stream, *sums).where(*where, *span)
                                   .group_by(DailyFigures.stream)):
            _add(by_stream[row.stream], row._mapping)
    storage = defaultdict(lambda: ZERO, session.execute(
        select(DailyFigures.stream, func.sum(DailyFigures.storage_change_kg))
        .where(*where, DailyFigures.day <= last_rolled).group_by(DailyFigures.stream)).all())
    flows = defaultdict(lambda: [ZERO, 0])
    if date_from <= last_rolled:
        for origin, destination, stream, kg, n in session.execute(
                select(DailyFlow.origin_region_code, DailyFlow.destination_region_code, DailyFlow.stream,
                       func.sum(DailyFlow.kg), func.sum(DailyFlow.manifests))
                .where(DailyFlow.day >= date_from, DailyFlow.day <= last_rolled,
                       either_clause(DailyFlow.origin_region_code, DailyFlow.destination_region_code, actor))
                .group_by(DailyFlow.origin_region_code, DailyFlow.destination_region_code, DailyFlow.stream)):
            flows[(origin, destination, stream)] = [kg, int(n)]
    if date_from <= today <= date_to:
        live_figures, live_flows = _live(session, actor, today, receipt_working_days)
        for (_region, stream, _category), row in live_figures.items():
            _add(by_day[today], vars(row))
            _add(by_stream[stream], vars(row))
            storage[stream] += row.storage_change_kg
        for key, (kg, n) in live_flows.items():
            flows[key][0] += kg
            flows[key][1] += n
    return {"by_day": dict(by_day), "by_stream": dict(by_stream), "storage": dict(storage), "flows": dict(flows)}


def open_anomalies(session, actor: User) -> dict[str, int]:
    """Anomalies not yet resolved in the jurisdiction, by severity (every severity present, 0 when none)."""
    visible = access.visible_anomalies(actor).where(Anomaly.status != AnomalyStatus.RESOLVED).subquery()
    counts = dict(session.execute(select(visible.c.severity, func.count()).group_by(visible.c.severity)).all())
    return {s.value: int(counts.get(s, counts.get(s.value, 0))) for s in Severity}


def kpis(totals: Figures, storage_kg: Decimal) -> dict:
    return {"produced_kg": totals.produced_kg, "transferred_kg": totals.transferred_kg,
            "disposed_kg": totals.disposed_kg, "in_storage_kg": storage_kg,
            "closed_loop_rate": rate(totals.manifests_closed, totals.manifests_picked_up),
            "on_time_receipt_rate": rate(totals.receipts_on_time, totals.deliveries),
            "approval_manifests": totals.approval_manifests, "approval_kg": totals.approval_kg,
            "manifests_issued": totals.manifests_issued, "manifests_picked_up": totals.manifests_picked_up}


def _buckets(date_from: date, date_to: date) -> list[tuple[str, date, date]]:
    """(label, first, last) of each day, or each month when the period is long."""
    out = []
    if (date_to - date_from).days < MONTHLY_AFTER_DAYS:
        day = date_from
        while day <= date_to:
            out.append((day.isoformat(), day, day))
            day += timedelta(days=1)
        return out
    first = date_from.replace(day=1)
    while first <= date_to:
        after = (first + timedelta(days=32)).replace(day=1)
        out.append((f"{first:%Y-%m}", max(first, date_from), min(after - timedelta(days=1), date_to)))
        first = after
    return out


def trend(by_day: dict[date, Figures], date_from: date, date_to: date) -> dict:
    """Chart series: produced, transferred, disposed kg and manifests issued per day (or month)."""
    labels, series = [], {name: [] for name in ("produced_kg", "transferred_kg", "disposed_kg", "manifests_issued")}
    for label, first, last in _buckets(date_from, date_to):
        bucket = Figures()
        for day, row in by_day.items():
            if first <= day <= last:
                _add(bucket, vars(row))
        labels.append(label)
        for name in series:
            value = getattr(bucket, name)
            series[name].append(float(value) if isinstance(value, Decimal) else value)
    return {"labels": labels, "series": series}


def sankey(flows: dict, names: dict[str, str]) -> dict:
    """Per stream: nodes (origin counties 产生地, destination counties 接收地) and links in kg, for ECharts."""
    out: dict[str, dict] = {}
    for (origin, destination, stream), (kg, n) in sorted(flows.items()):
        if not kg:
            continue
        chart = out.setdefault(stream, {"nodes": [], "links": []})
        source, target = f"{names.get(origin, origin)} ▸", f"▸ {names.get(destination, destination)}"
        for node in (source, target):
            if node not in chart["nodes"]:
                chart["nodes"].append(node)
        chart["links"].append({"source": source, "target": target, "value": float(kg), "manifests": n,
                               "origin": origin, "destination": destination, "kg": kg})
    return out


def dashboard(session, *, actor: User, date_from: date, date_to: date, today: date,
              receipt_working_days: int = 5) -> dict:
    """Everything the dashboard page shows for the period, in the actor's jurisdiction."""
    require_viewer(actor)
    data = period_figures(session, actor=actor, date_from=date_from, date_to=date_to, today=today,
                          receipt_working_days=receipt_working_days)
    totals = Figures()
    for row in data["by_day"].values():
        _add(totals, vars(row))
    streams = sorted(set(data["by_stream"]) | {s for s, kg in data["storage"].items() if kg})
    regions = {code for key in data["flows"] for code in key[:2]}
    names = catalog.region_names(session, regions)
    return {"from": date_from, "to": date_to, "kpis": kpis(totals, sum(data["storage"].values(), ZERO)),
            "streams": [{"stream": s, **kpis(data["by_stream"].get(s, Figures()), data["storage"].get(s, ZERO))}
                        for s in streams],
            "anomalies": open_anomalies(session, actor), "trend": trend(data["by_day"], date_from, date_to),
            "sankey": sankey(data["flows"], names), "region_names": names}


def county_figures(session, *, actor: User, date_from: date, date_to: date, today: date,
                   receipt_working_days: int = 5) -> dict[str, Figures]:
    """The period's figures per county of the jurisdiction (today's live)."""
    require_viewer(actor)
    last_rolled = min(date_to, today - timedelta(days=1))
    out: dict[str, Figures] = defaultdict(Figures)
    if date_from <= last_rolled:
        sums = [func.sum(getattr(DailyFigures, name)).label(name) for name in FIGURES]
        for row in session.execute(select(DailyFigures.region_code, *sums)
                                   .where(region_clause(DailyFigures.region_code, actor),
                                          DailyFigures.day >= date_from, DailyFigures.day <= last_rolled)
                                   .group_by(DailyFigures.region_code)):
            _add(out[row.region_code], row._mapping)
    if date_from <= today <= date_to:
        live, _flows = _live(session, actor, today, receipt_working_days)
        for (region, _stream, _category), row in live.items():
            _add(out[region], vars(row))
    return dict(out)

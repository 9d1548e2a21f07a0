"""The ledger (管理台账, 《固体废物污染环境防治法》§36/§78) of a site: inflow, outflow and stock by waste code.

Movements come from the batches produced at the site and from the lineage flows, so the ledger and the lineage
can never disagree: inflow = produced + received into stock or for treatment + refused quantity back + cancelled
shipments back; outflow = shipped + utilized/disposed.
"""
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from sqlalchemy import BigInteger, exists, func, select, type_coerce, union_all

from wastechain.domain.quantities import ZERO, kg_from_grams
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA, local_date
from wastechain.domain.vocabulary import LineageKind as K
from wastechain.models import Batch, LineageFlow, Site, User
from wastechain.services import access
from wastechain.services.catalog.editions import reporting_groups
from wastechain.services.rendering import tables

IN_KINDS = (K.STOCKED, K.RETURNED, K.CANCELLED, K.ACCEPTED, K.SURPLUS)
OUT_KINDS = (K.SHIPPED, K.DISPOSED)
DERIVED_KINDS = (K.STOCKED, K.RETURNED, K.SURPLUS)  # batches made by a receipt enter the ledger by their flows


def _g(column):
    return type_coerce(column, BigInteger)


def _movements(site_id: int, until: datetime):
    """(at, waste_code, signed grams) of every movement at a site before `until`, as one SELECT."""
    derived = exists().where(LineageFlow.batch_id == Batch.id, LineageFlow.kind.in_(DERIVED_KINDS))
    produced = select(Batch.generated_at.label("at"), Batch.waste_code.label("waste_code"),
                      _g(Batch.quantity_kg).label("grams")).where(
        Batch.site_id == site_id, Batch.generated_at < until, ~derived)
    inflow = select(LineageFlow.recorded_at, LineageFlow.waste_code, _g(LineageFlow.quantity_kg)).where(
        LineageFlow.site_id == site_id, LineageFlow.kind.in_(IN_KINDS), LineageFlow.recorded_at < until)
    outflow = select(LineageFlow.recorded_at, LineageFlow.waste_code, -_g(LineageFlow.quantity_kg)).where(
        LineageFlow.site_id == site_id, LineageFlow.kind.in_(OUT_KINDS), LineageFlow.recorded_at < until)
    return union_all(produced, inflow, outflow).subquery()


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=CHINA)


def stock_at(session, site_id: int, moment: datetime) -> dict[str, object]:
    """Stock by waste code at a site at a moment: every movement before it, summed in SQL."""
    moves = _movements(site_id, moment)
    rows = session.execute(select(moves.c.waste_code, func.sum(moves.c.grams)).group_by(moves.c.waste_code)).all()
    return {code: kg_from_grams(int(g)) for code, g in rows}


def _period_key(day: date, period: str) -> str:
    return day.isoformat() if period == "day" else day.strftime("%Y-%m")


def site_ledger(session, *, actor: User, site_id: int, date_from: date, date_to: date, period: str = "day") -> dict:
    """Opening stock, inflow, outflow and closing stock by waste code for each day or month of a date range."""
    site = access.visible_site(session, actor, site_id)
    opening = {code: kg for code, kg in stock_at(session, site.id, _start(date_from)).items()}
    moves = _movements(site.id, _start(date_to + timedelta(days=1)))
    rows = session.execute(select(moves.c.at, moves.c.waste_code, moves.c.grams)
                           .where(moves.c.at >= _start(date_from)).order_by(moves.c.at)).all()
    inflow, outflow = defaultdict(int), defaultdict(int)
    for at, code, grams in rows:
        key = (_period_key(local_date(at), period), code)
        (inflow if grams > 0 else outflow)[key] += abs(int(grams))
    periods, day = [], date_from
    while day <= date_to:
        key = _period_key(day, period)
        if not periods or periods[-1] != key:
            periods.append(key)
        day += timedelta(days=1)
    codes = sorted(set(opening) | {c for _, c in inflow} | {c for _, c in outflow})
    balance = {c: opening.get(c, ZERO) for c in codes}
    out_rows = []
    for key in periods:
        for code in codes:
            i, o = kg_from_grams(inflow[(key, code)]), kg_from_grams(outflow[(key, code)])
            if not (i or o or balance[code]):
                continue
            opening_kg = balance[code]
            balance[code] = opening_kg + i - o
            out_rows.append({"period": key, "waste_code": code, "opening_kg": opening_kg, "inflow_kg": i,
                             "outflow_kg": o, "closing_kg": balance[code]})
    return {"site_id": site.id, "site": site.name, "organization_id": site.organization_id, "period": period,
            "from": date_from, "to": date_to, "rows": out_rows, "groups": reporting_groups(session, codes)}


COLUMNS = ("period", "waste_code", "opening_kg", "inflow_kg", "outflow_kg", "closing_kg")
HEADERS = [N_("期间"), N_("废物代码"), N_("期初库存(kg)"), N_("入库(kg)"), N_("出库(kg)"), N_("期末库存(kg)")]


def ledger_csv(ledger: dict, headers: list[str] | None = None) -> bytes:
    return tables.to_csv(headers or HEADERS, ([row[c] for c in COLUMNS] for row in ledger["rows"]))


def ledger_xlsx(ledger: dict, headers: list[str] | None = None, title: str | None = None,
                sheet_title: str = "台账") -> bytes:
    """One sheet through the one exporter: title row, frozen header with filters, widths, formula-safe cells;
    a page passes headers and title in its language."""
    return tables.to_xlsx(headers or HEADERS, ([row[c] for c in COLUMNS] for row in ledger["rows"]),
                          sheet_title=sheet_title,
                          title=title or f"{ledger['site']} 管理台账 {ledger['from']} 至 {ledger['to']}",
                          number_format="0.000")


def site_stock(session, *, actor: User, site_id: int, day: date | None, now: datetime) -> dict:
    """Stock by waste code at a site at the end of a day in China (or now), against its capacity."""
    site = access.visible_site(session, actor, site_id)
    at = now if day is None else _start(day + timedelta(days=1))
    stock = stock_at(session, site.id, at)
    return {"site_id": site.id, "at": at, "stock_kg": sum(stock.values(), ZERO), "capacity_kg": site.capacity_kg,
            "items": [{"waste_code": c, "quantity_kg": q} for c, q in sorted(stock.items()) if q]}


def own_sites(session, *, actor: User) -> list:
    """The sites of the user's own organization (the ledger pages' site list), by name."""
    if actor.organization_id is None:
        return []
    return list(session.scalars(select(Site).where(Site.organization_id == actor.organization_id)
                                .order_by(Site.name, Site.id)))


def ledger_chart(ledger: dict) -> dict:
    """The ledger as chart series: for each period, inflow, outflow and closing stock by waste code and in total
    (what the page's chart draws; periods with no row for a code carry its stock forward)."""
    periods, day = [], ledger["from"]
    while day <= ledger["to"]:  # every period of the range, those without movements too
        key = _period_key(day, ledger["period"])
        if not periods or periods[-1] != key:
            periods.append(key)
        day += timedelta(days=1)
    codes = sorted({row["waste_code"] for row in ledger["rows"]})
    by_key = {(row["period"], row["waste_code"]): row for row in ledger["rows"]}
    series, last = {}, {}
    for code in codes:
        inflow, outflow, closing = [], [], []
        for period in periods:
            row = by_key.get((period, code))
            if row is not None:
                last[code] = row["closing_kg"]
            inflow.append(float(row["inflow_kg"]) if row else 0.0)
            outflow.append(float(row["outflow_kg"]) if row else 0.0)
            closing.append(float(last.get(code, ZERO)))
        series[code] = {"inflow": inflow, "outflow": outflow, "closing": closing}
    total = {kind: [round(sum(series[c][kind][i] for c in codes), 3) for i in range(len(periods))]
             for kind in ("inflow", "outflow", "closing")}
    return {"periods": periods, "codes": codes, "series": series, "total": total}


def ledger_totals(ledger: dict) -> list[dict]:
    """Per waste code over the whole range: opening (first period), inflow, outflow, closing (last period); codes
    a newer catalog edition merged or split are added up under the code(s) in force (ledger["groups"])."""
    out: dict[str, dict] = {}
    for row in ledger["rows"]:
        item = out.setdefault(row["waste_code"], {"waste_code": row["waste_code"], "opening_kg": row["opening_kg"],
                                                  "inflow_kg": ZERO, "outflow_kg": ZERO})
        item["inflow_kg"] += row["inflow_kg"]
        item["outflow_kg"] += row["outflow_kg"]
        item["closing_kg"] = row["closing_kg"]
    groups: dict[str, dict] = {}
    for code in sorted(out):
        label = ledger.get("groups", {}).get(code, code)
        group = groups.setdefault(label, {"waste_code": label, "codes": [], "opening_kg": ZERO, "inflow_kg": ZERO,
                                          "outflow_kg": ZERO, "closing_kg": ZERO})
        group["codes"].append(code)
        for name in ("opening_kg", "inflow_kg", "outflow_kg", "closing_kg"):
            group[name] += out[code][name]
    return [groups[label] for label in sorted(groups)]

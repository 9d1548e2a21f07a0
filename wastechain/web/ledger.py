"""The ledger (管理台账) pages of an enterprise's sites: inflow, outflow and stock by waste code and month, as a
table and a chart (Apache ECharts, vendored in static/vendor/), and the XLSX export through the one exporter."""
from datetime import date

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain.api.ledger.schemas import LedgerArgs
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import DECLARING_ROLES
from wastechain.services.storage import ledger
from wastechain.web.common import actor, db, now, roles_required

bp = Blueprint("ledger_pages", __name__, url_prefix="/ledger")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIELD_NAMES = {"from": N_("起始日期"), "to": N_("结束日期"), "period": N_("期间"), "format": N_("格式")}


def _range() -> tuple[dict, str | None]:
    """The page's date range, read by the API's own schema; the default is this year up to today, by month."""
    today = local_date(now())
    raw = {"from": request.args.get("from") or date(today.year, 1, 1).isoformat(),
           "to": request.args.get("to") or today.isoformat(),
           "period": request.args.get("period") or "month"}
    try:
        return LedgerArgs().load(raw), None
    except ValidationError as error:
        field, problems = next(iter(error.messages.items()))
        problem = problems[0] if isinstance(problems, list) else problems
        fallback = LedgerArgs().load({"from": date(today.year, 1, 1).isoformat(), "to": today.isoformat(),
                                      "period": "month"})
        return fallback, f"{_(FIELD_NAMES.get(field, field))}：{problem}"


@bp.get("/")
@roles_required(*DECLARING_ROLES)
def index():
    """The organization's sites; with one site, straight to its ledger."""
    sites = ledger.own_sites(db(), actor=actor())
    if len(sites) == 1:
        return redirect(url_for(".site", site_id=sites[0].id))
    return render_template("ledger/index.html", sites=sites)


@bp.get("/sites/<int:site_id>")
@roles_required(*DECLARING_ROLES)
def site(site_id):
    args, error = _range()
    data = ledger.site_ledger(db(), actor=actor(), site_id=site_id, date_from=args["date_from"],
                              date_to=args["date_to"], period=args["period"])
    return render_template("ledger/site.html", ledger=data, chart=ledger.ledger_chart(data),
                           totals=ledger.ledger_totals(data), sites=ledger.own_sites(db(), actor=actor()),
                           args=args, error=error, raw=request.args)


@bp.get("/sites/<int:site_id>.xlsx")
@roles_required(*DECLARING_ROLES)
def export(site_id):
    """The ledger of the range shown, as an XLSX sheet (frozen header, filters, column widths, numbers as numbers)."""
    args, _error = _range()
    data = ledger.site_ledger(db(), actor=actor(), site_id=site_id, date_from=args["date_from"],
                              date_to=args["date_to"], period=args["period"])
    title = _("%(site)s 管理台账 %(start)s 至 %(end)s", site=data["site"], start=data["from"].isoformat(),
              end=data["to"].isoformat())
    body = ledger.ledger_xlsx(data, headers=[_(h) for h in ledger.HEADERS], title=title, sheet_title=_("台账"))
    name = f"ledger-{site_id}-{data['from']}-{data['to']}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""The enterprise's batch pages: register a batch with the waste-code picker, the batch list (search, filters,
paging, time in storage against the legal limit), one batch with its labels and the manifests carrying it,
containers (nesting, unpacking, their labels) and the XLSX bulk import.

Every input goes through the API's own schema (BatchIn): the form, each import row and the JSON API validate alike.
"""
import re

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain.api.batches.schemas import BatchArgs, BatchIn
from wastechain.api.catalog.schemas import WasteCodeArgs
from wastechain.domain.batchinfo import (BATCH_FIELD_NAMES, BATCH_STATUS_NAMES, CONTAINER_KIND_NAMES,
                                         CONTAINER_STATUS_NAMES, HAZARD_NAMES, STORAGE_STATE_NAMES, WASTE_FORM_NAMES)
from wastechain.domain.catalog import KIND_NAMES
from wastechain.domain.errors import DomainError, ValidationFailed
from wastechain.domain.states import STATUS_NAMES
from wastechain.domain.streams import STREAM_NAMES
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.domain.vocabulary import ISSUER_ROLES
from wastechain.i18n import language, message_of
from wastechain.services import catalog
from wastechain.services.catalog.editions import batch_edition
from wastechain.services.rendering import labels
from wastechain.services.storage import batch_import, batches, containers
from wastechain.web.common import actor, db, now, roles_required, scan_path, secret, settings

bp = Blueprint("batches_page", __name__)

FORM_FIELDS = ("site_id", "waste_code", "quantity_kg", "generated_at", "container_count", "waste_form",
               "main_components", "hazardous_components", "precautions", "contact_name", "contact_phone")

# What marshmallow and the shared fields say, as a person reads it (the raw texts name no field and are English).
PROBLEMS = (
    ("Missing data for required field", N_("必填")),
    ("Field may not be null", N_("必填")),
    ("Not a valid integer", N_("应为整数")),
    ("Not a valid number", N_("应为数字")),
    ("Not a valid datetime", N_("应为日期和时间，例如 2026-12-01 09:30")),
    ("Not a valid aware datetime", N_("应为日期和时间，例如 2026-12-01 09:30")),
    ("Not a valid date", N_("应为日期，例如 2026-12-01")),
    ("Not a valid string", N_("应为文本")),
    ("Must be one of", N_("不是可选的值")),
    ("必须是以下之一", N_("不是可选的值")),
    ("Longer than maximum length", N_("太长")),
    ("Length must be between", N_("长度不符合要求")),
    ("必须是数字（千克）", N_("应为数字（千克）")),
    ("不是有效的数量", N_("应为数字（千克）")),
    ("超出允许范围", N_("超出允许范围")),
    ("最多保留 3 位小数", N_("最多保留 3 位小数（精确到克）")),
    ("必须大于 0", N_("必须大于 0")),
    # the kilogram field answers in the page's language (api.common.Kg)
    ("must be a number (kilograms)", N_("应为数字（千克）")),
    ("is not a valid quantity", N_("应为数字（千克）")),
    ("is out of the allowed range", N_("超出允许范围")),
    ("at most 3 decimals", N_("最多保留 3 位小数（精确到克）")),
    ("must be greater than 0", N_("必须大于 0")),
    ("时间超出允许范围", N_("时间超出允许范围（2000–2100 年）")),
    ("编号必须是", N_("不是有效的编号")),
    ("必须是正整数", N_("应为正整数")),
    ("应为 5–30 位数字", N_("应为 5–30 位数字（可含 + - 空格 括号）")),
    ("不能包含控制字符", N_("不能包含控制字符")),
    ("包含无效的 Unicode 字符", N_("包含无效的字符")),
)


def readable(message) -> str:
    """One schema problem as a translatable sentence (N_-marked text; the page translates it)."""
    text = message[0] if isinstance(message, list) else str(message)
    for needle, sentence in PROBLEMS:
        if needle in text:
            return sentence
    return N_("格式不正确")


def _china_time(text: str) -> str:
    """A form's or a cell's time, typed in China time ('2026-12-01T09:30', '2026-12-01 09:30', '2026-12-01'),
    as the API's ISO time with its offset."""
    value = text.strip().replace(" ", "T", 1)
    if not value:
        return ""
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}", value):
        value += "T00:00"
    if not re.search(r"(Z|[+-]\d\d:?\d\d)$", value):
        value += "+08:00"
    return value


def load_batch(form: dict) -> tuple[dict | None, dict[str, str]]:
    """A form or import row read by the API's BatchIn: (fields, {}) or (None, {field: N_ problem})."""
    present = {name: str(form.get(name) or "").strip() for name in FORM_FIELDS}
    present["generated_at"] = _china_time(present["generated_at"])
    present = {name: value for name, value in present.items() if value}
    try:
        return BatchIn().load(present), {}
    except ValidationError as error:
        return None, {field: readable(problems) for field, problems in error.messages.items()}


def _field_error(field: str, sentence: str) -> ValidationFailed:
    return ValidationFailed(N_("{field}：{problem}"), params={"field": BATCH_FIELD_NAMES.get(field, field),
                                                              "problem": sentence}, details={field: sentence})


# ---------------------------------------------------------------- the list

@bp.get("/batches")
@roles_required(*ISSUER_ROLES)
def index():
    try:
        args = BatchArgs().load({k: v for k, v in request.args.items() if v.strip()})
    except ValidationError as error:
        flash(_("筛选条件有误：%(fields)s", fields=_list([_(BATCH_FILTER_NAMES.get(f, f)) for f in error.messages])),
              "error")
        args = BatchArgs().load({})
    user = actor()
    found = batches.list_batches(db(), actor=user, status=args["status"], site_id=args["site_id"], q=args["q"],
                                 waste_code=args["waste_code"], date_from=args["date_from"], date_to=args["date_to"],
                                 page=args["page"], per_page=args["per_page"])
    moment = now()
    rows = [(b, batches.time_in_storage(b, now=moment, thresholds=settings().thresholds)) for b in found.items]
    filters = {k: request.args.get(k, "") for k in ("q", "waste_code", "site_id", "status", "from", "to")}
    return render_template("batches/index.html", page=found, rows=rows, filters=filters,
                           query={k: v for k, v in filters.items() if v},
                           sites=batches.own_sites(db(), actor=user), status_names=BATCH_STATUS_NAMES,
                           storage_names=STORAGE_STATE_NAMES)


BATCH_FILTER_NAMES = {"q": N_("搜索"), "waste_code": N_("废物代码"), "site_id": N_("贮存场所"), "status": N_("状态"),
                      "from": N_("开始日期"), "to": N_("结束日期"), "page": N_("页码"), "per_page": N_("每页条数")}


# ---------------------------------------------------------------- registering one batch

def _form_page(values: dict, errors: dict[str, str], status: int = 200):
    user = actor()
    chosen = values.get("waste_code", "").strip()
    picked = catalog.search_waste_codes(db(), q=chosen, per_page=1).items if chosen else []
    picked = picked[0] if picked and picked[0].code == chosen else None
    return render_template("batches/new.html", values=values, errors=errors,
                           sites=batches.own_sites(db(), actor=user), forms=WASTE_FORM_NAMES,
                           field_names=BATCH_FIELD_NAMES, picked=_code_view(picked, picked.edition.verified) if picked else None), status


@bp.route("/batches/new", methods=["GET", "POST"])
@roles_required(*ISSUER_ROLES)
def new():
    if request.method == "GET":
        sites = batches.own_sites(db(), actor=actor())
        default = {"generated_at": now().astimezone(CHINA).strftime("%Y-%m-%dT%H:%M"),
                   "site_id": str(sites[0].id) if len(sites) == 1 else ""}
        return _form_page(default, {})
    values = {name: request.form.get(name, "") for name in FORM_FIELDS}
    fields, problems = load_batch(values)
    if problems:
        flash(_("请更正标出的项目后再提交"), "error")
        return _form_page(values, {f: _(p) for f, p in problems.items()}, 422)
    try:
        batch = batches.register_batch(db(), actor=actor(), now=now(), **fields)
    except DomainError as error:
        if error.code == "NOT_FOUND":
            raise
        flash(message_of(error), "error")
        return _form_page(values, {f: message_of(error) for f in error.details if f in FORM_FIELDS}, 422)
    flash(_("已登记批次 %(code)s", code=batch.unit_code), "info")
    return redirect(url_for("batches_page.detail", batch_id=batch.id))


def _code_view(code, verified: bool = True) -> dict:
    """A catalog entry as the picker shows it, in the page's language (a provisional class marked)."""
    hazards = [_(HAZARD_NAMES.get(h, h)) for h in labels.hazard_codes(code.hazard)]
    return {"code": code.code, "name": code.name, "category": code.category, "category_name": code.category_name,
            "stream": code.stream, "stream_name": _(STREAM_NAMES.get(code.stream, code.stream)),
            "hazards": hazards, "hazard_text": _list(hazards) if hazards else _("无"),
            "provisional": "" if verified else _("暂定类别（未与正式目录核对）")}


def _list(names: list[str]) -> str:
    """Names as a list in the page's language (、 in Chinese, a comma in English)."""
    return ("、" if language() == "zh" else ", ").join(names)


@bp.get("/batches/waste-codes.json")
@roles_required()
def waste_codes():
    """The code picker's search (the page's session; the API's GET /waste-codes answers bearer tokens)."""
    try:
        args = WasteCodeArgs().load({k: v for k, v in request.args.items() if k in ("q", "page", "per_page")})
    except ValidationError:
        return jsonify({"items": [], "total": 0, "error": _("搜索条件有误")}), 422
    found = catalog.search_waste_codes(db(), q=args["q"], page=args["page"], per_page=min(args["per_page"], 20))
    response = jsonify({"items": [_code_view(c, c.edition.verified) for c in found.items], "total": found.total, "page": found.page,
                        "pages": found.pages})
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


# ---------------------------------------------------------------- one batch

@bp.get("/batches/<int:batch_id>")
@roles_required(*ISSUER_ROLES)
def detail(batch_id):
    user = actor()
    batch = batches.get_batch(db(), actor=user, batch_id=batch_id)
    carrying = batches.manifests_carrying(db(), actor=user, batch_id=batch.id)
    held_in = [c for c in containers.list_containers(db(), actor=user, site_id=batch.site_id, per_page=200).items
               if c.batch_id == batch.id]
    edition = batch_edition(db(), batch)
    return render_template("batches/detail.html", batch=batch, edition=edition, catalog_names=KIND_NAMES,
                           code=_code_view(batch.waste, edition.verified if edition else True),
                           storage=batches.time_in_storage(batch, now=now(), thresholds=settings().thresholds),
                           storage_names=STORAGE_STATE_NAMES, status_names=BATCH_STATUS_NAMES, forms=WASTE_FORM_NAMES,
                           manifests=carrying, manifest_status_names=STATUS_NAMES, containers=held_in,
                           kind_names=CONTAINER_KIND_NAMES, scan_url=scan_path("batch", batch.id),
                           medical=batch.waste.stream == "medical")


# ---------------------------------------------------------------- containers

@bp.get("/containers")
@roles_required(*ISSUER_ROLES)
def container_list():
    user = actor()
    page_number = request.args.get("page", "1")
    page_number = int(page_number) if page_number.isascii() and page_number.isdigit() and 0 < int(page_number) < 10**6 else 1
    found = containers.list_containers(db(), actor=user, page=page_number, per_page=30)
    described = [containers.describe(db(), actor=user, container_id=c.id) for c in found.items]
    stored = batches.list_batches(db(), actor=user, per_page=200).items
    return render_template("batches/containers.html", page=found, containers=described,
                           codes={c.id: c.code for c in found.items},
                           open_ids=[c.id for c in found.items if c.status == "open"],
                           sites=batches.own_sites(db(), actor=user), kinds=CONTAINER_KIND_NAMES,
                           statuses=CONTAINER_STATUS_NAMES, batches=[b for b in stored if b.remaining_kg > 0],
                           unit_codes={b.id: b.unit_code for b in stored})


def _container_action(action, message: str):
    try:
        action()
    except DomainError as error:
        if error.code == "NOT_FOUND":
            raise
        flash(message_of(error), "error")
    else:
        flash(message, "info")
    return redirect(url_for("batches_page.container_list", page=request.form.get("page") or None))


def _id(name: str) -> int | None:
    value = (request.form.get(name) or "").strip()
    return int(value) if value.isascii() and value.isdigit() and 0 < int(value) < 2**31 else None


@bp.post("/containers")
@roles_required(*ISSUER_ROLES)
def container_create():
    site_id, kind = _id("site_id"), request.form.get("kind", "")
    if site_id is None or kind not in CONTAINER_KIND_NAMES:
        flash(_("请选择场所和容器类型"), "error")
        return redirect(url_for("batches_page.container_list"))
    return _container_action(lambda: containers.create_container(db(), actor=actor(), site_id=site_id, kind=kind,
                                                                now=now()), _("已登记容器"))


@bp.post("/containers/<int:container_id>/put")
@roles_required(*ISSUER_ROLES)
def container_put(container_id):
    child, batch_id = _id("child_container_id"), _id("batch_id")
    quantity = None
    if batch_id is not None:
        fields, problems = load_batch({"quantity_kg": request.form.get("quantity_kg", ""), "site_id": "1",
                                       "waste_code": "x", "generated_at": "2026-01-01"})
        if "quantity_kg" in problems:
            flash(_("%(field)s：%(problem)s", field=_(BATCH_FIELD_NAMES["quantity_kg"]),
                    problem=_(problems["quantity_kg"])), "error")
            return redirect(url_for("batches_page.container_list"))
        quantity = fields["quantity_kg"]
    if (child is None) == (batch_id is None):
        flash(_("请选择要装入的容器或批次"), "error")
        return redirect(url_for("batches_page.container_list"))
    return _container_action(lambda: containers.put_into(db(), actor=actor(), container_id=container_id,
                                                         child_container_id=child, batch_id=batch_id,
                                                         quantity_kg=quantity), _("已装入"))


@bp.post("/containers/<int:container_id>/take-out")
@roles_required(*ISSUER_ROLES)
def container_take_out(container_id):
    child, batch_id = _id("child_container_id"), _id("batch_id")
    if (child is None) == (batch_id is None):
        flash(_("请选择要取出的容器或批次"), "error")
        return redirect(url_for("batches_page.container_list"))
    return _container_action(lambda: containers.take_out(db(), actor=actor(), container_id=container_id,
                                                         child_container_id=child, batch_id=batch_id), _("已取出"))


def conditional(rendered) -> Response:
    """A label with its ETag; 304 (nothing drawn) when the browser already holds this very content."""
    headers = {"ETag": f'"{rendered.etag}"', "Cache-Control": "private, no-cache",
               "Content-Disposition": f'inline; filename="{rendered.filename}"'}
    tags = {t.strip().removeprefix("W/").strip('"') for t in request.headers.get("If-None-Match", "").split(",")}
    if rendered.etag in tags:
        return Response(status=304, headers=headers)
    return Response(rendered.body(), mimetype=rendered.mimetype, headers=headers)


@bp.get("/containers/<int:container_id>/label.<any(png, pdf):fmt>")
@roles_required(*ISSUER_ROLES)
def container_label(container_id, fmt):
    return conditional(containers.container_label(db(), actor=actor(), container_id=container_id, fmt=fmt,
                                                  base_url=settings().public_base_url, secret=secret()))


@bp.after_app_request
def _label_etags(response):
    """The producer's label downloads (web/producer.py) answer with an ETag and 304 too: the body is already
    drawn from the label cache, so this only spares the network and the printer's PC."""
    if request.endpoint in ("producer.label", "producer.labels_sheet") and response.status_code == 200:
        response.add_etag()
        response.headers["Cache-Control"] = "private, no-cache"
        response.make_conditional(request)
    return response


# ---------------------------------------------------------------- bulk import

IMPORT_WIDTHS = {"waste_code": 14, "site_id": 24, "quantity_kg": 12, "generated_at": 20, "container_count": 10,
                 "waste_form": 10, "main_components": 24, "hazardous_components": 24, "precautions": 30,
                 "contact_name": 12, "contact_phone": 16}
IMPORT_ORDER = ("waste_code", "site_id", "quantity_kg", "generated_at", "container_count", "waste_form",
                "main_components", "hazardous_components", "precautions", "contact_name", "contact_phone")


def _columns() -> list[batch_import.Column]:
    return [batch_import.Column(f, _(BATCH_FIELD_NAMES[f]), IMPORT_WIDTHS[f]) for f in IMPORT_ORDER]


def _accepted_headers() -> dict[str, str]:
    """Both languages' headers are read, whichever page the template came from."""
    accepted = {}
    for field, chinese in BATCH_FIELD_NAMES.items():
        accepted[batch_import.header_key(chinese)] = field
        accepted[batch_import.header_key(_(chinese))] = field
    return accepted


@bp.get("/batches/import/template.xlsx")
@roles_required(*ISSUER_ROLES)
def import_template():
    user = actor()
    sites = batches.own_sites(db(), actor=user)
    forms = [_(name) for name in WASTE_FORM_NAMES.values()]
    example = ["900-041-49", sites[0].name if sites else "", 120.5,
               now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M"), 2, forms[0], _("废包装桶"), _("矿物油"),
               _("远离火源"), user.username, "0570-1234567"]
    body = batch_import.template_xlsx(
        _columns(), example=example, choices={"site_id": [s.name for s in sites], "waste_form": forms},
        title=_("批次"), help_title=_("填写说明"), help_rows=[
            (_("列"), _("说明")),
            (_(BATCH_FIELD_NAMES["waste_code"]), _("国家危险废物名录或一般固体废物分类中的代码，例如 900-041-49")),
            (_(BATCH_FIELD_NAMES["site_id"]), _("本单位的场所名称：%(names)s", names=_list([s.name for s in sites]))),
            (_(BATCH_FIELD_NAMES["quantity_kg"]), _("千克，最多 3 位小数")),
            (_(BATCH_FIELD_NAMES["generated_at"]), _("北京时间，例如 2026-12-01 09:30")),
            (_(BATCH_FIELD_NAMES["waste_form"]), _list(forms)),
            (_("其他"), _("第 2 行是示例，请替换或删除；全部行通过校验才会导入，任何一行有错误都不会导入。"))])
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="batch-import-template.xlsx"'})


def _letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _row_values(cells: dict, sites: dict[str, int], forms: dict[str, str]) -> tuple[dict, dict[str, str]]:
    """An import row as the form's strings, with site and form names turned into what the schema takes."""
    values = {field: batch_import.cell_text(value) for field, value in cells.items()}
    problems = {}
    site = values.get("site_id", "")
    if site:
        if site in sites:
            values["site_id"] = str(sites[site])
        else:
            problems["site_id"] = N_("不是本单位的场所")
            values.pop("site_id")
    form = values.get("waste_form", "")
    if form:
        if batch_import.header_key(form) in forms:
            values["waste_form"] = forms[batch_import.header_key(form)]
        else:
            problems["waste_form"] = N_("应为：固态、半固态、液态或气态")
            values.pop("waste_form")
    return values, problems


@bp.route("/batches/import", methods=["GET", "POST"])
@roles_required(*ISSUER_ROLES)
def bulk_import():
    if request.method == "GET":
        return render_template("batches/import.html", result=None)
    upload = request.files.get("file")
    data = upload.read() if upload else b""
    if not data:
        flash(_("请选择要上传的 .xlsx 文件"), "error")
        return render_template("batches/import.html", result=None), 422
    user = actor()
    try:
        columns, rows = batch_import.read_rows(data, _accepted_headers())
    except ValidationFailed as error:
        flash(message_of(error), "error")
        return render_template("batches/import.html", result=None), 422
    letters = {field: _letter(number) for number, field in columns.items()}
    sites = {}
    for site in batches.own_sites(db(), actor=user):
        sites[site.name] = sites[str(site.id)] = site.id
    forms = {}
    for value, name in WASTE_FORM_NAMES.items():
        forms[batch_import.header_key(name)] = forms[batch_import.header_key(_(name))] = str(value)
        forms[batch_import.header_key(value)] = str(value)
    good, problems = [], []
    for number, cells in rows:
        values, row_problems = _row_values(cells, sites, forms)
        fields, schema_problems = load_batch(values)
        row_problems = {**schema_problems, **row_problems}
        if row_problems:
            problems += [batches.RowProblem(row=number, field=field, error=_field_error(field, sentence))
                         for field, sentence in row_problems.items()]
        else:
            good.append((number, fields))
    result = {"rows": len(rows), "registered": [], "problems": []}
    try:
        result["registered"] = batches.import_batches(db(), actor=user, rows=good, now=now(), problems=problems)
    except batches.ImportRefused as refused:
        result["problems"] = [{"row": p.row, "column": letters.get(p.field, ""),
                               "header": _(BATCH_FIELD_NAMES.get(p.field, p.field)) if p.field else "",
                               "message": message_of(p.error)} for p in refused.problems]
        result["bad_rows"] = len({p.row for p in refused.problems})
        flash(message_of(refused), "error")
        return render_template("batches/import.html", result=result), 422
    except ValidationFailed as error:
        flash(message_of(error), "error")
        return render_template("batches/import.html", result=None), 422
    flash(_("已导入 %(n)s 个批次", n=len(result["registered"])), "info")
    return render_template("batches/import.html", result=result)

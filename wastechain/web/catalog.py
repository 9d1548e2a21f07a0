"""The administrator's catalog page: the editions in force (the pending ones flagged), and the checked import of a
new edition — upload, see every refused row and the difference, confirm to apply (one transaction)."""
import base64
import binascii
from datetime import date

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from wastechain.domain import catalog as rules
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.timeutil import CHINA
from wastechain.domain.vocabulary import Role
from wastechain.i18n import message_of
from wastechain.services.catalog import editions, imports
from wastechain.web.common import actor, db, now, roles_required

bp = Blueprint("catalog_admin", __name__)

DIFF_NAMES = {"added": N_("新增"), "removed": N_("删除"), "renamed": N_("名称变更"), "hazard_changed": N_("危险特性变更"),
              "category_changed": N_("类别变更"), "merged": N_("合并"), "split": N_("拆分"), "replaced": N_("代码替换")}
FORM_NAMES = {"kind": N_("名录"), "edition": N_("版本"), "effective": N_("施行日期"), "title": N_("标题"),
              "table": N_("名录表文件"), "mapping": N_("合并/拆分映射文件")}


def _today() -> date:
    return now().astimezone(CHINA).date()


def _index(form: dict, errors: dict, status: int = 200):
    today = _today()
    return render_template("catalog/index.html", editions=editions.all_editions(db()),
                           pending=editions.pending_editions(db(), today), today=today, form=form, errors=errors,
                           kinds=rules.IMPORTABLE_KINDS, kind_names=rules.KIND_NAMES, columns=rules.COLUMNS,
                           links=rules.EXEMPT_LINKS, form_names=FORM_NAMES), status


@bp.get("/catalog")
@roles_required(Role.ADMIN)
def index():
    return _index({"kind": "hazardous"}, {})[0]


def _form() -> tuple[dict, dict]:
    """The typed values and what is wrong with them (in Chinese, translated by the template)."""
    form = {name: request.form.get(name, "").strip() for name in ("kind", "edition", "effective", "title")}
    errors = {}
    if form["kind"] not in rules.IMPORTABLE_KINDS:
        errors["kind"] = N_("不是可选的值")
    if not form["edition"] or len(form["edition"]) > 40:
        errors["edition"] = N_("必填，最多 40 个字")
    if len(form["title"]) > 200:
        errors["title"] = N_("太长")
    try:
        form["effective_date"] = date.fromisoformat(form["effective"])
    except ValueError:
        errors["effective"] = N_("应为日期，例如 2026-12-01")
    return form, errors


def _files() -> dict:
    """The uploaded files, or (on the confirmation) the same files carried back by the form."""
    files = {}
    for name in ("table", "mapping"):
        upload = request.files.get(name)
        if upload and upload.filename:
            files[name] = (upload.filename, upload.read())
        elif request.form.get(f"{name}_data"):
            try:
                files[name] = (request.form.get(f"{name}_name", "file.csv"),
                               base64.b64decode(request.form[f"{name}_data"], validate=True))
            except (binascii.Error, ValueError):
                raise ValidationFailed(N_("上传的文件已损坏，请重新上传"), details={"file": "corrupt"}) from None
    return files


def _plan(form: dict, files: dict):
    rows, problems = imports.read_table(files["table"][1], files["table"][0], rules.COLUMNS[form["kind"]])
    mapping = []
    if "mapping" in files:
        name, data = files["mapping"]
        mapping, mapping_problems = imports.read_table(data, name, imports.MAPPING_COLUMNS)
        problems += mapping_problems
    return {"kind": form["kind"], "edition": form["edition"], "effective_from": form["effective_date"], "rows": rows,
            "mapping": mapping, "problems": problems}


def _problems(plan: imports.ImportPlan) -> list[dict]:
    return [{"row": p.row, "column": _(rules.COLUMN_NAMES.get(p.column, p.column)),
             "message": _(p.template).format(**{**p.params, "column": _(rules.COLUMN_NAMES.get(p.column, p.column))})}
            for p in plan.problems]


def _check_page(form: dict, files: dict, plan: imports.ImportPlan, status: int = 200):
    carried = {name: {"name": filename, "data": base64.b64encode(data).decode("ascii")}
               for name, (filename, data) in files.items()}
    return render_template("catalog/check.html", form=form, plan=plan, problems=_problems(plan), files=carried,
                           diff=vars(plan.diff) if plan.diff else {}, kind_names=rules.KIND_NAMES,
                           diff_names=DIFF_NAMES), status


@bp.post("/catalog/check")
@roles_required(Role.ADMIN)
def check():
    form, errors = _form()
    try:
        files = _files()
    except ValidationFailed as error:
        errors["table"] = error.template
        files = {}
    if "table" not in files:
        errors.setdefault("table", N_("请选择名录表文件（CSV 或 XLSX）"))
    if errors:
        flash(_("请更正标出的项目后再提交"), "error")
        return _index(form, errors, 422)
    plan = imports.plan_import(db(), **_plan(form, files))
    db().rollback()  # a dry run: nothing to keep
    return _check_page(form, files, plan, 200 if plan.ok else 422)


@bp.post("/catalog/apply")
@roles_required(Role.ADMIN)
def apply():
    form, errors = _form()
    files = _files()
    if errors or "table" not in files:
        flash(_("请更正标出的项目后再提交"), "error")
        return _index(form, errors, 422)
    try:
        plan = imports.apply_import(db(), actor=actor(), title=form["title"] or None, **_plan(form, files))
    except imports.CatalogImportRefused as refused:
        flash(message_of(refused), "error")
        plan = imports.ImportPlan(kind=form["kind"], edition=form["edition"], effective_from=form["effective_date"],
                                  rows=0, problems=refused.problems)
        return _check_page(form, files, plan, 422)
    if plan.applied:
        flash(_("已导入%(kind)s %(edition)s 版，自 %(date)s 起施行", kind=_(rules.KIND_NAMES[plan.kind]),
                edition=plan.edition, date=plan.effective_from.isoformat()), "info")
    else:
        flash(_("该版本已按此文件导入，没有任何改变"), "info")
    return redirect(url_for("catalog_admin.index"))

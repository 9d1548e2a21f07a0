"""Company administration pages (the enterprise's own admin) and everyone's own account page (password).

/company: the company's people (add staff and drivers, reset a password, deactivate, confirm an account a regulator
created, make a colleague admin), its sites, its vehicles (a carrier) and its API keys (shown once). /account: change
one's own name (shown beside one's work) and password (every other page login and every bearer token ends). The forms are read by the API's schemas.
"""
from flask import Blueprint, Response, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from marshmallow import ValidationError

from wastechain.api.auth.schemas import KeyIn, PasswordIn
from wastechain.api.users.schemas import CompanyUserIn, ResetPasswordIn
from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import ROLE_NAMES
from wastechain.i18n import message_of
from wastechain.domain.quantities import parse_kg
from wastechain.services import catalog
from wastechain.services.accounts import auth, company, keys, profile
from wastechain.services.accounts.parties import SITE_KINDS
from wastechain.web import sessions
from wastechain.web.common import actor, attempt, db, now, roles_required, settings
from wastechain import throttle

bp = Blueprint("company", __name__)

PER_PAGE = 50
FIELD_LABELS = {"username": N_("用户名"), "password": N_("密码"), "role": N_("角色"), "name": N_("名称"),
                "user_id": N_("账号"), "current_password": N_("当前密码"), "new_password": N_("新密码"),
                "kind": N_("场所类型"), "region_code": N_("所在区县"), "address": N_("地址"), "plate": N_("车牌号"),
                "max_load_kg": N_("核定载重（kg）"), "org_admin": N_("单位管理员"), "display_name": N_("姓名")}
SITE_KIND_NAMES = {"production": N_("生产场所"), "storage": N_("贮存点"), "facility": N_("利用处置设施")}


def _load(schema, form) -> dict:
    """A form read by the API's schema; a problem names the field in the page's language."""
    present = {k: v for k, v in form.items() if k != "csrf_token" and str(v).strip() != ""}
    try:
        return schema.load(present)
    except ValidationError as error:
        field = next(iter(error.messages))
        raise ValidationFailed(N_("{field}：格式不正确或未填写"), params={"field": FIELD_LABELS.get(field, field)},
                               details=error.messages) from None


def _optional_kg(value: str | None):
    value = (value or "").strip()
    return parse_kg(value, field=_("核定载重（kg）")) if value else None


def _refused(error):
    flash(message_of(error), "error")


# ---------------------------------------------------------------- people

def _users_page(form=None, status=200):
    user = actor()
    org = company.own_organization(db(), actor=user)
    q = (request.args.get("q") or "").strip()[:64] or None
    role = request.args.get("role") or None
    roles = company.user_roles_for(org)
    if role not in roles:
        role = None
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = company.list_users(db(), actor=user, q=q, role=role, page=page, per_page=PER_PAGE)
    return render_template("company/index.html", org=org, users=found, roles=roles, role_names=ROLE_NAMES,
                           filters={"q": q or "", "role": role or ""}, form=form or {},
                           pending=company.pending_count(db(), actor=user)), status


@bp.get("/company")
@roles_required()
def index():
    return _users_page()


@bp.post("/company/users")
@roles_required()
def add_user():
    def act():
        body = _load(CompanyUserIn(), request.form)
        created = company.add_company_user(db(), actor=actor(), hash_method=settings().password_hash_method, **body)
        flash(_("已添加账号 %(name)s，可立即登录", name=created.username), "info")
        return redirect(url_for("company.index"))

    def refused(error):
        _refused(error)
        return _users_page(form={k: v for k, v in request.form.items() if k != "password"}, status=422)

    return attempt(act, on_refusal=refused)


def _user_page(user_id: int, status=200):
    member = company.company_user(db(), actor=actor(), user_id=user_id)
    return render_template("company/user.html", member=member, role_names=ROLE_NAMES, me=actor()), status


@bp.get("/company/users/<int:user_id>")
@roles_required()
def user(user_id):
    return _user_page(user_id)


def _act_on_user(user_id: int, done: str, service, **fields):
    def act():
        service(db(), actor=actor(), user_id=user_id, **fields)
        flash(done, "info")
        return redirect(url_for("company.user", user_id=user_id))

    def refused(error):
        _refused(error)
        return _user_page(user_id, status=422 if error.code != "FORBIDDEN" else 403)

    return attempt(act, on_refusal=refused)


@bp.post("/company/users/<int:user_id>/password")
@roles_required()
def reset_password(user_id):
    def act():
        body = _load(ResetPasswordIn(), request.form)
        company.reset_password(db(), actor=actor(), user_id=user_id, password=body["password"],
                               hash_method=settings().password_hash_method)
        flash(_("已重设密码；该账号的所有登录已退出"), "info")
        return redirect(url_for("company.user", user_id=user_id))

    def refused(error):
        _refused(error)
        return _user_page(user_id, status=422)

    return attempt(act, on_refusal=refused)


@bp.post("/company/users/<int:user_id>/deactivate")
@roles_required()
def deactivate(user_id):
    return _act_on_user(user_id, _("账号已停用，所有登录已退出"), company.set_active, active=False)


@bp.post("/company/users/<int:user_id>/activate")
@roles_required()
def activate(user_id):
    return _act_on_user(user_id, _("账号已启用"), company.set_active, active=True)


@bp.post("/company/users/<int:user_id>/admin")
@roles_required()
def set_admin(user_id):
    grant = request.form.get("org_admin") == "1"
    return _act_on_user(user_id, _("已设为单位管理员") if grant else _("已取消单位管理员"), company.set_org_admin,
                        org_admin=grant)


@bp.post("/company/users/<int:user_id>/confirm")
@roles_required()
def confirm(user_id):
    return _act_on_user(user_id, _("账号已确认，可以登录使用"), company.confirm_user)


# ---------------------------------------------------------------- sites and vehicles

def _sites_page(form=None, status=200):
    user = actor()
    return render_template("company/sites.html", org=company.own_organization(db(), actor=user),
                           sites=company.list_sites(db(), actor=user).items, kinds=SITE_KINDS,
                           kind_names=SITE_KIND_NAMES, counties=company.counties_near(db(), actor=user),
                           region_names=catalog.region_names(db(), [s.region_code for s in company.list_sites(db(), actor=user).items]), form=form or {}), status


@bp.get("/company/sites")
@roles_required()
def sites():
    return _sites_page()


@bp.post("/company/sites")
@roles_required()
def add_site():
    form = request.form

    def act():
        name = form.get("name", "").strip()
        if not name:
            raise ValidationFailed(N_("{field}：格式不正确或未填写"), params={"field": FIELD_LABELS["name"]},
                                   details={"name": "required"})
        company.add_site(db(), actor=actor(), name=name[:200], kind=form.get("kind", ""),
                         region_code=form.get("region_code", ""), address=form.get("address", "").strip()[:300])
        flash(_("已添加场所"), "info")
        return redirect(url_for("company.sites"))

    def refused(error):
        _refused(error)
        return _sites_page(form=dict(form), status=422)

    return attempt(act, on_refusal=refused)


def _vehicles_page(form=None, status=200):
    user = actor()
    org = company.own_organization(db(), actor=user)
    return render_template("company/vehicles.html", org=org, vehicles=company.list_vehicles(db(), actor=user).items,
                           form=form or {}, carrier=org.has_role("transporter")), status


@bp.get("/company/vehicles")
@roles_required()
def vehicles():
    return _vehicles_page()


@bp.post("/company/vehicles")
@roles_required()
def add_vehicle():
    form = request.form

    def act():
        company.add_vehicle(db(), actor=actor(), plate=form.get("plate", "")[:16],
                            max_load_kg=_optional_kg(form.get("max_load_kg")))
        flash(_("已登记车辆"), "info")
        return redirect(url_for("company.vehicles"))

    def refused(error):
        _refused(error)
        return _vehicles_page(form=dict(form), status=422)

    return attempt(act, on_refusal=refused)


# ---------------------------------------------------------------- API keys

def _keys_page(created=None, created_key=None, form=None, status=200):
    user = actor()
    page = max(1, request.args.get("page", 1, type=int) or 1)
    found = keys.list_keys(db(), actor=user, page=page, per_page=PER_PAGE)
    members = [u for u in company.list_users(db(), actor=user, per_page=200).items if u.is_active]
    response = Response(render_template("company/keys.html", keys=found, members=members, created=created,
                                        created_key=created_key, form=form or {}, role_names=ROLE_NAMES, me=user),
                        status=status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/company/keys")
@roles_required()
def api_keys():
    return _keys_page()


@bp.post("/company/keys")
@roles_required()
def create_key():
    def act():
        body = _load(KeyIn(), request.form)
        key, record = keys.create_key(db(), actor=actor(), name=body["name"], user_id=body["user_id"], now=now())
        return _keys_page(created=record, created_key=key, status=201)

    def refused(error):
        _refused(error)
        return _keys_page(form=dict(request.form), status=422)

    return attempt(act, on_refusal=refused)


@bp.post("/company/keys/<int:key_id>/revoke")
@roles_required()
def revoke_key(key_id):
    record = keys.revoke_key(db(), actor=actor(), key_id=key_id, now=now())
    flash(_("密钥「%(name)s」已吊销", name=record.name), "info")
    return redirect(url_for("company.api_keys"))


# ---------------------------------------------------------------- one's own account

def _account_page(status=200, typed_name=None):
    return render_template("company/account.html", role_names=ROLE_NAMES, typed_name=typed_name), status


@bp.route("/account", methods=["GET", "POST"])
@roles_required()
def account():
    if request.method == "GET":
        return _account_page()

    def act():
        body = _load(PasswordIn(), request.form)
        throttle.login_attempt(actor().username)
        login_id = session.get(sessions.LOGIN_KEY)
        done = auth.change_password(db(), user=actor(), current_password=body["current_password"],
                                    new_password=body["new_password"], hash_method=settings().password_hash_method,
                                    gate=throttle.password_gate(),
                                    keep_login_id=login_id if isinstance(login_id, int) else None)
        flash(_("密码已修改；其他设备上的登录和 API 令牌已全部退出（%(n)s 个）",
                n=done["revoked_logins"] + done["revoked_tokens"]), "info")
        return redirect(url_for("company.account"))

    def refused(error):
        _refused(error)
        return _account_page(422)

    return attempt(act, on_refusal=refused)


@bp.post("/account/name")
@roles_required()
def account_name():
    typed = request.form.get("display_name", "")

    def act():
        saved = profile.set_display_name(db(), user=actor(), display_name=typed)
        flash(_("姓名已保存：%(name)s", name=saved.display_name) if saved.display_name
              else _("已清除姓名，页面将显示您的用户名"), "info")
        return redirect(url_for("company.account"))

    def refused(error):
        _refused(error)
        return _account_page(422, typed_name=typed)

    return attempt(act, on_refusal=refused)

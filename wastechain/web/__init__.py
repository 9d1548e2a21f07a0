"""HTML pages for drivers, enterprises and regulators: session login, CSRF on every form."""
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from wastechain import i18n, throttle
from wastechain.domain.states import STEP_NAMES
from wastechain.domain.text import N_
from wastechain.requestctx import db
from wastechain.services import access
from wastechain.services.accounts import profile
from wastechain.services.accounts.auth import authenticate
from wastechain.services.rendering.pdf import check_fonts_at_startup
from wastechain.web import (anomalies, approvals, batches, carrier, catalog, company, dashboard, declarations, driver,
                            enterprises, headers, ledger, producer, receiver, regulator, scan, search, sessions, tasks,
                            tipoff_desk, tipoffs)
from wastechain.web.menu import MENU
from wastechain.web.common import cn_time, kg

bp = Blueprint("web", __name__)
login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = N_("请先登录")
login_manager.localize_callback = _
csrf = CSRFProtect()


login_manager.user_loader(sessions.load_user)


def _safe_next(target: str | None) -> str:
    """Only same-site paths: never redirect a logged-in user to another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("web.home")


@bp.get("/")
def home():
    return render_template("home.html")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        username = request.form.get("username", "").strip()
        throttle.login_attempt(username)
        user = authenticate(db(), username=username, password=request.form.get("password", ""),
                            gate=throttle.password_gate())
        if user is None:
            flash(_("用户名或密码错误"), "error")
            return render_template("login.html", next=request.form.get("next", ""),
                                   username=request.form.get("username", "")), 401
        token = sessions.log_in(user)
        return sessions.remember(redirect(_safe_next(request.form.get("next"))), token)
    return render_template("login.html", next=request.args.get("next", ""))


@bp.post("/language")
def choose_language():
    """The header's language switch: remembered with the account when logged in, else on this browser."""
    chosen = request.form.get("lang", "")
    if chosen in i18n.LANGUAGES:
        session[i18n.SESSION_KEY] = chosen
        if current_user.is_authenticated:
            profile.set_locale(db(), user=current_user, locale=chosen)
    return redirect(_safe_next(request.form.get("next")))


@bp.post("/logout")
def logout():
    sessions.log_out()
    flash(_("已退出登录"), "info")
    return redirect(url_for("web.login"))


def init_app(app) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    login_manager.init_app(app)
    sessions.init_app(app)
    headers.init_app(app)
    tipoffs.init_app(app)  # before the CSRF check reads a form: the tip-off form's photos have their own size limit

    @app.before_request
    def _csrf_for_pages():
        # The JSON API authenticates with bearer tokens, which a foreign page cannot send; forms need CSRF.
        if app.config.get("WTF_CSRF_ENABLED", True) and not request.path.startswith("/api/"):
            csrf.protect()

    app.add_template_filter(kg, "kg")
    app.add_template_filter(cn_time, "cn_time")
    app.add_template_global(STEP_NAMES, "all_step_names")  # the timeline (_events.html) names steps on every page

    @app.context_processor
    def _user():
        user = current_user if current_user.is_authenticated else None
        return {"current_user": current_user, "can": access.capabilities(user), "menu": MENU}

    app.register_blueprint(bp)
    tasks.init_app(app)
    regulator.init_app(app)
    for module in (scan, driver, producer, receiver, regulator, company, tasks, carrier, anomalies, batches, ledger,
                   declarations, catalog, search, enterprises, tipoffs, tipoff_desk, approvals, dashboard):
        app.register_blueprint(module.bp)
    app.register_blueprint(receiver.certificates)
    check_fonts_at_startup()  # one clear log line when PDFs would fall back to a non-embedded font

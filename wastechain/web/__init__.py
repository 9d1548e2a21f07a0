"""HTML pages for drivers, enterprises and regulators: session login, CSRF on every form."""
from decimal import Decimal
from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import LoginManager, current_user, login_user, logout_user
from flask_wtf.csrf import CSRFError, CSRFProtect

from wastechain.db import request_session
from wastechain.domain.timeutil import CHINA
from wastechain.models import User
from wastechain.services.auth import authenticate

bp = Blueprint("web", __name__)
login_manager = LoginManager()
login_manager.login_view = "web.login"
login_manager.login_message = "请先登录"
csrf = CSRFProtect()


@login_manager.user_loader
def _load_user(user_id: str):
    user = request_session().get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.active else None


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
        user = authenticate(request_session(), username=request.form.get("username", "").strip(),
                            password=request.form.get("password", ""))
        if user is None:
            flash("用户名或密码错误", "error")
            return render_template("login.html", next=request.form.get("next", "")), 401
        login_user(user, remember=True)
        return redirect(_safe_next(request.form.get("next")))
    return render_template("login.html", next=request.args.get("next", ""))


@bp.post("/logout")
def logout():
    logout_user()
    flash("已退出登录", "info")
    return redirect(url_for("web.login"))


def _kg(value) -> str:
    """1250.500 → 1250.5 (kilograms as people write them; the value stays exact)."""
    if value is None:
        return ""
    text = f"{Decimal(value):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _cn_time(value) -> str:
    return value.astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def init_app(app) -> None:
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    csrf.init_app(app)
    login_manager.init_app(app)

    @app.before_request
    def _csrf_for_pages():
        # The JSON API authenticates with bearer tokens, which a foreign page cannot send; forms need CSRF.
        if app.config.get("WTF_CSRF_ENABLED", True) and not request.path.startswith("/api/"):
            csrf.protect()

    @app.errorhandler(CSRFError)
    def _csrf_failed(error):
        # The phone's sync script needs JSON to know it should fetch a fresh token and retry.
        if request.is_json:
            from flask import jsonify

            from wastechain.api import error_body

            return jsonify(error_body("CSRF_INVALID", "表单已过期或来源无效，请刷新后重试")), 400
        from wastechain.api import render_page_error

        return render_page_error(400, "CSRF " + (error.description or ""))

    app.add_template_filter(_kg, "kg")
    app.add_template_filter(_cn_time, "cn_time")

    @app.context_processor
    def _user():
        return {"current_user": current_user}

    from wastechain.web import driver, producer, receiver, scan

    app.register_blueprint(bp)
    for module in (scan, driver, producer, receiver):
        app.register_blueprint(module.bp)
    from wastechain.web import regulator  # noqa: E402  the regulators' anomaly report (issue 5)
    app.register_blueprint(regulator.bp)

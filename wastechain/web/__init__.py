"""HTML pages for drivers, enterprises and regulators."""
from flask import Blueprint, render_template

bp = Blueprint("web", __name__)


@bp.get("/")
def home():
    return render_template("home.html")


def init_app(app) -> None:
    app.register_blueprint(bp)

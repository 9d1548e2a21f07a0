"""wastechain: closed-loop tracking of solid waste on QR-coded electronic transfer manifests."""
from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """The application: configuration, database, JSON API, pages and CLI."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    from wastechain.config import Config

    app.config.update(Config(app.instance_path).as_dict())
    app.config.update(overrides or {})
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)

    from wastechain import cli, db, web
    from wastechain.api import init_api
    from wastechain.api.common import DecimalJSONProvider

    app.json = DecimalJSONProvider(app)
    db.init_app(app)
    init_api(app)
    web.init_app(app)
    cli.init_app(app)
    return app

"""wastechain: closed-loop tracking of solid waste on QR-coded electronic transfer manifests."""
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from wastechain import cli, http_errors, i18n, requestctx, throttle, web
from wastechain.api import init_api
from wastechain.api.common import DecimalJSONProvider
from wastechain.config import Config
from wastechain.domain.keys import SESSION
from wastechain.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def create_app(overrides: dict | None = None) -> Flask:
    """The application: configuration (validated), database, throttling, JSON API, pages, one error mapping, CLI."""
    app = Flask(__name__, instance_path=str(ROOT / "instance"), template_folder=str(ROOT / "templates"),
                static_folder=str(ROOT / "static"))
    app.config.update(Config(app.instance_path).as_dict())
    if overrides and "SECRET_KEY" in overrides:  # a key given here replaces the environment's or key file's keyring
        app.config.update(SECRET_KEY_ID=1, RETIRED_SECRET_KEYS="")
    app.config.update(overrides or {})
    settings = Settings.from_config(app.config).validate()
    # Sessions and CSRF tokens are signed with the session key derived from the master key, never the master key;
    # cookies signed under a retired key keep verifying (Flask's fallbacks) until that key leaves the keyring.
    app.config["SECRET_KEY"] = settings.keys.key(SESSION).hex()
    app.config["SECRET_KEY_FALLBACKS"] = [settings.keys.key(SESSION, i).hex() for i in settings.keys.retired_ids]
    if settings.trusted_proxies:  # behind nginx: the client's address and scheme from its X-Forwarded-* headers
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies, x_proto=settings.trusted_proxies)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.json = DecimalJSONProvider(app)
    requestctx.init_app(app, settings)
    throttle.init_app(app, settings)
    i18n.init_app(app, ROOT / "translations")
    init_api(app)
    web.init_app(app)
    http_errors.init_app(app)
    cli.init_app(app)
    return app

"""What a request reaches of the app: its database session, settings, clock and logged-in user.

The one bridge between Flask and the services: create_app builds the settings and the session factory once;
each request gets one session, closed (and so rolled back if nothing committed) at teardown.
"""
from datetime import datetime
from pathlib import Path

from flask import current_app, g

from wastechain.db import make_engine
from wastechain.services.wiring import session_factory
from wastechain.settings import Settings


def init_app(app, settings: Settings) -> None:
    """Gives the app its settings, engine and a session per request, closed at teardown."""
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["wastechain.settings"] = settings
    app.extensions["wastechain.engine"] = engine
    app.extensions["wastechain.sessions"] = session_factory(engine, settings)

    @app.teardown_appcontext
    def _close_session(_exc):
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def db():
    """The session of the current request (or app context)."""
    if "db_session" not in g:
        g.db_session = current_app.extensions["wastechain.sessions"]()
    return g.db_session


def settings() -> Settings:
    return current_app.extensions["wastechain.settings"]


def now() -> datetime:
    """The settings' clock: tests move it instead of sleeping."""
    return settings().now()


def paper_scan_dir() -> Path:
    """Where the scans of paper manifests are kept (PAPER_SCAN_DIR)."""
    return Path(current_app.config["PAPER_SCAN_DIR"])


def current_user():
    """The user this request acts for (set by the API's bearer check or the pages' login)."""
    return g.current_user

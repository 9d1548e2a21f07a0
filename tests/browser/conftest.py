"""A real browser on a phone: Debian's Chromium driven by Playwright, against the app on a real local port.

Chromium missing is a failure, never a skip: CI installs it (apt-get install chromium).
"""
import dataclasses
import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.conftest import TEST_CONFIG
from wastechain import create_app

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]
GATE = {"latitude": 28.9701, "longitude": 118.8702}  # the producer's gate in 柯城
PHONE = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2,
         "locale": "zh-CN", "timezone_id": "Asia/Shanghai", "geolocation": GATE, "permissions": ["geolocation"]}


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: apt-get install -y chromium (browser tests must run)"
    # Without this, Chromium's service worker fetches bypass Playwright's network emulation, so set_offline()
    # would not take the phone offline once the worker controls the page.
    os.environ["PW_EXPERIMENTAL_SERVICE_WORKER_NETWORK_EVENTS"] = "1"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def app(database_url):
    """The app as deployed: CSRF on (the pages must send it), QR codes pointing at the live server."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True})
    yield app
    app.extensions["wastechain.engine"].dispose()


class LiveServer:
    """The app on a real local port; stop() makes the network really fail (connection refused), start() heals it."""

    def __init__(self, app):
        self.app = app
        self.port = 0
        self.start()
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.server = make_server("127.0.0.1", self.port, self.app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def live_server(app):
    server = LiveServer(app)
    # QR codes point at the live server's port, known only once it listens
    app.extensions["wastechain.settings"] = dataclasses.replace(app.extensions["wastechain.settings"],
                                                                public_base_url=server.url)
    yield server
    server.stop()


@pytest.fixture
def live_url(live_server):
    return live_server.url


@pytest.fixture
def phone(browser, live_url):
    """A new phone (its own cookies, storage and service worker) per call."""
    contexts = []

    def make(**extra):
        context = browser.new_context(base_url=live_url, **{**PHONE, **extra})
        context.set_default_timeout(15000)
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        context.close()


def log_in(page, username: str) -> None:
    from tests.factories import PASSWORD

    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("button[type=submit].primary").tap()


SCREENS = Path(__file__).resolve().parents[2] / "test-results" / "screens"
WIDTHS = (360, 1280)


def look(page, name: str) -> None:
    """Saves the page at phone and desktop width (test-results/screens/<name>-<width>.png) for a person to look at,
    and fails when anything is wider than the phone's screen."""
    SCREENS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 800})
        # two animation frames: the page has laid itself out again at the new width before it is measured
        page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        if width == 360:
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name}: {overflow}px wider than a 360px phone"
        page.screenshot(path=str(SCREENS / f"{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS[0], "height": 740})

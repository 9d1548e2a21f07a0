"""Throttling of what an attacker would try many times: passwords, the producer's handover code, issuing codes, and the
public tip-off form and its tracking codes.

Each attempt counts once against every limit of its subject (the account, the manifest) and of the client address;
past any of them the request is refused with 429 and Retry-After (http_errors answers the API's JSON shape or a
page) before a password is hashed or a code compared. Counts live in Flask-Limiter's storage: memory by default
(per process), Redis when RATELIMIT_STORAGE_URI names one, so all workers share them. If that storage cannot be
reached the attempt is refused as Busy (503): failing open would hand a brute force the outage.

The app also gets its PasswordGate here: the bound on password checks running at once (services.accounts.auth).
"""
import hashlib
import logging
import math
import time

from flask import current_app, request
from flask_limiter import Limiter
from limits import parse_many
from werkzeug.exceptions import TooManyRequests

from wastechain.domain.errors import Busy
from wastechain.domain.text import N_
from wastechain.http_errors import WAIT_MESSAGE
from wastechain.requestctx import settings
from wastechain.services.accounts.auth import PasswordGate
from wastechain.settings import Settings

log = logging.getLogger(__name__)


def init_app(app, settings_: Settings) -> None:
    """The app's limiter (its storage from the settings) and its password gate."""
    limiter = Limiter(key_func=client_address, app=app, storage_uri=settings_.ratelimit_storage_uri,
                      strategy="fixed-window", enabled=settings_.ratelimit_enabled, headers_enabled=False,
                      key_prefix=settings_.ratelimit_key_prefix)
    app.extensions["wastechain.limiter"] = limiter
    app.extensions["wastechain.password_gate"] = PasswordGate(size=settings_.password_hash_concurrency,
                                                              wait_seconds=settings_.password_hash_wait_seconds,
                                                              hash_method=settings_.password_hash_method)


def password_gate() -> PasswordGate:
    return current_app.extensions["wastechain.password_gate"]


def client_address() -> str:
    # The peer's address; behind a reverse proxy, wrap the app in werkzeug's ProxyFix so this is the client's.
    return request.remote_addr or "unknown"


def _key(value: str | int) -> str:
    """A short, storage-safe key for any username (long, odd characters, even lone surrogates)."""
    return hashlib.sha256(str(value).encode("utf-8", "surrogatepass")).hexdigest()[:32]


def _count(action: str, subjects: list[tuple[str, str, str | int]]) -> None:
    """Counts one attempt at `action` for each (limits, scope, key); 429 when any limit is past."""
    current = settings()
    if not current.ratelimit_enabled:
        return
    limiter = current_app.extensions["wastechain.limiter"]
    strategy = limiter.limiter
    refused_until = []
    try:
        for limits, scope, key in subjects:
            identifiers = (current.ratelimit_key_prefix, action, scope, _key(key))
            for item in parse_many(limits):
                if not strategy.hit(item, *identifiers):
                    refused_until.append(strategy.get_window_stats(item, *identifiers).reset_time)
    except limiter.storage.base_exceptions:
        log.exception("the throttling storage cannot be reached; refusing %s", action)
        raise Busy(N_("系统繁忙，请稍后重试")) from None
    if refused_until:
        wait = max(1, math.ceil(max(refused_until) - time.time()))
        log.warning("throttled %s from %s", action, client_address())
        raise TooManyRequests(description=WAIT_MESSAGE.format(seconds=wait), retry_after=wait)


def login_attempt(username: str) -> None:
    """A password tried for this username (page login or API token): counted per account and per address."""
    current = settings()
    _count("login", [(current.login_limits_per_account, "account", (username or "").strip().casefold()),
                     (current.login_limits_per_address, "address", client_address())])


def handover_attempt(manifest_id: int) -> None:
    """A handover code offered for a pickup of this manifest: counted per manifest and per address."""
    current = settings()
    _count("handover", [(current.handover_limits_per_manifest, "manifest", manifest_id),
                        (current.handover_limits_per_address, "address", client_address())])


def code_issue(username: str) -> None:
    """A new handover code asked for by this producer's account: counted per account and per address."""
    current = settings()
    _count("code", [(current.code_limits_per_account, "account", username),
                    (current.code_limits_per_address, "address", client_address())])


def tipoff_submission() -> None:
    """A public tip-off sent from this address (no account to count against: the address is all there is)."""
    _count("tipoff", [(settings().tipoff_limits_per_address, "address", client_address())])


def tipoff_lookup() -> None:
    """A tracking code tried from this address (the codes are unguessable; this keeps a scan of them slow too)."""
    _count("tipoff-lookup", [(settings().tipoff_lookup_limits_per_address, "address", client_address())])

"""The only reader of the environment: configuration keys with documented defaults (README "Configuration")."""
import json
import os
from pathlib import Path

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.credit import CreditRules
from wastechain.domain.keys import parse_key_file
from wastechain.settings import DEVELOPMENT_SECRET_KEY, LIMIT_SETTINGS, Settings


class Config:
    """Settings with documented defaults; every one can be overridden by the environment or create_app(overrides)."""

    def __init__(self, instance_path: str):
        env = os.environ
        default_db = "sqlite:///" + str(Path(instance_path) / "wastechain.db")
        self.DATABASE_URL = env.get("DATABASE_URL", default_db)
        # One key source for the service, every flask command and cron: SECRET_KEY (its id SECRET_KEY_ID, older
        # keys in RETIRED_SECRET_KEYS) from the environment, else the key file (instance/secret_key, written by
        # ./scripts/run.sh). The development key only runs with FLASK_DEBUG=1 or in tests (Settings.validate).
        self.SECRET_KEY_FILE = env.get("SECRET_KEY_FILE") or str(Path(instance_path) / "secret_key")
        if env.get("SECRET_KEY"):
            self.SECRET_KEY, self.SECRET_KEY_ID = env["SECRET_KEY"], env.get("SECRET_KEY_ID", "1")
            self.RETIRED_SECRET_KEYS = env.get("RETIRED_SECRET_KEYS", "")
        else:
            self.SECRET_KEY, self.SECRET_KEY_ID, self.RETIRED_SECRET_KEYS = _key_file(self.SECRET_KEY_FILE)
        self.SECRET_KEY = self.SECRET_KEY or DEVELOPMENT_SECRET_KEY
        self.DEBUG = env.get("FLASK_DEBUG", "0") == "1"
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.TOKEN_TTL_HOURS = int(env.get("TOKEN_TTL_HOURS", "12"))
        self.MAX_TOKENS_PER_USER = int(env.get("MAX_TOKENS_PER_USER", "5"))
        self.LOGIN_TTL_DAYS = int(env.get("LOGIN_TTL_DAYS", "30"))
        # Off by default so the demo works over plain http; on behind TLS (Secure cookies, HSTS).
        self.SESSION_COOKIE_SECURE = env.get("SESSION_COOKIE_SECURE", "0") == "1"
        self.MAX_CONTENT_LENGTH = int(env.get("MAX_CONTENT_LENGTH", str(2 * 1024 * 1024)))
        # werkzeug's hash method; tests lower the cost, production keeps scrypt.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt")
        # Throttling: counted in memory by default (one process; ./scripts/run.sh needs nothing), in Redis when
        # RATELIMIT_STORAGE_URI names one (redis://127.0.0.1:6379/0), so every worker shares the counts.
        self.RATELIMIT_ENABLED = env.get("RATELIMIT_ENABLED", "1") == "1"
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_KEY_PREFIX = env.get("RATELIMIT_KEY_PREFIX", "wastechain")
        for name in LIMIT_SETTINGS:
            setattr(self, name.upper(), env.get(name.upper(), getattr(Settings, name)))
        self.PASSWORD_HASH_CONCURRENCY = int(env.get("PASSWORD_HASH_CONCURRENCY", "2"))
        self.PASSWORD_HASH_WAIT_SECONDS = float(env.get("PASSWORD_HASH_WAIT_SECONDS", "2"))
        # Reconciliation thresholds: defaults in wastechain.domain.anomalies.Thresholds, documented in README.md.
        for key in Thresholds.keys():
            if key in env:
                setattr(self, key, env[key])
        # Credit record rules: defaults in wastechain.domain.credit, documented in README.md ("Credit record").
        for key in CreditRules.keys():
            if key in env:
                setattr(self, key, env[key])
        self.RUNTIME_ANOMALY_CHECKS = env.get("RUNTIME_ANOMALY_CHECKS", "1") == "1"
        # Warnings (预警) of critical anomalies are POSTed here by `flask notifications drain` (none: kept queued).
        self.NOTIFY_WEBHOOK_URL = env.get("NOTIFY_WEBHOOK_URL", "")
        # 跨区域转移审批: the longest validity one approval may have (days, both ends counted; default a year).
        self.APPROVAL_MAX_VALIDITY_DAYS = int(env.get("APPROVAL_MAX_VALIDITY_DAYS", "365"))
        # Public tip-offs: photo files outside the database, their size limit, the form's minimum age, the city.
        self.TIPOFF_PHOTO_DIR = env.get("TIPOFF_PHOTO_DIR") or str(Path(instance_path) / "tipoff_photos")
        self.TIPOFF_PHOTO_MAX_BYTES = int(env.get("TIPOFF_PHOTO_MAX_BYTES", str(5 * 1024 * 1024)))
        self.TIPOFF_FORM_MIN_SECONDS = int(env.get("TIPOFF_FORM_MIN_SECONDS", "5"))
        self.TIPOFF_CITY = env.get("TIPOFF_CITY", "330800")
        self.WTF_CSRF_ENABLED = env.get("WTF_CSRF_ENABLED", "1") == "1"
        # Behind nginx: how many proxies append to X-Forwarded-For (0: none, the peer is the client).
        self.TRUSTED_PROXIES = int(env.get("TRUSTED_PROXIES", "0"))
        # 考核 targets and weights as JSON ({"closed_loop_rate": [0.95, 40], …}; defaults in domain/assessment.py)
        # and the share of licensed capacity past which generation is warned about (capacity matching).
        self.ASSESSMENT_TARGETS = json.loads(env.get("ASSESSMENT_TARGETS") or "{}")
        self.CAPACITY_WARNING_SHARE = env.get("CAPACITY_WARNING_SHARE", "0.8")

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}


def _key_file(path: str) -> tuple[str, str, str]:
    """(key, its id, retired keys) from the key file, or nothing when there is no file."""
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return "", "1", ""
    current, current_id, retired = parse_key_file(text)
    return current, str(current_id), retired

"""The only reader of the environment: configuration keys with documented defaults (README "Configuration")."""
import os
from pathlib import Path

from wastechain.domain.anomalies import Thresholds
from wastechain.settings import DEVELOPMENT_SECRET_KEY


class Config:
    """Settings with documented defaults; every one can be overridden by the environment or create_app(overrides)."""

    def __init__(self, instance_path: str):
        env = os.environ
        default_db = "sqlite:///" + str(Path(instance_path) / "wastechain.db")
        self.DATABASE_URL = env.get("DATABASE_URL", default_db)
        # The development key only runs with FLASK_DEBUG=1 or in tests; Settings.validate refuses it otherwise.
        self.SECRET_KEY = env.get("SECRET_KEY", DEVELOPMENT_SECRET_KEY)
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
        # Reconciliation thresholds: defaults in wastechain.domain.anomalies.Thresholds, documented in README.md.
        for key in Thresholds.keys():
            if key in env:
                setattr(self, key, env[key])
        self.RUNTIME_ANOMALY_CHECKS = env.get("RUNTIME_ANOMALY_CHECKS", "1") == "1"
        self.WTF_CSRF_ENABLED = env.get("WTF_CSRF_ENABLED", "1") == "1"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}

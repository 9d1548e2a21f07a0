"""The only reader of the environment."""
import os
from decimal import Decimal
from pathlib import Path


class Config:
    """Settings with documented defaults; every one can be overridden by the environment or create_app(overrides)."""

    def __init__(self, instance_path: str):
        env = os.environ
        default_db = "sqlite:///" + str(Path(instance_path) / "wastechain.db")
        self.DATABASE_URL = env.get("DATABASE_URL", default_db)
        self.SECRET_KEY = env.get("SECRET_KEY", "dev-only-change-me")
        self.PUBLIC_BASE_URL = env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/")
        self.TOKEN_TTL_HOURS = int(env.get("TOKEN_TTL_HOURS", "12"))
        # werkzeug's hash method; tests lower the cost, production keeps scrypt.
        self.PASSWORD_HASH_METHOD = env.get("PASSWORD_HASH_METHOD", "scrypt")
        # Reconciliation thresholds (SPEC.md "Anomalies"); documented in README.md.
        self.TRANSIT_OVERDUE_HOURS = int(env.get("TRANSIT_OVERDUE_HOURS", "48"))
        self.RECEIPT_OVERDUE_WORKING_DAYS = int(env.get("RECEIPT_OVERDUE_WORKING_DAYS", "5"))
        self.WEIGHT_TOLERANCE = Decimal(env.get("WEIGHT_TOLERANCE", "0.05"))
        self.STORAGE_LIMIT_DAYS_HAZARDOUS = int(env.get("STORAGE_LIMIT_DAYS_HAZARDOUS", "365"))
        self.STORAGE_LIMIT_HOURS_MEDICAL = int(env.get("STORAGE_LIMIT_HOURS_MEDICAL", "48"))
        self.LOOP_CLOSE_DAYS = int(env.get("LOOP_CLOSE_DAYS", "30"))
        self.LOCATION_TOLERANCE_M = int(env.get("LOCATION_TOLERANCE_M", "1000"))
        self.LONG_DISTANCE_KM = int(env.get("LONG_DISTANCE_KM", "200"))
        self.MAX_LOAD_KG = Decimal(env.get("MAX_LOAD_KG", "40000"))
        # Issue 5 (defaults in wastechain/domain/anomalies.py DEFAULT_THRESHOLDS):
        self.PAYMENT_DUE_DAYS = int(env.get("PAYMENT_DUE_DAYS", "30"))  # closed manifest still unpaid after N days
        self.DECLARATION_ANNUAL_THRESHOLD_KG = Decimal(env.get("DECLARATION_ANNUAL_THRESHOLD_KG", "5000"))
        self.DECLARATION_ANNUAL_DUE = env.get("DECLARATION_ANNUAL_DUE", "03-31")  # MM-DD of the following year
        self.DECLARATION_MONTHLY_DUE_DAY = int(env.get("DECLARATION_MONTHLY_DUE_DAY", "15"))  # of the next month
        self.BULK_INDUSTRIAL_CATEGORIES = env.get("BULK_INDUSTRIAL_CATEGORIES", "SW01,SW02,SW11,SW16")
        self.SEAL_RECHECK_DAYS = int(env.get("SEAL_RECHECK_DAYS", "7"))  # earlier day seals re-verified each night
        self.SEAL_REGION = env.get("SEAL_REGION", "330800")  # region of platform-wide findings (a broken day seal)
        self.RUNTIME_ANOMALY_CHECKS = env.get("RUNTIME_ANOMALY_CHECKS", "1") == "1"
        self.WTF_CSRF_ENABLED = env.get("WTF_CSRF_ENABLED", "1") == "1"

    def as_dict(self) -> dict:
        return {k: v for k, v in vars(self).items() if k.isupper()}

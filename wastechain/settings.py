"""The one settings object: built once by create_app (or a tool) from the configuration, handed to services.

Pure Python (no Flask), so services and tools can take it. Validated at start-up: outside debug and testing the
service refuses the built-in development key, since anyone who knows it can forge sessions and QR tokens.
"""
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal
from typing import Callable, Mapping

from limits import parse_many

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.credit import CreditRules
from wastechain.domain.assessment import DEFAULT_INDICATORS, Indicator, indicators_from_config
from wastechain.domain.keys import Keyring, KeyringError, parse_keyring

DEVELOPMENT_SECRET_KEY = "dev-only-change-me"
# The throttling limits, each read from the configuration key of the same name in upper case.
LIMIT_SETTINGS = ("login_limits_per_account", "login_limits_per_address", "handover_limits_per_manifest",
                  "handover_limits_per_address", "code_limits_per_account", "code_limits_per_address",
                  "tipoff_limits_per_address", "tipoff_lookup_limits_per_address")
MIN_SECRET_LENGTH = 16


def system_clock() -> datetime:
    return datetime.now(timezone.utc)


class SettingsError(ValueError):
    """The configuration cannot run the service; the message says what to set."""


@dataclass(frozen=True)
class Settings:
    # The master keys (domain/keys.py): SECRET_KEY with its id SECRET_KEY_ID, plus RETIRED_SECRET_KEYS that still
    # verify. Given a plain string, it is one key with id 1. Every signing purpose derives its own key from it.
    secret_key: Keyring | str
    public_base_url: str = "http://127.0.0.1:5000"
    token_ttl_hours: int = 12
    max_tokens_per_user: int = 5  # live API tokens a user may hold; a new one drops the oldest
    login_ttl_days: int = 30  # a page login (and its remember-me cookie) lasts this long, unless logged out
    session_cookie_secure: bool = False  # Secure cookies and HSTS: turn on when served over HTTPS
    max_content_length: int = 2 * 1024 * 1024  # bytes of a request body; larger bodies are refused with 413
    password_hash_method: str = "scrypt"
    # Throttling (wastechain/throttle.py): limits in the `limits` notation ("10 per minute;50 per hour"), counted
    # in memory (one process) or in Redis (shared by every worker) when RATELIMIT_STORAGE_URI names one.
    ratelimit_enabled: bool = True
    ratelimit_storage_uri: str = "memory://"
    ratelimit_key_prefix: str = "wastechain"
    login_limits_per_account: str = "10 per minute;50 per hour"
    login_limits_per_address: str = "30 per minute"
    handover_limits_per_manifest: str = "10 per minute;30 per hour"
    handover_limits_per_address: str = "30 per minute"
    code_limits_per_account: str = "10 per minute;60 per hour"
    code_limits_per_address: str = "30 per minute"
    tipoff_limits_per_address: str = "5 per hour;20 per day"  # public tip-offs filed from one address
    tipoff_lookup_limits_per_address: str = "30 per minute;200 per day"  # tracking codes tried from one address
    # Password checks running at once in a process, and how long a login waits for one before answering 503.
    password_hash_concurrency: int = 2
    password_hash_wait_seconds: float = 2.0
    thresholds: Thresholds = field(default_factory=Thresholds)
    credit_rules: CreditRules = field(default_factory=CreditRules)
    approval_max_validity_days: int = 365  # 跨区域转移审批: the longest period one approval may cover, both days counted
    # Public tip-offs: photos are kept as files under this directory (default instance/tipoff_photos), at most this
    # many bytes each; the form must be at least this many seconds old when it is sent (domain/tipoffs.py); the
    # county list of the public form is this city's.
    tipoff_photo_dir: str = "instance/tipoff_photos"
    tipoff_photo_max_bytes: int = 5 * 1024 * 1024
    tipoff_form_min_seconds: int = 5
    tipoff_city: str = "330800"
    # 考核 targets and weights (domain/assessment.py; ASSESSMENT_TARGETS overrides) and the share of a category's
    # licensed capacity past which its generation is warned about (CAPACITY_WARNING_SHARE, default 0.8)
    assessment: tuple[Indicator, ...] = DEFAULT_INDICATORS
    capacity_warning_share: Decimal = Decimal("0.8")
    runtime_checks: bool = True  # run-time anomaly findings after each step
    notify_webhook_url: str = ""  # the message gateway that receives the warnings of critical anomalies
    clock: Callable[[], datetime] = system_clock  # tests hand in a clock they move; nothing sleeps
    trusted_proxies: int = 0  # reverse proxies in front (nginx: 1): the client's address is taken from X-Forwarded-For
    debug: bool = False
    testing: bool = False

    def __post_init__(self):
        if isinstance(self.secret_key, str) and self.secret_key:
            object.__setattr__(self, "secret_key", Keyring.single(self.secret_key))

    @property
    def keys(self) -> Keyring | None:
        """The keyring (None only when no key was configured; validate() refuses that)."""
        return self.secret_key if isinstance(self.secret_key, Keyring) else None

    @classmethod
    def from_config(cls, config: Mapping) -> "Settings":
        """From the app's configuration (upper-case keys, as config.Config reads them from the environment)."""
        return cls(secret_key=_keyring(config),
                   public_base_url=str(config.get("PUBLIC_BASE_URL", cls.public_base_url)).rstrip("/"),
                   token_ttl_hours=int(config.get("TOKEN_TTL_HOURS", cls.token_ttl_hours)),
                   max_tokens_per_user=int(config.get("MAX_TOKENS_PER_USER", cls.max_tokens_per_user)),
                   login_ttl_days=int(config.get("LOGIN_TTL_DAYS", cls.login_ttl_days)),
                   session_cookie_secure=bool(config.get("SESSION_COOKIE_SECURE", cls.session_cookie_secure)),
                   max_content_length=int(config.get("MAX_CONTENT_LENGTH") or cls.max_content_length),
                   password_hash_method=config.get("PASSWORD_HASH_METHOD", cls.password_hash_method),
                   ratelimit_enabled=bool(config.get("RATELIMIT_ENABLED", cls.ratelimit_enabled)),
                   ratelimit_storage_uri=config.get("RATELIMIT_STORAGE_URI") or cls.ratelimit_storage_uri,
                   ratelimit_key_prefix=config.get("RATELIMIT_KEY_PREFIX") or cls.ratelimit_key_prefix,
                   **{name: str(config.get(name.upper(), getattr(cls, name))) for name in LIMIT_SETTINGS},
                   password_hash_concurrency=int(config.get("PASSWORD_HASH_CONCURRENCY",
                                                            cls.password_hash_concurrency)),
                   password_hash_wait_seconds=float(config.get("PASSWORD_HASH_WAIT_SECONDS",
                                                               cls.password_hash_wait_seconds)),
                   thresholds=Thresholds.from_config(config),
                   credit_rules=CreditRules.from_config(config),
                   approval_max_validity_days=int(config.get("APPROVAL_MAX_VALIDITY_DAYS",
                                                             cls.approval_max_validity_days)),
                   tipoff_photo_dir=str(config.get("TIPOFF_PHOTO_DIR") or cls.tipoff_photo_dir),
                   tipoff_photo_max_bytes=int(config.get("TIPOFF_PHOTO_MAX_BYTES", cls.tipoff_photo_max_bytes)),
                   tipoff_form_min_seconds=int(config.get("TIPOFF_FORM_MIN_SECONDS", cls.tipoff_form_min_seconds)),
                   tipoff_city=str(config.get("TIPOFF_CITY") or cls.tipoff_city),
                   assessment=indicators_from_config(config),
                   capacity_warning_share=Decimal(str(config.get("CAPACITY_WARNING_SHARE", "0.8"))),
                   runtime_checks=bool(config.get("RUNTIME_ANOMALY_CHECKS", True)),
                   notify_webhook_url=str(config.get("NOTIFY_WEBHOOK_URL") or ""),
                   clock=config.get("CLOCK") or system_clock,
                   trusted_proxies=int(config.get("TRUSTED_PROXIES") or 0),
                   debug=bool(config.get("DEBUG")), testing=bool(config.get("TESTING")))

    def now(self) -> datetime:
        return self.clock()

    def validate(self) -> "Settings":
        """Refuses a configuration the service must not run with; returns itself."""
        development = self.debug or self.testing
        if self.keys is None:
            raise SettingsError("SECRET_KEY is not set: set it to a long random value "
                                "(e.g. python -c 'import secrets; print(secrets.token_hex(32))')")
        for key_id, master in self.keys.masters.items():
            if not development and (master == DEVELOPMENT_SECRET_KEY or len(master) < MIN_SECRET_LENGTH):
                which = "SECRET_KEY" if key_id == self.keys.current_id else f"retired key {key_id}"
                raise SettingsError(f"{which} is the built-in development key or shorter than "
                                    f"{MIN_SECRET_LENGTH} characters: set SECRET_KEY to a long random value before "
                                    "running outside debug or testing (./scripts/run.sh writes one into "
                                    "instance/secret_key)")
        if self.trusted_proxies < 0:
            raise SettingsError("TRUSTED_PROXIES must not be negative")
        if self.token_ttl_hours < 1:
            raise SettingsError("TOKEN_TTL_HOURS must be at least 1")
        if self.max_tokens_per_user < 1:
            raise SettingsError("MAX_TOKENS_PER_USER must be at least 1")
        if self.login_ttl_days < 1:
            raise SettingsError("LOGIN_TTL_DAYS must be at least 1")
        if self.max_content_length < 1024:
            raise SettingsError("MAX_CONTENT_LENGTH must be at least 1024 bytes")
        for name in LIMIT_SETTINGS:
            try:
                if not parse_many(getattr(self, name)):
                    raise ValueError(name)
            except ValueError:
                raise SettingsError(f"{name.upper()} is not a list of limits such as '10 per minute;50 per hour': "
                                    f"{getattr(self, name)!r}") from None
        if self.approval_max_validity_days < 1:
            raise SettingsError("APPROVAL_MAX_VALIDITY_DAYS must be at least 1")
        if self.tipoff_photo_max_bytes < 1024 or self.tipoff_form_min_seconds < 0:
            raise SettingsError("TIPOFF_PHOTO_MAX_BYTES must be at least 1024 and TIPOFF_FORM_MIN_SECONDS not negative")
        if self.password_hash_concurrency < 1:
            raise SettingsError("PASSWORD_HASH_CONCURRENCY must be at least 1")
        if self.password_hash_wait_seconds < 0:
            raise SettingsError("PASSWORD_HASH_WAIT_SECONDS must not be negative")
        return self


def _keyring(config: Mapping) -> Keyring | str:
    """SECRET_KEY (id SECRET_KEY_ID) and RETIRED_SECRET_KEYS as a keyring; "" when no key is set."""
    current = config.get("SECRET_KEY") or ""
    if isinstance(current, Keyring) or not current:
        return current
    try:
        return parse_keyring(current, int(config.get("SECRET_KEY_ID") or 1), config.get("RETIRED_SECRET_KEYS") or "")
    except (KeyringError, ValueError) as error:
        raise SettingsError(f"the keys cannot be used: {error}") from None

"""Configuration. This module is the only place that reads environment variables."""

from __future__ import annotations

import os
from datetime import date, timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_DIR = PROJECT_ROOT / "instance"


class ConfigError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


class Config:
    """Production defaults; every value can be overridden from the environment."""

    ENV_NAME = "production"
    SECRET_KEY = _env("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = _env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'portal.db'}")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    REDIS_URL = _env("REDIS_URL")
    EMBEDDED_REDIS_PATH = str(INSTANCE_DIR / "redis.db")
    BASE_CURRENCY = _env("BASE_CURRENCY", "USD")
    # a transaction that wrote this many rows of a table ANALYZEs it (portal/planner_stats.py)
    ANALYZE_AFTER_ROWS = int(_env("ANALYZE_AFTER_ROWS", "10000"))
    UPLOAD_DIR = _env("UPLOAD_DIR", str(INSTANCE_DIR / "uploads"))
    MAX_CONTENT_LENGTH = int(_env("MAX_UPLOAD_MB", "200")) * 1024 * 1024
    IMPORT_MAX_ERRORS = 200
    # Failed sign-ins: LOGIN_RATE_LIMIT per account from one client address, LOGIN_ADDRESS_LIMIT
    # per client address over all accounts, within the window. An account's failures from
    # everywhere only slow it down: beyond LOGIN_ACCOUNT_DELAY_AFTER each further attempt waits
    # 1, 2, 4 … seconds (at most LOGIN_MAX_DELAY_SECONDS) after the last failure, so nobody can
    # lock the owner out from another address.
    LOGIN_RATE_LIMIT = int(_env("LOGIN_RATE_LIMIT", "5"))
    LOGIN_RATE_WINDOW_SECONDS = int(_env("LOGIN_RATE_WINDOW_SECONDS", "900"))
    LOGIN_ADDRESS_LIMIT = int(_env("LOGIN_ADDRESS_LIMIT", "20"))
    LOGIN_ACCOUNT_DELAY_AFTER = int(_env("LOGIN_ACCOUNT_DELAY_AFTER", "10"))
    LOGIN_MAX_DELAY_SECONDS = int(_env("LOGIN_MAX_DELAY_SECONDS", "60"))
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env("SESSION_COOKIE_SECURE", "1") == "1"
    # A sign-in lasts PERMANENT_SESSION_LIFETIME, or REMEMBER_DURATION with "keep me signed in";
    # the server keeps each one (portal/auth/sessions.py) and can end it at any time.
    REMEMBER_COOKIE = "portal_remember"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_DURATION = timedelta(days=int(_env("REMEMBER_DAYS", "30")))
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # Strict-Transport-Security max-age in production (0: no header, as in development and tests).
    HSTS_SECONDS = int(_env("HSTS_SECONDS", str(365 * 24 * 3600)))
    WTF_CSRF_TIME_LIMIT = 3600 * 12
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    BABEL_TRANSLATION_DIRECTORIES = str(PROJECT_ROOT / "translations")
    LANGUAGES = {
        "en": "English",
        "fr": "Français",
        "de": "Deutsch",
        "es": "Español",
        "ja": "日本語",
    }
    RQ_QUEUES = ("default",)
    RQ_JOB_TIMEOUT = 3600
    # Behind a reverse proxy: how many proxies in front of the portal set X-Forwarded-For /
    # -Proto / -Host. 0 (the default) trusts none of them: the client address is the socket's.
    # Sign-in and API lockouts are counted per client address, so set this when there is one.
    TRUSTED_PROXIES = int(_env("TRUSTED_PROXIES", "0"))
    # Dashboard pages and figures are kept per user for this long (0: off); the data version
    # (portal/data_version.py) moves after every committed change, so only time-based text waits.
    DASHBOARD_CACHE_SECONDS = int(_env("DASHBOARD_CACHE_SECONDS", "300"))
    USER_CACHE_SECONDS = int(_env("USER_CACHE_SECONDS", "60"))
    TASK_STALE_AFTER_SECONDS = 300
    WORKER_HEARTBEAT_KEY = "portal:workers"
    # Calculation runs: one shard job per CALC_LINES_PER_SHARD lines in the period (at most
    # CALC_MAX_SHARDS); the shards of a larger run split the lines by id and the fan-in adds
    # their partial sums up. One shard is one query that PostgreSQL runs on parallel workers of
    # its own, which is fastest while one database's few cores do all the work; lower the size
    # when more workers and database cores are free than one query uses (docs/benchmarks.md).
    # A shard whose heartbeat is older than CALC_STALE_AFTER_SECONDS is re-queued by the
    # sweeper, CALC_MAX_ATTEMPTS times at most.
    CALC_LINES_PER_SHARD = int(_env("CALC_LINES_PER_SHARD", "20000000"))
    CALC_MAX_SHARDS = int(_env("CALC_MAX_SHARDS", "8"))
    CALC_JOB_TIMEOUT = int(_env("CALC_JOB_TIMEOUT", "3600"))
    CALC_HEARTBEAT_SECONDS = int(_env("CALC_HEARTBEAT_SECONDS", "10"))
    CALC_STALE_AFTER_SECONDS = int(_env("CALC_STALE_AFTER_SECONDS", "120"))
    CALC_MAX_ATTEMPTS = 3
    CALC_UNUSABLE_LIST_CAP = 200
    CALC_WORK_MEM = _env("CALC_WORK_MEM", "64MB")  # PostgreSQL work_mem for a shard's GROUP BY
    # PostgreSQL work_mem for a sales import's set-based checks and merge (hash joins and the
    # GROUP BY that finds repeated external ids in memory instead of spilling to disk)
    IMPORT_WORK_MEM = _env("IMPORT_WORK_MEM", "64MB")
    # Statements (PDF) carry the vendor's name, postal address (lines separated by new lines or
    # "\n") and logo (a PNG or JPEG file; unset: no logo).
    VENDOR_NAME = _env("VENDOR_NAME", "")
    VENDOR_ADDRESS = _env("VENDOR_ADDRESS", "").replace("\\n", "\n")
    VENDOR_LOGO = _env("VENDOR_LOGO")
    PUBLIC_URL = _env("PUBLIC_URL", "http://127.0.0.1:5000")  # links in e-mails
    MAIL_SERVER = _env("MAIL_SERVER")  # unset: mails are written to MAIL_OUTBOX_DIR as .eml
    MAIL_PORT = int(_env("MAIL_PORT", "587"))
    MAIL_USE_TLS = _env("MAIL_USE_TLS", "1") == "1"  # STARTTLS
    MAIL_USE_SSL = _env("MAIL_USE_SSL", "0") == "1"  # implicit TLS (port 465)
    MAIL_USERNAME = _env("MAIL_USERNAME")
    MAIL_PASSWORD = _env("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "Partner Portal <noreply@localhost>")
    MAIL_OUTBOX_DIR = _env("MAIL_OUTBOX_DIR", str(INSTANCE_DIR / "outbox"))
    MAIL_MAX_ATTEMPTS = 5
    # Outgoing webhooks: each request times out after WEBHOOK_TIMEOUT_SECONDS; failed deliveries
    # are retried with exponential backoff (1 min, 2, 4 … at most 4 h apart) for a day, then
    # marked failed; an endpoint failing for a day is disabled and the administrators e-mailed.
    WEBHOOK_TIMEOUT_SECONDS = float(_env("WEBHOOK_TIMEOUT_SECONDS", "10"))
    # Loyalty points: the daily job keeps posting a period's earnings this many days after it
    # ended, so sales imported late still earn points without anyone pressing a button.
    POINTS_LATE_LINE_DAYS = int(_env("POINTS_LATE_LINE_DAYS", "7"))
    # Date windows of what people enter: sale lines, FX rates, effective dates and claimed sales
    # from SALE_DATE_EARLIEST on; sale lines, rates and moves at most SALE_DATE_MAX_DAYS_AHEAD
    # days ahead (a claimed sale never lies ahead); a deal's expected close from today to
    # DEAL_CLOSE_MAX_DAYS_AHEAD days ahead.
    SALE_DATE_EARLIEST = date.fromisoformat(_env("SALE_DATE_EARLIEST", "2000-01-01"))
    SALE_DATE_MAX_DAYS_AHEAD = int(_env("SALE_DATE_MAX_DAYS_AHEAD", "366"))
    DEAL_CLOSE_MAX_DAYS_AHEAD = int(_env("DEAL_CLOSE_MAX_DAYS_AHEAD", "1095"))
    # Every queue's review target: applications, deal registrations, claims, redemptions and
    # MDF requests waiting longer are overdue (queues, dashboards, reminders).
    REVIEW_TARGET_HOURS = int(_env("REVIEW_TARGET_HOURS", "48"))
    DEAL_PROTECTION_DAYS = int(_env("DEAL_PROTECTION_DAYS", "90"))
    DEAL_REMINDER_DAYS = 14
    # Single sign-on (portal/auth/sso): every call to a provider (discovery, keys, token) gives up
    # after SSO_HTTP_TIMEOUT_SECONDS; ID tokens are accepted SSO_CLOCK_SKEW_SECONDS around
    # their issue and expiry times, for clocks that disagree a little.
    SSO_HTTP_TIMEOUT_SECONDS = float(_env("SSO_HTTP_TIMEOUT_SECONDS", "10"))
    SSO_CLOCK_SKEW_SECONDS = int(_env("SSO_CLOCK_SKEW_SECONDS", "120"))
    # Company sign-ins one client address may start per LOGIN_RATE_WINDOW_SECONDS: each one
    # makes the portal call the provider, which nobody should be able to do in bulk.
    SSO_START_RATE_LIMIT = int(_env("SSO_START_RATE_LIMIT", "30"))
    # Market development funds: a request's claim is due MDF_CLAIM_DAYS after its activity ends
    # (a fund may set its own number of days), never after the fund's claim deadline; partner
    # admins are warned MDF_EXPIRY_WARNING_DAYS before that deadline; a claim carries at most
    # MDF_MAX_PROOFS files.
    MDF_CLAIM_DAYS = int(_env("MDF_CLAIM_DAYS", "60"))
    MDF_EXPIRY_WARNING_DAYS = (30, 7)
    MDF_MAX_PROOFS = 10
    # Onboarding: verification links, invitations, rate limits, uploaded documents.
    VERIFY_EMAIL_MAX_AGE_SECONDS = int(_env("VERIFY_EMAIL_MAX_AGE_HOURS", "48")) * 3600
    INVITATION_VALID_DAYS = int(_env("INVITATION_VALID_DAYS", "14"))
    REGISTRATION_RATE_LIMIT = int(_env("REGISTRATION_RATE_LIMIT", "5"))
    REGISTRATION_RATE_WINDOW_SECONDS = int(_env("REGISTRATION_RATE_WINDOW_SECONDS", "3600"))
    VERIFY_RESEND_RATE_LIMIT = int(_env("VERIFY_RESEND_RATE_LIMIT", "3"))
    VERIFY_RESEND_RATE_WINDOW_SECONDS = int(_env("VERIFY_RESEND_RATE_WINDOW_SECONDS", "3600"))
    # Password links: a forgotten-password link works once within PASSWORD_RESET_MAX_AGE_MINUTES;
    # a new staff user's first link within STAFF_PASSWORD_LINK_DAYS. Requests for a reset link
    # are limited per client address and per e-mail address, like failed sign-ins.
    PASSWORD_RESET_MAX_AGE_SECONDS = int(_env("PASSWORD_RESET_MAX_AGE_MINUTES", "60")) * 60
    STAFF_PASSWORD_LINK_SECONDS = int(_env("STAFF_PASSWORD_LINK_DAYS", "7")) * 24 * 3600
    PASSWORD_RESET_RATE_LIMIT = int(_env("PASSWORD_RESET_RATE_LIMIT", "5"))
    PASSWORD_RESET_RATE_WINDOW_SECONDS = int(_env("PASSWORD_RESET_RATE_WINDOW_SECONDS", "3600"))
    DOCUMENT_MAX_BYTES = int(_env("DOCUMENT_MAX_MB", "10")) * 1024 * 1024
    # JSON API: requests per token per window, and how long an Idempotency-Key is remembered.
    API_RATE_LIMIT = int(_env("API_RATE_LIMIT", "600"))
    API_RATE_WINDOW_SECONDS = int(_env("API_RATE_WINDOW_SECONDS", "60"))
    API_IDEMPOTENCY_TTL_SECONDS = 24 * 3600
    # Failed token authentications per client address before every token from it gets a 429.
    API_AUTH_FAILURE_LIMIT = int(_env("API_AUTH_FAILURE_LIMIT", "20"))
    API_AUTH_FAILURE_WINDOW_SECONDS = int(_env("API_AUTH_FAILURE_WINDOW_SECONDS", "300"))
    # Keys that seal secrets at rest — payee account numbers, webhook signing secrets (Fernet
    # keys, comma-separated; the first seals, all open, so a key is rotated by putting the new
    # one first). Make one with
    # python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'
    SEALING_KEYS = _env("SEALING_KEYS")
    # The vendor's account payout batches pay from: the debtor of pain.001 (SEPA) files.
    PAYMENT_DEBTOR_NAME = _env("PAYMENT_DEBTOR_NAME")
    PAYMENT_DEBTOR_IBAN = _env("PAYMENT_DEBTOR_IBAN")
    PAYMENT_DEBTOR_BIC = _env("PAYMENT_DEBTOR_BIC")

    @classmethod
    def check(cls) -> None:
        """Refuse to start production without an explicit secret key."""
        if not cls.SECRET_KEY:
            raise ConfigError(
                "SECRET_KEY is not set. Set it to a long random value in the environment "
                "(for example: python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if not cls.SEALING_KEYS:
            raise ConfigError(
                "SEALING_KEYS is not set. Bank account numbers and webhook secrets are sealed "
                "with it; make a key with python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'."
            )


class DevelopmentConfig(Config):
    """The embedded default used by `portal up`: SQLite file, local Redis, insecure cookies."""

    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
    SEALING_KEYS = _env("SEALING_KEYS", "ZGV2LW9ubHktbm90LXNlY3JldC1wYXllZS1rZXktMDA=")
    PAYMENT_DEBTOR_NAME = _env("PAYMENT_DEBTOR_NAME", "Example Networks Inc.")
    PAYMENT_DEBTOR_IBAN = _env("PAYMENT_DEBTOR_IBAN", "DE02120300000000202051")
    PAYMENT_DEBTOR_BIC = _env("PAYMENT_DEBTOR_BIC", "BYLADEM1001")
    VENDOR_NAME = _env("VENDOR_NAME", "Example Networks Inc.")
    VENDOR_ADDRESS = _env(
        "VENDOR_ADDRESS", "1 Market Street\nSan Francisco, CA 94105\nUnited States"
    ).replace("\\n", "\n")
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS_SECONDS = 0

    @classmethod
    def check(cls) -> None:
        return None


class TestConfig(Config):
    """Test suite: PostgreSQL and Redis on localhost unless told otherwise."""

    ENV_NAME = "test"
    TESTING = True
    VENDOR_NAME = "Example Networks Inc."
    VENDOR_ADDRESS = "1 Market Street\nSan Francisco, CA 94105\nUSA"
    VENDOR_LOGO = None
    SECRET_KEY = "test-secret-key"  # noqa: S105
    SEALING_KEYS = "dGVzdC1vbmx5LW5vdC1zZWNyZXQtcGF5ZWUta2V5LTA="
    PAYMENT_DEBTOR_NAME = "Example Networks Inc."
    PAYMENT_DEBTOR_IBAN = "DE02120300000000202051"
    PAYMENT_DEBTOR_BIC = "BYLADEM1001"
    SQLALCHEMY_DATABASE_URI = _env(
        "TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    )
    REDIS_URL = _env("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    DASHBOARD_CACHE_SECONDS = 0
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_SECURE = False
    HSTS_SECONDS = 0
    WTF_CSRF_ENABLED = True
    UPLOAD_DIR = _env("TEST_UPLOAD_DIR", "/tmp/portal-test-uploads")  # noqa: S108
    MAIL_SERVER = None
    MAIL_OUTBOX_DIR = _env("TEST_MAIL_OUTBOX_DIR", "/tmp/portal-test-outbox")  # noqa: S108

    @classmethod
    def check(cls) -> None:
        return None


CONFIGS = {"production": Config, "development": DevelopmentConfig, "test": TestConfig}


def secret_from_environment(name: str) -> str | None:
    """A secret kept in the environment under a name stored elsewhere (an SSO client secret)."""
    return _env(name)


def config_for(name: str | None = None) -> type[Config]:
    """Pick the configuration by name, else PORTAL_ENV; without either, a DATABASE_URL means
    production and its absence means the embedded development default."""
    key = name or _env("PORTAL_ENV") or ("production" if _env("DATABASE_URL") else "development")
    try:
        return CONFIGS[key]
    except KeyError:
        raise ConfigError(f"Unknown PORTAL_ENV {key!r}; use one of {', '.join(CONFIGS)}") from None
